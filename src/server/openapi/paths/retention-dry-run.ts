/** The contract of POST /v1/privacy/retention/dry-run (src/server/routes/retention-dry-run.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { retentionDryRunBody } from '../../routes/retention-dry-run.js';
import { error, json, signedIn, signedInErrors } from '../common.js';

const dryRun = z
  .object({
    policy: z.enum(['stored', 'given']).meta({ description: 'Whether the stored policy or the one in the body was counted' }),
    at: z.string(),
    events: z.array(
      z.object({
        rule: z.object({ olderThanDays: z.number().int(), event: z.string().optional(), type: z.string().optional() }),
        cutoff: z.string(),
        count: z.number().int().min(0).meta({ description: 'Events the rule would remove now' }),
      }),
    ),
    inactivePeople: z
      .object({
        days: z.number().int(),
        cutoff: z.string(),
        count: z.number().int().min(0).meta({ description: 'People the run would erase (at most 10,000 per run)' }),
        capped: z.boolean().meta({ description: 'More are inactive than one run erases; the next day takes the rest' }),
      })
      .optional(),
  })
  .meta({ id: 'RetentionDryRun' });

export const retentionDryRunPaths: ZodOpenApiPathsObject = {
  '/v1/privacy/retention/dry-run': {
    post: {
      operationId: 'dryRunRetention',
      tags: ['Privacy'],
      summary: 'What the next retention run would remove',
      description:
        'Counts, under the stored policy or the one given, the events each rule would remove and the people who would be erased; deletes nothing, erases nobody, records no run and no audit entry. Roles: admin, privacy.',
      security: signedIn,
      requestBody: { content: { 'application/json': { schema: retentionDryRunBody } } },
      responses: {
        '200': json('The counts', dryRun),
        '400': error('A malformed policy'),
        ...signedInErrors,
      },
    },
  },
};
