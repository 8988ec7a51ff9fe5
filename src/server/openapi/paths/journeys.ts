/** What journeys do, and pausing their new entries (src/server/routes/journeys.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { nameParam } from './shared.js';

const counts = z.record(z.string(), z.number().int());

const version = {
  rulesVersion: z.number().int(),
  active: z.boolean().meta({ description: 'Whether this is the active rules version' }),
  entered: z.number().int(),
  running: z.number().int(),
  ended: counts.meta({ description: 'Runs ended, by outcome' }),
  refused: counts.meta({ description: 'Entries refused, by verdict' }),
  messages: counts.meta({ description: 'Messages, by status' }),
};

const totals = {
  name: z.string(),
  title: z.string().optional(),
  deployed: z.boolean().meta({ description: 'Declared by the active rules' }),
  paused: z.boolean().meta({ description: 'New entries are paused' }),
  entered: z.number().int(),
  running: z.number().int(),
  ended: z.number().int(),
};

const diagramCounts = z.object({
  reached: z.number().int(),
  waiting: z.number().int(),
  passed: z.number().int(),
  endedHere: z.number().int(),
});

const diagramNode: z.ZodType = z
  .object({
    id: z.string(),
    kind: z.string().meta({ description: '`trigger`, `onExit`, or a step kind' }),
    label: z.string(),
    counts: diagramCounts,
    get blocks() {
      return z.array(z.object({ label: z.string(), nodes: z.array(diagramNode) }).meta({ id: 'DiagramBlock' })).optional();
    },
    iterations: z.array(z.object({ label: z.string(), counts: diagramCounts })).optional(),
  })
  .meta({ id: 'DiagramNode', description: 'A step of the journey with its counts; a block step holds its blocks of steps' });

const journeySummary = z.object({ ...totals, versions: z.array(z.object(version)) }).meta({ id: 'JourneySummary' });

const journeyDetail = z
  .object({
    ...totals,
    versions: z.array(
      z.object({
        ...version,
        steps: z.array(
          z.object({
            id: z.string(),
            kind: z.string(),
            depth: z.number().int(),
            reached: z.number().int(),
            waiting: z.number().int(),
            passed: z.number().int(),
            endedHere: z.number().int(),
          }),
        ),
        diagram: z.object({ nodes: z.array(diagramNode) }),
      }),
    ),
  })
  .meta({ id: 'JourneyDetail' });

const params = { path: nameParam('The journey name') };
const unknown = error('No journey with that name in the active rules or in the stats');

export const journeysPaths: ZodOpenApiPathsObject = {
  '/v1/journeys': {
    get: {
      tags: ['journeys'],
      summary: 'Every journey, active or with runs, with its figures per rules version',
      security: signedIn,
      responses: { '200': json('The journeys', z.object({ journeys: z.array(journeySummary) })), ...signedInErrors },
    },
  },
  '/v1/journeys/{name}': {
    get: {
      tags: ['journeys'],
      summary: 'A journey: per version, its funnel and its diagram with counts',
      security: signedIn,
      requestParams: params,
      responses: { '200': json('The journey', journeyDetail), ...signedInErrors, '404': unknown },
    },
  },
  ...Object.fromEntries(
    (['pause', 'resume'] as const).map((action) => [
      `/v1/journeys/{name}/${action}`,
      {
        post: {
          tags: ['journeys'],
          summary: action === 'pause' ? 'Pause new entries (runs under way go on)' : 'Resume new entries',
          security: signedIn,
          requestParams: params,
          responses: {
            '200': json(
              'Done',
              z.object({ name: z.string(), paused: z.boolean() }).meta({ example: { name: 'welcome', paused: action === 'pause' } }),
            ),
            ...signedInErrors,
            '404': unknown,
          },
        },
      },
    ]),
  ),
};
