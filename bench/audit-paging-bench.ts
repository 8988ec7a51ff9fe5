/**
 * GET /v1/audit's pages on a grown log: AUDIT_BENCH_ENTRIES entries (default 300,000, one
 * a minute, about 208 days) written straight into the embedded FerretDB's audit collection
 * with their hour buckets (plain, by kind, by actor) and day list, as AuditStore.record leaves them; then the time of
 * AuditStore.page for the newest page, a page from a cursor half-way back, a kind filter
 * and an actor filter. For comparison, the same page as a sort on `_id` (what a layout
 * without buckets does): FerretDB reads the whole collection for it.
 *
 *   npx tsx bench/audit-paging-bench.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startFerretDb } from '../src/infra/embedded.js';
import { freePort } from '../src/infra/process.js';
import { ensureFerretDb } from '../src/infra/provision.js';
import { AuditStore } from '../src/store/audit.js';
import { COLLECTIONS } from '../src/store/collections.js';
import { dayOf, hourOf } from '../src/store/hour-pages.js';

const ENTRIES = Number(process.env.AUDIT_BENCH_ENTRIES ?? 300_000);
const KINDS = ['profile.viewed', 'consent.changed', 'rules.deployed', 'erasure.requested'] as const;
const log = (message: string) => console.error(`[audit bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

async function timed<T>(name: string, work: () => Promise<T>, describe: (result: T) => string): Promise<number> {
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  log(`${name}: ${ms.toFixed(1)} ms (${describe(result)})`);
  return ms;
}

const dataDir = await mkdtemp(join(tmpdir(), 'itinera-audit-bench-'));
const port = await freePort();
const ferretdb = await startFerretDb({ binary: await ensureFerretDb(log), dataDir, port });
const client = await new MongoClient(`mongodb://127.0.0.1:${port}/`).connect();
try {
  const db = client.db('audit_bench');
  const store = new AuditStore(db);
  await store.ensureIndexes();
  const start = Date.parse('2026-01-01T00:00:00Z');
  const days = new Map<string, { kindHours: Set<string>; actorHours: Set<string> }>();
  log(`writing ${ENTRIES} entries …`);
  for (let from = 0; from < ENTRIES; from += 5000) {
    const docs = Array.from({ length: Math.min(5000, ENTRIES - from) }, (_, j) => {
      const i = from + j;
      const at = new Date(start + i * 60_000);
      // Rare kinds: one erasure a day or so, the rest views and consent edits.
      const kind = i % 1440 === 7 ? 'erasure.requested' : i % 500 === 3 ? 'rules.deployed' : KINDS[i % 2]!;
      const actor = i % 1000 === 5 ? 'user:ada' : 'user:pia';
      const hour = hourOf(at);
      const day = days.get(dayOf(at)) ?? { kindHours: new Set<string>(), actorHours: new Set<string>() };
      day.kindHours.add(`${kind}|${hour.slice(11)}`);
      day.actorHours.add(`${actor}|${hour.slice(11)}`);
      days.set(dayOf(at), day);
      const _id = `au_${String(at.getTime()).padStart(13, '0')}_${i.toString(16).padStart(8, '0')}`;
      return { _id, at, kind, actor, hour, kindHour: `${kind}|${hour}`, actorHour: `${actor}|${hour}` };
    });
    await db.collection(COLLECTIONS.audit).insertMany(docs as never[]);
  }
  await db
    .collection(COLLECTIONS.auditDays)
    .insertMany(
      [...days].map(([day, seen]) => ({ _id: day, kindHours: [...seen.kindHours], actorHours: [...seen.actorHours] })) as never[],
    );
  const written = [...days.keys()].sort();
  await db.collection(COLLECTIONS.auditDays).insertOne({ _id: 'range', earliest: written[0], latest: written.at(-1) } as never);
  log(`written; ${days.size} days`);

  const figures: Record<string, number> = {};
  for (let round = 0; round < 2; round++) {
    const first = await store.page({ limit: 100 });
    figures.newest = await timed(
      'newest 100',
      () => store.page({ limit: 100 }),
      (p) => `${p.entries.length}, next ${p.next}`,
    );
    const middle = `au_${String(start + Math.floor(ENTRIES / 2) * 60_000).padStart(13, '0')}_z`;
    figures.middle = await timed(
      '100 from a cursor half-way back',
      () => store.page({ before: middle, limit: 100 }),
      (p) => `${p.entries.length}`,
    );
    figures.next = await timed(
      'the page after the newest',
      () => store.page({ before: first.next!, limit: 100 }),
      (p) => `${p.entries.length}`,
    );
    figures.kind = await timed(
      'kind erasure.requested, 50',
      () => store.page({ kind: 'erasure.requested', limit: 50 }),
      (p) => `${p.entries.length}`,
    );
    figures.actor = await timed(
      'actor ada, 50',
      () => store.page({ actor: 'ada', limit: 50 }),
      (p) => `${p.entries.length}`,
    );
  }
  await timed(
    'for comparison: find().sort({_id: -1}).limit(100)',
    () => db.collection(COLLECTIONS.audit).find({}).sort({ _id: -1 }).limit(100).toArray(),
    (docs) => `${docs.length}`,
  );
  console.log(JSON.stringify({ entries: ENTRIES, ms: figures }));
} finally {
  await client.close();
  await ferretdb.stop();
  await rm(dataDir, { recursive: true, force: true });
}
