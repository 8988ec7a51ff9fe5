/**
 * FerretDB benchmark for the patches in src/infra/ferretdb-patch.ts, on the embedded
 * FerretDB (or MONGODB_URI), in a collection of FERRETDB_BENCH_DOCS documents (default
 * 100,000):
 *
 *   1. a guarded write `updateOne({_id, version}, …)` beside a bare `updateOne({_id}, …)`,
 *      alternated, p50/p99 of each and their ratio (ID_PUSHDOWN; target: a ratio near 1,
 *      where a guarded write used to read the whole collection);
 *   2. `$inc` on one document from 4 clients (separate connections, as separate processes
 *      would have) beside 1 client: operations per second, and the increments lost
 *      (ATOMIC_STATEMENTS; target 0).
 *
 *   npx tsx bench/ferretdb-bench.ts        (or: npm run bench -- ferretdb)
 *   ITINERA_FERRETDB_BIN=<an older build> npm run bench -- ferretdb     (the figures before a patch)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MongoClient, type Collection } from 'mongodb';
import { startFerretDb } from '../src/infra/embedded.js';
import { freePort, type ManagedProcess } from '../src/infra/process.js';
import { ensureFerretDb } from '../src/infra/provision.js';

interface Doc {
  _id: string;
  version: number;
  n: number;
  payload: string;
}

export interface FerretDbBenchFigures {
  documents: number;
  writes: number;
  bareIdP50Ms: number;
  bareIdP99Ms: number;
  guardedP50Ms: number;
  guardedP99Ms: number;
  /** Guarded p50 over bare p50 (1 = a guarded write costs no more than a bare one). */
  guardedToBareP50: number;
  incClients: number;
  incPerSecondOneClient: number;
  incPerSecondConcurrent: number;
  /** Increments acknowledged by the server but missing from the document (0 when updates are atomic). */
  incLost: number;
}

const log = (message: string) => console.error(`[ferretdb bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** The embedded FerretDB alone (no Temporal: nothing here needs it), unless MONGODB_URI names a server. */
async function startMongo(): Promise<{ uri: string; stop(): Promise<void> }> {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI, stop: async () => undefined };
  const dataDir = await mkdtemp(join(tmpdir(), 'itinera-bench-'));
  const port = await freePort();
  const proc: ManagedProcess = await startFerretDb({ binary: await ensureFerretDb(log), dataDir, port });
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    async stop() {
      await proc.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** `perClient` increments of one document from each collection handle, all at once; operations per second. */
async function incrementConcurrently(handles: Collection<Doc>[], _id: string, perClient: number): Promise<number> {
  const ms = await timed(() =>
    Promise.all(
      handles.map(async (coll) => {
        for (let i = 0; i < perClient; i++) await coll.updateOne({ _id }, { $inc: { n: 1 } });
      }),
    ),
  );
  return Math.round((handles.length * perClient) / (ms / 1000));
}

export async function runFerretDbBench(): Promise<FerretDbBenchFigures> {
  const documents = Number(process.env.FERRETDB_BENCH_DOCS ?? 100_000);
  const writes = Number(process.env.FERRETDB_BENCH_WRITES ?? 400);
  // Without ID_PUSHDOWN a guarded write reads the whole collection: stop at this budget rather than run for minutes.
  const budgetMs = Number(process.env.FERRETDB_BENCH_BUDGET_MS ?? 60_000);
  const incClients = 4;
  const incPerClient = Number(process.env.FERRETDB_BENCH_INCS ?? 500);

  const mongo = await startMongo();
  const dbName = `bench_ferretdb_${Date.now()}`;
  const clients = await Promise.all(Array.from({ length: incClients }, () => new MongoClient(mongo.uri).connect()));
  const handles = clients.map((client) => client.db(dbName).collection<Doc>('docs'));
  const docs = handles[0]!;
  try {
    log(`inserting ${documents} documents …`);
    for (let from = 0; from < documents; from += 5000) {
      await docs.insertMany(
        Array.from({ length: Math.min(5000, documents - from) }, (_, i) => ({
          _id: `d${from + i}`,
          version: 0,
          n: 0,
          payload: `p${(from + i) % 977}`,
        })),
      );
    }

    // Alternated, so that both see the same state of the server; distinct documents, so no write finds another's cached page.
    const versions = new Map<string, number>();
    const bare: number[] = [];
    const guarded: number[] = [];
    const started = performance.now();
    for (let i = 0; i < writes && performance.now() - started < budgetMs; i++) {
      const bareId = `d${(i * 7919) % documents}`;
      const guardedId = `d${(i * 7919 + 1) % documents}`;
      const version = versions.get(guardedId) ?? 0;
      bare.push(await timed(() => docs.updateOne({ _id: bareId }, { $inc: { n: 1 } })));
      guarded.push(
        await timed(async () => {
          const result = await docs.updateOne({ _id: guardedId, version }, { $set: { version: version + 1 } });
          if (result.modifiedCount !== 1) throw new Error(`the guarded write of ${guardedId} at version ${version} matched nothing`);
        }),
      );
      versions.set(guardedId, version + 1);
    }
    bare.sort((a, b) => a - b);
    guarded.sort((a, b) => a - b);
    log(`${guarded.length} guarded and bare writes measured`);

    await docs.insertOne({ _id: 'counter', version: 0, n: 0, payload: '' });
    const incPerSecondOneClient = await incrementConcurrently(handles.slice(0, 1), 'counter', incPerClient);
    const incPerSecondConcurrent = await incrementConcurrently(handles, 'counter', incPerClient);
    const counted = (await docs.findOne({ _id: 'counter' }))!.n;

    return {
      documents,
      writes: guarded.length,
      bareIdP50Ms: round(percentile(bare, 50)),
      bareIdP99Ms: round(percentile(bare, 99)),
      guardedP50Ms: round(percentile(guarded, 50)),
      guardedP99Ms: round(percentile(guarded, 99)),
      guardedToBareP50: round(percentile(guarded, 50) / percentile(bare, 50)),
      incClients,
      incPerSecondOneClient,
      incPerSecondConcurrent,
      incLost: incPerClient * (1 + incClients) - counted,
    };
  } finally {
    await docs.db.dropDatabase().catch(() => undefined);
    await Promise.all(clients.map((client) => client.close()));
    await mongo.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runFerretDbBench();
  console.log(JSON.stringify(figures, null, 2));
  const near = figures.guardedToBareP50 <= 1.5;
  console.log(
    `guarded/bare write p50: ${figures.guardedToBareP50} (${near ? 'within target, ≤ 1.5' : 'BELOW target: a guarded write costs more than 1.5 bare ones'}); increments lost: ${figures.incLost} (${figures.incLost === 0 ? 'within target' : 'BELOW target: updates are not atomic'})`,
  );
}
