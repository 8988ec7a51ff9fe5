/** The contract itself (src/server/routes/openapi.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { json, open } from '../common.js';

export const openapiPaths: ZodOpenApiPathsObject = {
  '/v1/openapi.json': {
    get: {
      tags: ['contract'],
      summary: 'This document: the OpenAPI 3.1 description of the HTTP API',
      security: open,
      responses: {
        '200': json(
          'The OpenAPI document',
          z.looseObject({
            openapi: z.literal('3.1.0'),
            info: z.looseObject({ title: z.string(), version: z.string() }),
            paths: z.record(z.string(), z.unknown()),
          }),
        ),
      },
    },
  },
};
