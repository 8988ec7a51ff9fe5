/**
 * A worker in a process of its own, for tests that kill it: an Itinera runtime with its
 * Temporal worker on the task queue and database the parent names (environment), no HTTP.
 * Tells the parent `ready` once it polls. With WORKER_KILL_AFTER=<activity type> it kills
 * itself (SIGKILL) the moment that activity has done its work, before Temporal hears of
 * it: the crash a retry must survive.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { createLogger } from '../../src/logger.js';
import { startRuntime } from '../../src/runtime.js';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../../src/store/index.js';

const env = process.env;
const killAfter = env.WORKER_KILL_AFTER;
const killer: ActivityInterceptorsFactory = (context) => ({
  inbound: {
    async execute(input, next) {
      const result = await next(input);
      if (context.info.activityType === killAfter) process.kill(process.pid, 'SIGKILL');
      return result;
    },
  },
});
await startRuntime({
  temporalAddress: env.WORKER_TEMPORAL!,
  namespace: 'default',
  taskQueue: env.WORKER_QUEUE!,
  mongoUri: env.WORKER_MONGO!,
  dbName: env.WORKER_DB!,
  mongoMaxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE,
  writeKey: 'child-write-key',
  adminKey: env.WORKER_ADMIN_KEY ?? 'child-admin-key',
  logger: createLogger('silent'),
  sweepIntervalMs: 600_000,
  enrichment: false,
  ...(env.WORKER_SMTP ? { smtp: { url: env.WORKER_SMTP, from: env.WORKER_FROM ?? 'Test <test@example.com>' } } : {}),
  ...(killAfter ? { workerInterceptors: { activity: [killer] } } : {}),
});
process.send?.('ready');
