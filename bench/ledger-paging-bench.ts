/**
 * GET /v1/consents/ledger?format=json's pages on a grown ledger: LEDGER_BENCH_RECORDS
 * records (default 300,000, one a minute, about 208 days, two purposes) written straight
 * into the embedded FerretDB's ledger with their hour buckets and daily counters, as
 * ConsentLedgerStore.append leaves them; then the time of ConsentLedgerStore.page for the
 * newest page, the next one, a purpose, and a kind of one record in 100.
 *
 *   npx tsx bench/ledger-paging-bench.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startFerretDb } from '../src/infra/embedded.js';
import { freePort } from '../src/infra/process.js';
import { ensureFerretDb } from '../src/infra/provision.js';
import { COLLECTIONS } from '../src/store/collections.js';
import { consentDayId, ConsentLedgerStore } from '../src/store/consents.js';
import { dayOf, hourOf } from '../src/store/hour-pages.js';

const RECORDS = Number(process.env.LEDGER_BENCH_RECORDS ?? 300_000);
const log = (message: string) => console.error(`[ledger bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

async function timed<T>(name: string, work: () => Promise<T>, describe: (result: T) => string): Promise<number> {
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  log(`${name}: ${ms.toFixed(1)} ms (${describe(result)})`);
  return ms;
}

const dataDir = await mkdtemp(join(tmpdir(), 'itinera-ledger-bench-'));
const port = await freePort();
const ferretdb = await startFerretDb({ binary: await ensureFerretDb(log), dataDir, port });
const client = await new MongoClient(`mongodb://127.0.0.1:${port}/`).connect();
try {
  const db = client.db('ledger_bench');
  const store = new ConsentLedgerStore(db);
  await store.ensurePagingIndex();
  const start = Date.parse('2026-01-01T00:00:00Z');
  const days = new Set<string>();
  log(`writing ${RECORDS} records …`);
  for (let from = 0; from < RECORDS; from += 5000) {
    const records = Array.from({ length: Math.min(5000, RECORDS - from) }, (_, j) => {
      const i = from + j;
      const at = new Date(start + i * 60_000);
      const purpose = i % 2 ? 'sms' : 'email_marketing';
      days.add(`${dayOf(at)}|${purpose}`);
      return {
        _id: `cr:ev_${i}:${purpose}`,
        profileId: `p_${i % 50_000}`,
        purpose,
        state: i % 100 === 7 ? 'pending' : i % 3 ? 'granted' : 'revoked',
        at,
        recordedAt: at,
        origin: { kind: 'api', source: 'shop' },
        proof: { method: 'api' },
        eventId: `ev_${i}`,
        hour: hourOf(at),
      };
    });
    await db.collection(COLLECTIONS.consentLedger).insertMany(records as never[]);
  }
  await db.collection(COLLECTIONS.consentDaily).insertMany(
    [...days].map((key) => {
      const [day, purpose] = key.split('|') as [string, string];
      return { _id: consentDayId(purpose, day), purpose, day, granted: 1 };
    }) as never[],
  );
  log(`written; ${days.size} purpose-days`);
  const figures: Record<string, number> = {};
  for (let round = 0; round < 2; round++) {
    const first = await store.page({ limit: 50 });
    const last = first.records.at(-1)!;
    figures.newest = await timed(
      'newest 50',
      () => store.page({ limit: 50 }),
      (p) => `${p.records.length}`,
    );
    figures.next = await timed(
      'the next 50',
      () => store.page({ limit: 50, after: { at: last.at, id: last._id } }),
      (p) => `${p.records.length}`,
    );
    figures.purpose = await timed(
      '50 of sms',
      () => store.page({ purpose: 'sms', limit: 50 }),
      (p) => `${p.records.length}`,
    );
    figures.pending = await timed(
      '50 pending (1 in 100)',
      () => store.page({ state: 'pending', limit: 50 }),
      (p) => `${p.records.length}`,
    );
  }
  console.log(JSON.stringify({ records: RECORDS, ms: figures }));
} finally {
  await client.close();
  await ferretdb.stop();
  await rm(dataDir, { recursive: true, force: true });
}
