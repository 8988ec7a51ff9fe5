/**
 * Itinera as `npm start` runs it (the default sweep interval, the embedded pool size), in
 * this process, on a database of its own, listening on a free port: for benchmarks that
 * read the runtime or the database beside the HTTP API.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Db, MongoClient } from 'mongodb';
import { DEFAULT_SWEEP_INTERVAL_MS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRuntime, type Runtime, type RuntimeOptions } from '../src/runtime.js';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../src/store/index.js';
import { fetchRetrying } from './http.js';
import type { BenchServers } from './servers.js';

export const WRITE_KEY = 'bench-write-key';
export const ADMIN_KEY = 'bench-admin-key';

export interface Bench {
  runtime: Runtime;
  db: Db;
  baseUrl: string;
  call: (method: string, path: string, body?: unknown, key?: string, type?: string) => Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** `overrides`: what a benchmark sets beyond npm start's defaults (an SMTP sink, no enrichment). */
export async function startBenchItinera(
  servers: BenchServers,
  mongo: MongoClient,
  label: string,
  overrides: Partial<RuntimeOptions> = {},
): Promise<Bench> {
  const dbName = `bench_${label}_${randomUUID().slice(0, 8)}`;
  const runtime = await startRuntime({
    temporalAddress: servers.temporalAddress,
    namespace: 'default',
    taskQueue: `bench-${dbName}`,
    mongoUri: servers.mongoUri,
    dbName,
    ...(process.env.MONGODB_URI ? {} : { mongoMaxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE }),
    writeKey: WRITE_KEY,
    adminKey: ADMIN_KEY,
    logger: createLogger(process.env.LOG_LEVEL ?? 'error'),
    sweepIntervalMs: DEFAULT_SWEEP_INTERVAL_MS,
    ...overrides,
  });
  const server = runtime.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const db = mongo.db(dbName);
  return {
    runtime,
    db,
    baseUrl,
    async call(method, path, body, key = ADMIN_KEY, type = 'application/json') {
      const response = await fetchRetrying(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: key === WRITE_KEY ? `Basic ${Buffer.from(`${key}:`).toString('base64')}` : `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': type }),
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, unknown>>;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
      await db.dropDatabase().catch(() => undefined);
    },
  };
}
