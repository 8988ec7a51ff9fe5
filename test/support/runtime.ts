/** A full Itinera (worker, dispatcher, HTTP API) on the real test servers, on a free port. */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import type { Role } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime.js';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../../src/store/index.js';
import { checkAnswer, surfaceOf } from './contract.js';
import { rawCollections, type RawCollections } from './raw.js';
import { mongoUri, temporalAddress } from './servers.js';

export const WRITE_KEY = 'test-write-key';
export const ADMIN_KEY = 'test-admin-key';

export interface TestItinera {
  runtime: Runtime;
  baseUrl: string;
  dbName: string;
  taskQueue: string;
  /** The database itself, for checking what is stored. */
  raw: RawCollections;
  close(): Promise<void>;
}

export async function startTestItinera(
  label: string,
  options: {
    runWorker?: boolean;
    sweepIntervalMs?: number;
    temporalAddress?: string;
    /** Share another instance's database (as a second server process would); it is not dropped on close. */
    reuseDatabase?: string;
    sources?: { name: string; writeKey: string }[];
    allowedOrigins?: Record<string, string[]>;
    writerLimits?: RuntimeOptions['writerLimits'];
    readWaitMs?: number;
    smtp?: { url: string; from: string };
    publicUrl?: string;
    /** The runtime's clock (activities, ingestion); Temporal's timers keep real time. */
    now?: () => Date;
    externalIdKinds?: string[];
    identityLimits?: Record<string, number>;
    /** Another instance's task queue: its workflows continue on this worker (a restarted process). */
    taskQueue?: string;
    /** Console sessions' lifetime and idle timeout. */
    sessions?: { absoluteMs: number; idleMs: number };
    /** As one process of a deployment runs: its role, deployment id and trusted proxies. */
    role?: 'all' | Role;
    deploymentId?: string;
    trustedProxies?: string[];
    /** GET /metrics's bearer token (absent: loopback clients only). */
    metricsToken?: string;
    /** Where the runtime logs (a test that reads its lines); silent by default. */
    logger?: Logger;
    /** Added to the worker's (a test recording what activities were asked, and when). */
    workerInterceptors?: RuntimeOptions['workerInterceptors'];
    /** A MongoDB-protocol server of the test's own (a FerretDB it stops or starves); the suite's by default. */
    mongoUri?: string;
  } = {},
): Promise<TestItinera> {
  const dbName = options.reuseDatabase ?? `t_${label}_${randomUUID().slice(0, 8)}`;
  const taskQueue = options.taskQueue ?? `itinera-${label}-${randomUUID().slice(0, 8)}`;
  const databaseUri = options.mongoUri ?? mongoUri();
  const runtime = await startRuntime({
    temporalAddress: options.temporalAddress ?? temporalAddress(),
    namespace: 'default',
    // A task queue per test file keeps files from picking up each other's workflows.
    taskQueue,
    mongoUri: databaseUri,
    dbName,
    ...(process.env.MONGODB_URI ? {} : { mongoMaxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE }),
    writeKey: WRITE_KEY,
    adminKey: ADMIN_KEY,
    logger: options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
    // A role decides whether a worker runs, as it does for `npm start`.
    ...(options.role ? {} : { runWorker: options.runWorker ?? true }),
    ...(options.sources ? { sources: options.sources } : {}),
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    ...(options.writerLimits ? { writerLimits: options.writerLimits } : {}),
    ...(options.smtp ? { smtp: options.smtp } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.readWaitMs !== undefined ? { readWaitMs: options.readWaitMs } : {}),
    ...(options.externalIdKinds ? { externalIdKinds: options.externalIdKinds } : {}),
    ...(options.identityLimits ? { identityLimits: options.identityLimits } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
    ...(options.role ? { role: options.role } : {}),
    ...(options.deploymentId ? { deploymentId: options.deploymentId } : {}),
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
    ...(options.metricsToken ? { metricsToken: options.metricsToken } : {}),
    ...(options.workerInterceptors ? { workerInterceptors: options.workerInterceptors } : {}),
  });
  const server = runtime.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const inspector = new MongoClient(databaseUri);
  await inspector.connect();
  return {
    runtime,
    baseUrl: `http://127.0.0.1:${port}`,
    dbName,
    taskQueue,
    raw: rawCollections(inspector.db(dbName)),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
      if (!options.reuseDatabase)
        await inspector
          .db(dbName)
          .dropDatabase()
          .catch(() => undefined);
      await inspector.close();
    },
  };
}

export const basicAuth = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
export const bearer = (key: string) => `Bearer ${key}`;

export interface SendOptions {
  auth?: string;
  json?: unknown;
  text?: string;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A request, answered with its status and body (JSON when it parses): what most tests compare whole. */
export async function send(baseUrl: string, method: string, path: string, options: SendOptions = {}) {
  const { status, body } = await request(baseUrl, method, path, options);
  return { status, body };
}

/** As `send`, with the response's headers too (cookies, Retry-After). */
export async function request(baseUrl: string, method: string, path: string, options: SendOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.authorization = options.auth;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.text !== undefined) {
    headers['content-type'] = 'text/plain';
    body = options.text;
  } else if (options.body !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    body = options.body;
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  // Every answer of an Itinera server keeps to the API contract, or the test fails here.
  const surface = await surfaceOf(baseUrl);
  if (surface)
    checkAnswer({ method, path, status: response.status, contentType: response.headers.get('content-type'), body: parsed }, surface);
  return { status: response.status, body: parsed as Record<string, any>, headers: response.headers };
}

export { eventually } from './eventually.js';
