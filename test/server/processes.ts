/**
 * A runtime as one process of a deployment runs it: its role, its deployment id and its
 * trusted proxies, on the test servers, on a free port. (test/support/runtime.ts starts the
 * usual single-process runtime; these tests need the settings it does not take.)
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import type { Role } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../../src/store/index.js';
import { ADMIN_KEY, WRITE_KEY } from '../support/runtime.js';
import { mongoUri, temporalAddress } from '../support/servers.js';

export interface TestProcess {
  runtime: Runtime;
  baseUrl: string;
  dbName: string;
  taskQueue: string;
  close(): Promise<void>;
}

export async function startProcess(label: string, options: {
  role?: 'all' | Role;
  deploymentId?: string;
  trustedProxies?: string[];
  dbName?: string;
  taskQueue?: string;
  namespace?: string;
} = {}): Promise<TestProcess> {
  const dbName = options.dbName ?? `t_${label}_${randomUUID().slice(0, 8)}`;
  const taskQueue = options.taskQueue ?? `itinera-${label}-${randomUUID().slice(0, 8)}`;
  const runtime = await startRuntime({
    temporalAddress: temporalAddress(),
    namespace: options.namespace ?? 'default',
    taskQueue,
    mongoUri: mongoUri(),
    dbName,
    ...(process.env.MONGODB_URI ? {} : { mongoMaxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE }),
    writeKey: WRITE_KEY,
    adminKey: ADMIN_KEY,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    sweepIntervalMs: 60_000,
    ...(options.role ? { role: options.role } : {}),
    ...(options.deploymentId ? { deploymentId: options.deploymentId } : {}),
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
  });
  const server = runtime.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    runtime,
    baseUrl: `http://127.0.0.1:${port}`,
    dbName,
    taskQueue,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
      if (options.dbName) return;
      const client = new MongoClient(mongoUri());
      await client.connect();
      await client.db(dbName).dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}
