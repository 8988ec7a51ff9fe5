/** What a journey of a draft would do for one person (src/server/routes/simulate.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { simulationRequestSchema } from '../../../simulation/request.js';
import { error, json, signedIn, signedInErrors } from '../common.js';
import { diagnosticsBody } from './shared.js';

const base = { at: z.string().meta({ format: 'date-time' }), offsetMs: z.number(), step: z.string().optional() };
const entry = (kind: z.ZodType, fields: Record<string, z.ZodType> = {}) => z.object({ ...base, kind, ...fields });
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const timelineEntry = z
  .union([
    entry(z.literal('entered')),
    entry(z.literal('refused'), { reason: z.string() }),
    entry(z.literal('event'), { event: z.string(), delivered: z.boolean() }),
    entry(z.enum(['tag', 'untag']), { tag: z.string() }),
    entry(z.literal('set trait'), { path: z.string(), value: scalar }),
    entry(z.literal('send'), {
      channel: z.enum(['email', 'webhook']),
      name: z.string(),
      subject: z.string().optional(),
      problem: z.string().optional().meta({ description: 'What would keep it from being sent; absent when it would go' }),
    }),
    entry(z.literal('wait'), {
      reason: z.enum(['wait', 'wait until', 'quiet hours']),
      until: z.string().meta({ format: 'date-time' }),
      ended: z.string().meta({ format: 'date-time' }).optional(),
    }),
    entry(z.literal('wait for'), {
      event: z.string(),
      until: z.string().meta({ format: 'date-time' }),
      outcome: z.enum(['arrived', 'timed out']).optional(),
      ended: z.string().meta({ format: 'date-time' }).optional(),
    }),
    entry(z.literal('branch'), { of: z.enum(['if', 'split', 'wait for']), taken: z.string(), why: z.string() }),
    entry(z.literal('exit')),
    entry(z.literal('end'), { outcome: z.string(), atStep: z.string().optional() }),
  ])
  .meta({ id: 'SimulatedEntry', description: 'One thing that happened in the simulated run, at its instant' });

const result = z
  .object({
    journey: z.string(),
    startedAt: z.string().meta({ format: 'date-time' }),
    outcome: z
      .string()
      .meta({ description: "How the run ended (the journey workflow's outcome: completed, exited, no-consent…), or `not-triggered`" }),
    timeline: z.array(timelineEntry),
    tags: z.array(z.string()).meta({ description: "The person's tags when the run ended" }),
  })
  .meta({
    id: 'SimulationResult',
    example: {
      journey: 'welcome',
      startedAt: '2026-03-01T12:00:00.000Z',
      outcome: 'completed',
      timeline: [{ at: '2026-03-01T12:00:00.000Z', offsetMs: 0, kind: 'entered' }],
      tags: [],
    },
  });

export const simulatePaths: ZodOpenApiPathsObject = {
  '/v1/journeys/simulate': {
    post: {
      tags: ['simulate'],
      summary: 'Simulate a journey of a draft program for one person',
      description:
        'Computed in seconds by the real journey workflow on a time-skipping server. Nothing is deployed, written or sent; a stored profile is only read.',
      security: signedIn,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: simulationRequestSchema,
            example: {
              source: 'journey welcome {\n  when performed "Signed Up"\n  send email "welcome"\n}',
              journey: 'welcome',
              person: { traits: { email: 'ada@example.com' } },
            },
          },
        },
      },
      responses: {
        '200': json('What the journey would do', result),
        '400': error('The request does not fit the schema (per field in `details`), or is not JSON'),
        ...signedInErrors,
        '404': error('The draft declares no such journey (`unknown_journey`, `details.journeys` lists those it does), or no such profile'),
        '422': json('The draft has errors', diagnosticsBody),
        '503': error('This server process cannot run simulations (`simulation_unavailable`)'),
      },
    },
  },
};
