/**
 * Ingestion benchmark on real servers: events per second through `/v1/batch` with
 * concurrent clients, beside the raw `insertMany` rate of the same documents into the same
 * database (the ratio is the figure that says what Itinera's own work costs), and the
 * p50/p99 latency of `/v1/track` under concurrent load.
 *
 *   npx tsx bench/ingest-bench.ts        (INGEST_BENCH_EVENTS=100000 is the default: long enough to reach a steady state)
 *
 * The outbox sweeper runs as with `npm start` (every 5 s; INGEST_BENCH_SWEEP_MS changes it).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import { DEFAULT_SWEEP_INTERVAL_MS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRuntime } from '../src/runtime.js';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../src/store/index.js';
import { inParallel, shopEvent } from './shop-traffic.js';
import { fetchRetrying, refusals } from './http.js';
import { startBenchServers } from './servers.js';

const WRITE_KEY = 'bench-write-key';
const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

export interface IngestBenchFigures {
  events: number;
  batchSize: number;
  clients: number;
  /** Events acknowledged per second (stored, and owed to their profiles by the outbox). */
  batchEventsPerSecond: number;
  /** The acknowledged rate of each successive 100,000 events (flat when the cost does not grow with the data). */
  acknowledgedPerSecondPer100k: number[];
  /** Events per second until the last one was applied to its profile and dispatched. */
  appliedEventsPerSecond: number;
  rawInsertManyPerSecond: number;
  /** Share of the raw insert rate that ingestion achieves (1 = as fast as a bare insert). */
  ratioToRawInsert: number;
  trackRequests: number;
  trackConcurrency: number;
  trackP50Ms: number;
  trackP99Ms: number;
  trackPerSecond: number;
  /** Requests refused with 503 (back-pressure) and sent again after Retry-After. */
  refusedWith503: number;
}

/** The people of the shop's traffic: 1 in 5 known, the rest anonymous. */
const PEOPLE = 2000;

async function post(baseUrl: string, path: string, body: unknown): Promise<void> {
  const response = await fetchRetrying(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
}

const CHUNK_EVENTS = 100_000;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (value: number) => Math.round(value * 10) / 10;

export async function runIngestBench(
  options: { events?: number; batchSize?: number; clients?: number; trackRequests?: number; trackConcurrency?: number } = {},
): Promise<IngestBenchFigures> {
  const events = options.events ?? Number(process.env.INGEST_BENCH_EVENTS ?? 100_000);
  const batchSize = options.batchSize ?? 100;
  const clients = options.clients ?? 8;
  const trackRequests = options.trackRequests ?? Number(process.env.INGEST_BENCH_TRACKS ?? 2_000);
  const trackConcurrency = options.trackConcurrency ?? 16;
  const servers = await startBenchServers((message) => console.error(`[bench] ${message}`));
  const dbName = `bench_${randomUUID().slice(0, 8)}`;
  const runtime = await startRuntime({
    temporalAddress: servers.temporalAddress,
    namespace: 'default',
    taskQueue: `bench-${dbName}`,
    mongoUri: servers.mongoUri,
    dbName,
    ...(process.env.MONGODB_URI ? {} : { mongoMaxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE }),
    writeKey: WRITE_KEY,
    adminKey: 'bench-admin-key',
    logger: createLogger(process.env.LOG_LEVEL ?? 'error'),
    sweepIntervalMs: Number(process.env.INGEST_BENCH_SWEEP_MS ?? DEFAULT_SWEEP_INTERVAL_MS),
  });
  const server = runtime.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mongo = new MongoClient(servers.mongoUri, {
    writeConcern: { w: 'majority', journal: true },
    maxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE,
  });
  try {
    // Warm-up: connections, JIT, the geo-IP database.
    await post(baseUrl, '/v1/batch', { batch: Array.from({ length: batchSize }, (_, i) => shopEvent(i, 'warm', PEOPLE)) });

    const batches = Math.ceil(events / batchSize);
    let next = 0;
    let done = 0;
    const started = performance.now();
    // The acknowledged rate of each 100,000 events: flat, or the cost grows with the data.
    const chunkSeconds: number[] = [];
    let chunkStarted = started;
    await inParallel(clients, async () => {
      for (let b = next++; b < batches; b = next++) {
        await post(baseUrl, '/v1/batch', {
          batch: Array.from({ length: batchSize }, (_, i) => shopEvent(b * batchSize + i, 'batch', PEOPLE)),
        });
        if ((++done * batchSize) % CHUNK_EVENTS === 0) {
          const now = performance.now();
          chunkSeconds.push((now - chunkStarted) / 1000);
          chunkStarted = now;
          console.error(
            `[bench] ${done * batchSize} events acknowledged; the last ${CHUNK_EVENTS} at ${Math.round(CHUNK_EVENTS / chunkSeconds.at(-1)!)}/s; writer waiting batches ${runtime.writer.waitingBatches}`,
          );
        }
      }
    });
    const batchSeconds = (performance.now() - started) / 1000;
    await runtime.writer.drain();
    const appliedSeconds = (performance.now() - started) / 1000;

    // The same number of comparable documents, inserted bare, in batches of the same size.
    const raw = mongo.db(dbName).collection<{ _id: string }>('raw_insert_baseline');
    const rawStarted = performance.now();
    let rawNext = 0;
    await inParallel(clients, async () => {
      for (let b = rawNext++; b < batches; b = rawNext++) {
        await raw.insertMany(
          Array.from({ length: batchSize }, (_, i) => ({
            ...shopEvent(b * batchSize + i, 'raw', PEOPLE),
            _id: `raw-${b}-${i}`,
            receivedAt: new Date(),
          })),
        );
      }
    });
    const rawSeconds = (performance.now() - rawStarted) / 1000;

    const latencies: number[] = [];
    let sent = 0;
    const trackStarted = performance.now();
    await inParallel(trackConcurrency, async () => {
      for (let i = sent++; i < trackRequests; i = sent++) {
        const { type: _type, ...message } = shopEvent(i, 'track', PEOPLE);
        const t0 = performance.now();
        await post(baseUrl, '/v1/track', message);
        latencies.push(performance.now() - t0);
      }
    });
    const trackSeconds = (performance.now() - trackStarted) / 1000;
    latencies.sort((a, b) => a - b);

    const batchRate = (batches * batchSize) / batchSeconds;
    const rawRate = (batches * batchSize) / rawSeconds;
    return {
      events: batches * batchSize,
      batchSize,
      clients,
      batchEventsPerSecond: Math.round(batchRate),
      acknowledgedPerSecondPer100k: chunkSeconds.map((seconds) => Math.round(CHUNK_EVENTS / seconds)),
      appliedEventsPerSecond: Math.round((batches * batchSize) / appliedSeconds),
      rawInsertManyPerSecond: Math.round(rawRate),
      ratioToRawInsert: round((batchRate / rawRate) * 100) / 100,
      trackRequests,
      trackConcurrency,
      trackP50Ms: round(percentile(latencies, 50)),
      trackP99Ms: round(percentile(latencies, 99)),
      trackPerSecond: Math.round(trackRequests / trackSeconds),
      refusedWith503: refusals.count,
    };
  } finally {
    await mongo
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await runtime.close();
    await servers.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runIngestBench();
  console.log(JSON.stringify(figures, null, 2));
  const verdict = (rate: number) => (rate >= 3000 ? 'within target (≥ 3,000 events/s)' : 'BELOW target (3,000 events/s)');
  console.log(`acknowledged: ${verdict(figures.batchEventsPerSecond)}; applied: ${verdict(figures.appliedEventsPerSecond)}`);
}
