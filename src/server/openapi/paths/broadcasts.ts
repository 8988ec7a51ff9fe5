/** Broadcasts: start, pause, resume, cancel, progress (src/server/routes/broadcasts.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { startBody } from '../../routes/broadcasts.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { dateTime, nameParam } from './shared.js';

const state = z.enum(['running', 'paused', 'cancelled', 'completed']);

const broadcast = z
  .object({
    name: z.string(),
    title: z.string().optional(),
    declared: z.boolean().meta({ description: 'Declared by the active rules' }),
    state: z.union([state, z.literal('not started')]),
    rulesVersion: z.number().int().optional(),
    segment: z.string().optional(),
    template: z.string().optional(),
    ratePerSecond: z.number().optional(),
    quietHours: z.object({ start: z.string(), end: z.string() }).optional(),
    timeZone: z.string().optional(),
    startedAt: dateTime.optional(),
    startedBy: z.string().optional(),
    finishedAt: dateTime.optional(),
    waiting: z.object({ reason: z.literal('quiet hours'), until: dateTime }).optional(),
    progress: z
      .object({
        audience: z.number().int().nullable().meta({ description: 'Members at the start; null until the audience is taken' }),
        sent: z.number().int(),
        failed: z.number().int(),
        skipped: z.object({ total: z.number().int() }).catchall(z.number().int()).meta({ description: 'The total, and by reason' }),
        remaining: z.number().int().nullable(),
      })
      .optional(),
  })
  .meta({
    id: 'Broadcast',
    description: 'A broadcast declared in the active rules or started once; the fields after `state` once it has started',
    example: {
      name: 'spring-sale',
      declared: true,
      state: 'running',
      rulesVersion: 7,
      segment: 'newsletter',
      template: 'spring-sale',
      startedAt: '2026-03-01T12:00:00.000Z',
      startedBy: 'user:ada',
      progress: { audience: 1200, sent: 400, failed: 0, skipped: { total: 3, suppressed: 3 }, remaining: 797 },
    },
  });

const params = { path: nameParam('The broadcast name') };
const unknown = error('No broadcast of that name in the active rules, nor one started (`broadcast_unknown`)');
const unavailable = error('This server cannot start or signal broadcasts (`broadcasts_unavailable`)');

export const broadcastsPaths: ZodOpenApiPathsObject = {
  '/v1/broadcasts': {
    get: {
      tags: ['broadcasts'],
      summary: 'Every broadcast declared or started, with its progress',
      security: signedIn,
      responses: { '200': json('The broadcasts', z.object({ broadcasts: z.array(broadcast) })), ...signedInErrors },
    },
  },
  '/v1/broadcasts/{name}': {
    get: {
      tags: ['broadcasts'],
      summary: "A broadcast's state and progress",
      security: signedIn,
      requestParams: params,
      responses: { '200': json('The broadcast', broadcast), ...signedInErrors, '404': unknown },
    },
  },
  '/v1/broadcasts/{name}/start': {
    post: {
      tags: ['broadcasts'],
      summary: 'Start a broadcast declared in the active rules (once: a name never starts again)',
      security: signedIn,
      requestParams: params,
      requestBody: { content: { 'application/json': { schema: startBody, example: { ratePerSecond: 20, timeZone: 'Europe/Warsaw' } } } },
      responses: {
        '202': json('Started (or its missing run started again)', broadcast),
        '400': error('The body does not fit the schema (per field in `details`), or is not JSON'),
        ...signedInErrors,
        '404': unknown,
        '409': error('Already running or paused (`broadcast_running`), or completed or cancelled (`broadcast_finished`); `details.state`'),
        '422': error('The template it sends does not exist (`template_missing`)'),
        '503': unavailable,
      },
    },
  },
  ...Object.fromEntries(
    (['pause', 'resume', 'cancel'] as const).map((action) => [
      `/v1/broadcasts/{name}/${action}`,
      {
        post: {
          tags: ['broadcasts'],
          summary: {
            pause: 'Pause a running broadcast (between batches)',
            resume: 'Resume a paused broadcast',
            cancel: 'Cancel a running or paused broadcast',
          }[action],
          security: signedIn,
          requestParams: params,
          responses: {
            '200': json('Done', broadcast),
            ...signedInErrors,
            '404': unknown,
            '409': error('Not started (`broadcast_not_started`), or in a state it cannot move from (`broadcast_<state>`); `details.state`'),
            '503': unavailable,
          },
        },
      },
    ]),
  ),
};
