/**
 * CSV import benchmark, two figures. First a 1,000,000-row profiles CSV generated on the
 * fly (no file on disk) through importCsv with an apply that stores nothing: the cost of
 * the engine itself (parsing, mapping, validation, messageId hashing). Then the same kind
 * of file imported for real as `itinera import` does it: streamed over HTTP to a running
 * server (in this process, on real servers), which imports it through its ingestion,
 * until every profile is written. Peak RSS (client and server together) shows that memory
 * stays bounded whatever the row count.
 *
 *   npx tsx bench/import-bench.ts   (IMPORT_BENCH_ROWS=1000000, IMPORT_BENCH_DB_ROWS=100000 by default)
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import { importCsv, parseColumnMapping, type ApplyMessages } from '../src/import/csv-import.js';
import { importThroughServer } from '../src/import/server-client.js';
import { createLogger } from '../src/logger.js';
import { startRuntime } from '../src/runtime.js';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../src/store/index.js';
import { startBenchServers } from './servers.js';

export interface ImportBenchFigures {
  rows: number;
  good: number;
  bad: number;
  megabytes: number;
  seconds: number;
  rowsPerSecond: number;
  /** Peak resident set size of the process, in MB. */
  peakRssMb: number;
}

const HEADER = 'user_id,email,first_name,plan,age,country,signed_up,newsletter\n';
const PLANS = ['free', 'pro', 'team', 'enterprise'];
const COUNTRIES = ['PL', 'DE', 'FR', 'US', 'BR', 'JP'];
/** Rows per generated piece: large enough that the generator costs little per row. */
const ROWS_PER_PIECE = 1000;

function row(i: number): string {
  const day = String(1 + (i % 28)).padStart(2, '0');
  const name = i % 10 === 0 ? `"Name, ${i}"` : `Name${i}`;
  return `user-${i},user${i}@example.com,${name},${PLANS[i % 4]},${18 + (i % 60)},${COUNTRIES[i % 6]},2024-03-${day}T10:00:00Z,${i % 2 === 0}\n`;
}

/** A profiles CSV of `rows` data rows, produced only as fast as it is read. */
export function generatedProfilesCsv(rows: number): Readable {
  function* pieces(): Generator<Buffer> {
    yield Buffer.from(HEADER);
    for (let start = 0; start < rows; start += ROWS_PER_PIECE) {
      let text = '';
      for (let i = start; i < Math.min(rows, start + ROWS_PER_PIECE); i++) text += row(i);
      yield Buffer.from(text);
    }
  }
  return Readable.from(pieces(), { objectMode: false });
}

const MAPPING = ['age=trait:age:number', 'signed_up=trait:signed_up:date', 'newsletter=trait:newsletter:boolean'];

export async function runImportBench(rows = 1_000_000, apply: ApplyMessages = async () => {}): Promise<ImportBenchFigures> {
  const input = generatedProfilesCsv(rows);
  let bytes = 0;
  const started = performance.now();
  const report = await importCsv({
    kind: 'profiles',
    input,
    mapping: parseColumnMapping(MAPPING),
    apply,
    onProgress: (progress) => {
      bytes = progress.bytes;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    rows: report.rows,
    good: report.good,
    bad: report.bad,
    megabytes: round(bytes / 1024 / 1024),
    seconds: round(seconds),
    rowsPerSecond: Math.round(report.rows / seconds),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The import for real, through the server as `itinera import` sends it: every row into the database, until all profiles are written. */
export async function runImportIntoDatabase(rows: number): Promise<ImportBenchFigures & { profilesStored: number }> {
  const servers = await startBenchServers((message) => console.error(`[bench] ${message}`));
  const dbName = `import_bench_${randomUUID().slice(0, 8)}`;
  const adminKey = 'bench-admin-key';
  const runtime = await startRuntime({
    temporalAddress: servers.temporalAddress,
    namespace: 'default',
    taskQueue: `bench-${dbName}`,
    mongoUri: servers.mongoUri,
    dbName,
    ...(process.env.MONGODB_URI ? {} : { mongoMaxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE }),
    writeKey: 'bench-write-key',
    adminKey,
    logger: createLogger(process.env.LOG_LEVEL ?? 'error'),
    sweepIntervalMs: 60 * 60_000,
    runWorker: false,
    enrichment: false,
  });
  const http = runtime.app.listen(0, '127.0.0.1');
  // A million rows upload for longer than node's default 5-minute limit on receiving a request.
  http.requestTimeout = 0;
  await new Promise<void>((resolve) => http.once('listening', () => resolve()));
  const server = { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, adminKey };
  try {
    const started = performance.now();
    let bytes = 0;
    const report = await importThroughServer({
      server,
      kind: 'profiles',
      input: generatedProfilesCsv(rows),
      mapSpecs: MAPPING,
      onProgress: (progress) => (bytes = progress.bytes),
    });
    await runtime.writer.drain();
    const seconds = (performance.now() - started) / 1000;
    const profilesStored = await runtime.stores.profiles.estimatedCount();
    return {
      rows: report.rows,
      good: report.good,
      bad: report.bad,
      megabytes: round(bytes / 1024 / 1024),
      seconds: round(seconds),
      rowsPerSecond: Math.round(report.rows / seconds),
      peakRssMb: round(process.resourceUsage().maxRSS / 1024),
      profilesStored,
    };
  } finally {
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await runtime.close();
    await dropDatabase(servers.mongoUri, dbName);
    await servers.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const engine = await runImportBench(Number(process.env.IMPORT_BENCH_ROWS ?? 1_000_000));
  console.log(JSON.stringify({ engineOnly: engine }, null, 2));
  const stored = await runImportIntoDatabase(Number(process.env.IMPORT_BENCH_DB_ROWS ?? 100_000));
  console.log(JSON.stringify({ intoDatabase: stored }, null, 2));
}

async function dropDatabase(uri: string, dbName: string): Promise<void> {
  const client = new MongoClient(uri);
  try {
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}
