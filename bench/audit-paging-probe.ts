/**
 * Probe: how FerretDB (embedded, patched) answers the audit log's page queries at a grown
 * size, to choose the layout of GET /v1/audit. npx tsx bench/audit-paging-probe.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startFerretDb } from '../src/infra/embedded.js';
import { freePort } from '../src/infra/process.js';
import { ensureFerretDb } from '../src/infra/provision.js';

const N = Number(process.env.N ?? 300_000);
const log = (m: string) => console.error(`[probe ${new Date().toISOString().slice(11, 19)}] ${m}`);
const dataDir = await mkdtemp(join(tmpdir(), 'itinera-probe-'));
const port = await freePort();
const proc = await startFerretDb({ binary: await ensureFerretDb(log), dataDir, port });
const client = await new MongoClient(`mongodb://127.0.0.1:${port}/`).connect();
const coll = client.db('probe').collection<{ _id: string; at: Date; kind: string; actor: string; hour: string }>('audit');
await coll.createIndex({ hour: 1 });
const start = Date.parse('2025-01-01T00:00:00Z');
const step = 60_000; // one a minute: 300,000 ≈ 208 days
log(`inserting ${N}`);
for (let from = 0; from < N; from += 5000) {
  await coll.insertMany(
    Array.from({ length: Math.min(5000, N - from) }, (_, i) => {
      const at = new Date(start + (from + i) * step);
      return {
        _id: `au_${String(at.getTime()).padStart(13, '0')}_${(from + i).toString(16).padStart(8, '0')}`,
        at,
        kind: ['rules.deployed', 'consent.changed', 'profile.viewed'][(from + i) % 3]!,
        actor: 'admin',
        hour: at.toISOString().slice(0, 13),
      };
    }),
  );
}
const mid = `au_${String(start + Math.floor(N / 2) * step).padStart(13, '0')}`;
const lastHour = new Date(start + (N - 1) * step).toISOString().slice(0, 13);
async function t(name: string, work: () => Promise<unknown[]>) {
  const s = performance.now();
  const got = await work();
  log(`${name}: ${(performance.now() - s).toFixed(1)} ms, ${got.length} docs`);
}
for (let r = 0; r < 2; r++) {
  await t('find({}).sort(_id -1).limit(50)', () => coll.find({}).sort({ _id: -1 }).limit(50).toArray());
  await t('find({_id<mid}).sort(_id -1).limit(50)', () => coll.find({ _id: { $lt: mid } }).sort({ _id: -1 }).limit(50).toArray());
  await t('find({_id in range}).limit(50) no sort', () => coll.find({ _id: { $lt: mid, $gte: mid.slice(0, 12) } }).limit(50).toArray());
  await t('find({hour}).sort', () => coll.find({ hour: lastHour }).sort({ _id: -1 }).toArray());
  await t('find({hour:$in 24})', () => coll.find({ hour: { $in: Array.from({ length: 24 }, (_, i) => `${lastHour.slice(0, 11)}${String(i).padStart(2, '0')}` ) } }).toArray());
}
await client.close();
await proc.stop();
await rm(dataDir, { recursive: true, force: true });
