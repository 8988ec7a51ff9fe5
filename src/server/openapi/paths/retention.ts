/** The retention policy (src/server/routes/retention.ts): what is removed after how long, applied daily by a Temporal Schedule. */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { policyBody } from '../../routes/retention.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { instant, jsonBodyErrors } from '../personal-areas.js';

const policy = z
  .object({
    events: z.array(
      z.looseObject({
        olderThanDays: z.number().int(),
        event: z.string().optional(),
        type: z.enum(['track', 'identify', 'page', 'screen', 'group', 'alias']).optional(),
      }),
    ),
    inactivePeopleDays: z.number().int().optional().meta({ description: 'People not seen for this many days are erased' }),
    lastRun: z
      .object({
        at: instant,
        events: z.array(z.number().int()).meta({ description: 'Removed by each rule, in order' }),
        peopleErased: z.number().int(),
      })
      .optional(),
    nextRunAt: instant.nullable().meta({ description: "The schedule's next run; null while no policy is set" }),
  })
  .meta({
    id: 'RetentionPolicy',
    example: { events: [{ olderThanDays: 365, type: 'page' }], inactivePeopleDays: 1095, nextRunAt: '2026-05-05T03:00:00.000Z' },
  });

const tags = ['privacy'];

export const retentionPaths: ZodOpenApiPathsObject = {
  '/v1/privacy/retention': {
    get: {
      tags,
      summary: 'The retention policy, its last run and its next',
      security: signedIn,
      responses: { '200': json('The policy (empty: nothing is removed)', policy), ...signedInErrors },
    },
    put: {
      tags,
      summary: 'Set the retention policy (an empty one stops the schedule)',
      security: signedIn,
      requestBody: {
        content: {
          'application/json': {
            schema: policyBody.meta({
              example: { events: [{ olderThanDays: 365, type: 'page' }], inactivePeopleDays: 1095, reason: 'policy v2' },
            }),
          },
        },
      },
      responses: {
        '200': json('The policy now in force', policy),
        '400': error('A malformed body (`invalid_body`, `malformed_json`)'),
        ...signedInErrors,
        ...jsonBodyErrors,
      },
    },
  },
  '/v1/privacy/retention/run': {
    post: {
      tags,
      summary: 'Apply the retention policy now (outside its daily schedule)',
      security: signedIn,
      responses: {
        '202': json('Started', z.object({ triggered: z.literal(true) })),
        '400': error('A body that is not JSON (`malformed_json`); none is needed'),
        ...signedInErrors,
        '409': error('No policy is set (`no_policy`)'),
        ...jsonBodyErrors,
      },
    },
  },
};
