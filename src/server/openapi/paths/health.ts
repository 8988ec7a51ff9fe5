/** Liveness and readiness (src/server/routes/health.ts): no authentication, for probes. */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { json, open } from '../common.js';

const partStatus = z.enum(['up', 'down']).meta({ description: 'Whether this part answers' });

const ready = z
  .object({
    status: z.literal('ready'),
    mongodb: partStatus,
    temporal: partStatus,
    worker: partStatus.optional().meta({ description: 'Present when this process runs a worker' }),
  })
  .meta({ id: 'Ready', example: { status: 'ready', mongodb: 'up', temporal: 'up', worker: 'up' } });

const notReady = z
  .object({
    status: z.literal('not_ready'),
    mongodb: partStatus,
    temporal: partStatus,
    worker: partStatus.optional(),
    down: z.array(z.string()).meta({ description: 'The parts that are down' }),
    workerState: z.string().optional().meta({ description: "The worker's state when it is down (stopped, failed...)" }),
    workerError: z.string().optional().meta({ description: 'Why the worker failed, when it did' }),
  })
  .meta({ id: 'NotReady', example: { status: 'not_ready', mongodb: 'up', temporal: 'down', down: ['temporal'] } });

export const healthPaths: ZodOpenApiPathsObject = {
  '/health': {
    get: {
      tags: ['health'],
      summary: 'Liveness: the process answers',
      security: open,
      responses: { '200': json('Alive', z.object({ status: z.literal('ok') }).meta({ example: { status: 'ok' } })) },
    },
  },
  '/ready': {
    get: {
      tags: ['health'],
      summary: 'Readiness: the database, Temporal and the worker (when this process runs one) are up',
      security: open,
      responses: {
        '200': json('Everything this process needs is up', ready),
        '503': json('A part is down (named in `down`)', notReady),
      },
    },
  },
};
