/** The contract of GET /v1/privacy/requests (src/server/routes/privacy-requests.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { privacyRequestsQuery } from '../../routes/privacy-requests.js';
import { error, json, signedIn, signedInErrors } from '../common.js';

const listedRequest = z
  .object({
    id: z.string(),
    kind: z.enum(['erasure', 'export']),
    status: z.enum(['pending', 'running', 'completed', 'failed']),
    origin: z.enum(['admin', 'portal', 'retention']),
    createdAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().optional(),
    removed: z.record(z.string(), z.number()).optional().meta({ description: 'What was (or is being) removed, as counts' }),
    steps: z.record(z.string(), z.string()).meta({ description: "When each of an erasure's steps finished" }),
    destinations: z
      .record(z.string(), z.object({ status: z.enum(['pending', 'sent', 'failed']), at: z.string(), detail: z.string().optional() }))
      .meta({ description: "Each destination's answer to the erasure notice" }),
    reason: z.string().optional(),
  })
  .meta({ id: 'PrivacyRequestSummary' });

export const privacyRequestsPaths: ZodOpenApiPathsObject = {
  '/v1/privacy/requests': {
    get: {
      operationId: 'listPrivacyRequests',
      tags: ['Privacy'],
      summary: 'Privacy requests, newest first, paged',
      description: 'Erasures and exports with their state, steps and destinations. Roles: admin, privacy.',
      security: signedIn,
      requestParams: { query: privacyRequestsQuery },
      responses: {
        '200': json(
          'A page; `next` is the cursor of the following one, absent on the last',
          z.object({ requests: z.array(listedRequest), next: z.string().optional() }),
        ),
        '400': error('An unknown kind or status, a limit outside 1–200, or a cursor this list did not give'),
        ...signedInErrors,
      },
    },
  },
};
