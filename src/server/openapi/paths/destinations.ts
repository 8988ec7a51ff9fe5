/** Webhook destinations (src/server/routes/destinations.ts): where `send webhook "<name>"` posts, and the secret that signs it. */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { destinationBody } from '../../routes/destinations.js';
import { MESSAGE_NAME } from '../../routes/templates.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { instant, jsonBodyErrors } from '../personal-areas.js';

const name = z.object({
  name: z.string().regex(MESSAGE_NAME).meta({ description: 'As the rules name it: 1 to 100 characters, no slash', example: 'crm' }),
});

const saved = z
  .object({
    name: z.string(),
    url: z.string(),
    traits: z.array(z.string()),
    erasures: z.boolean(),
    created: z.boolean(),
    secret: z.string().optional().meta({ description: 'A generated secret, shown this once (a given one is never echoed)' }),
  })
  .meta({
    id: 'DestinationSaved',
    example: { name: 'crm', url: 'https://crm.example/hooks/itinera', traits: ['email'], erasures: true, created: true, secret: 'whsec_…' },
  });

const tags = ['destinations'];
const badName = error('A bad name (`invalid_name`) or body (`invalid_body`, `malformed_json`)');

export const destinationsPaths: ZodOpenApiPathsObject = {
  '/v1/destinations': {
    get: {
      tags,
      summary: 'The webhook destinations, and those the active rules use but nobody configured',
      security: signedIn,
      responses: {
        '200': json(
          'The destinations (secrets never shown)',
          z.object({
            destinations: z.array(
              z.object({ name: z.string(), url: z.string(), traits: z.array(z.string()), erasures: z.boolean(), updatedAt: instant }),
            ),
            missing: z.array(z.string()).meta({ description: 'Named by `send webhook` in the active rules, not configured' }),
          }),
        ),
        ...signedInErrors,
      },
    },
  },
  '/v1/destinations/{name}': {
    put: {
      tags,
      summary: 'Create or replace a webhook destination',
      security: signedIn,
      requestParams: { path: name },
      requestBody: {
        content: {
          'application/json': {
            schema: destinationBody.meta({ example: { url: 'https://crm.example/hooks/itinera', traits: ['email'], erasures: true } }),
          },
        },
      },
      responses: {
        '200': json('Replaced', saved),
        '201': json('Created', saved),
        '400': badName,
        ...signedInErrors,
        ...jsonBodyErrors,
      },
    },
    delete: {
      tags,
      summary: 'Remove a webhook destination',
      security: signedIn,
      requestParams: { path: name },
      responses: {
        '204': { description: 'Removed' },
        '400': error('A bad name (`invalid_name`)'),
        ...signedInErrors,
        '404': error('No destination with that name'),
      },
    },
  },
};
