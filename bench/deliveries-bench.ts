/**
 * Messages → Deliveries on a grown database: DELIVERIES_BENCH_MESSAGES messages (default
 * 200,000) over 30 days, inserted straight into `deliveries` with the minute counters a
 * send would have kept (src/store/delivery-counts.ts), to 50,000 people, on the embedded FerretDB. Then the
 * console's reads, median and worst of DELIVERIES_BENCH_SAMPLES each: the first page, the
 * next page, a journey's, a rare status's (one in 200), the 30-day chart; beside them the
 * query a list without the index would make (a filter and sort over the collection).
 *
 *   npx tsx bench/deliveries-bench.ts
 */
import { MongoClient } from 'mongodb';
import { COLLECTIONS } from '../src/store/collections.js';
import { dayId, hourId, type Scope } from '../src/store/delivery-counts.js';
import { ADMIN_KEY, startBenchItinera } from './in-process.js';
import { startBenchServers } from './servers.js';

const MESSAGES = Number(process.env.DELIVERIES_BENCH_MESSAGES ?? 200_000);
const SAMPLES = Number(process.env.DELIVERIES_BENCH_SAMPLES ?? 7);
const JOURNEYS = ['welcome', 'receipt', 'win_back', 'drip', 'birthday'];
const log = (message: string) => console.error(`[deliveries bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

async function main() {
  const servers = await startBenchServers(log);
  const mongo = await MongoClient.connect(servers.mongoUri);
  const bench = await startBenchItinera(servers, mongo, 'deliveries', { runWorker: false });
  try {
    const deliveries = bench.db.collection<{ _id: string }>(COLLECTIONS.deliveries);
    const counts = bench.db.collection<{ _id: string }>(COLLECTIONS.deliveryCounts);
    const now = Date.now();
    const span = 30 * 86_400_000;
    const hourDocs = new Map<string, Record<string, number>>();
    const dayDocs = new Map<string, Record<string, number>>();
    const bump = (map: Map<string, Record<string, number>>, id: string, field: string) => {
      const doc = map.get(id) ?? {};
      doc[field] = (doc[field] ?? 0) + 1;
      map.set(id, doc);
    };
    // The people the messages went to (50,000), so the list's addresses are real lookups.
    const profiles = bench.db.collection<{ _id: string }>(COLLECTIONS.profiles);
    for (let i = 0; i < 50_000; i += 1_000)
      await profiles.insertMany(
        Array.from({ length: 1_000 }, (_, j) => ({ _id: `p_${i + j}`, traits: { email: `p${i + j}@example.com` }, identities: {} })),
      );
    const started = performance.now();
    for (let i = 0; i < MESSAGES; i += 1_000) {
      const batch = [];
      for (let j = i; j < Math.min(MESSAGES, i + 1_000); j++) {
        const at = new Date(now - span + Math.floor((j / MESSAGES) * span));
        const journey = JOURNEYS[j % JOURNEYS.length]!;
        const failed = j % 200 === 7;
        const status = failed ? 'failed' : 'sent';
        const detail = failed ? 'template missing' : 'smtp 250';
        const iso = at.toISOString();
        batch.push({
          _id: `journey:${journey}:v1:p_${j}:run:${j}:0`,
          profileId: `p_${j % 50_000}`,
          channel: 'email',
          name: journey,
          with: {},
          journey,
          rulesVersion: 1,
          step: '0',
          queuedAt: at,
          bucket: iso.slice(0, 16),
          status,
          detail,
          attempts: 1,
          updatedAt: at,
          history: [
            { status: 'sending', at },
            { status, at, detail },
          ],
        });
        for (const scope of ['*', `j:${journey}`, `t:${journey}`] as Scope[])
          bump(hourDocs, hourId(iso.slice(0, 13), scope), `m.${iso.slice(14, 16)}`);
        for (const scope of ['*', `j:${journey}`] as Scope[]) bump(dayDocs, dayId(iso.slice(0, 10), scope), `email.${status}`);
      }
      await deliveries.insertMany(batch);
      if (i % 50_000 === 0) log(`${i} messages inserted`);
    }
    const toDocs = (map: Map<string, Record<string, number>>, nested: boolean) =>
      [...map].map(([_id, fields]) => {
        const doc: Record<string, unknown> = { _id };
        for (const [path, n] of Object.entries(fields)) {
          const [outer, inner] = path.split('.') as [string, string];
          doc[outer] = { ...(doc[outer] as object), [inner]: n };
        }
        return nested ? doc : doc;
      });
    for (const docs of [toDocs(hourDocs, true), toDocs(dayDocs, true)])
      for (let i = 0; i < docs.length; i += 1_000) await counts.insertMany(docs.slice(i, i + 1_000) as never);
    log(
      `${MESSAGES} messages and ${hourDocs.size + dayDocs.size} counter documents in ${Math.round((performance.now() - started) / 1000)} s`,
    );

    const time = async (label: string, path: string) => {
      const times: number[] = [];
      let body: Record<string, unknown> = {};
      for (let i = 0; i < SAMPLES; i++) {
        const t = performance.now();
        const response = await fetch(`${bench.baseUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        body = (await response.json()) as Record<string, unknown>;
        if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const shown = Array.isArray(body.deliveries) ? ` (${body.deliveries.length} shown, ${String(body.scanned)} read)` : '';
      console.log(`${label}: median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms, worst ${times.at(-1)!.toFixed(0)} ms${shown}`);
      return body;
    };
    if (process.env.DELIVERIES_BENCH_DIAGNOSE) {
      const minute = new Date(now - 3_600_000).toISOString().slice(0, 16);
      const hours = Array.from({ length: 168 }, (_, i) => new Date(now - i * 3_600_000).toISOString().slice(0, 13));
      for (let i = 0; i < 3; i++) {
        let t = performance.now();
        await bench.runtime.stores.deliveries.counts.minutes(hours, '*');
        const hourMs = performance.now() - t;
        t = performance.now();
        const docs = await deliveries.find({ bucket: { $in: [minute] } } as never).toArray();
        console.log(
          `168 hour documents: ${hourMs.toFixed(0)} ms; one minute's ${docs.length} messages: ${(performance.now() - t).toFixed(0)} ms`,
        );
      }
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        const page = await bench.runtime.stores.deliveries.page({
          from: new Date(now - span),
          to: new Date(now),
          scope: '*',
          equal: {},
          limit: 50,
          budget: 5_000,
        });
        console.log(`the store's page alone (no addresses, no HTTP): ${(performance.now() - t).toFixed(0)} ms, ${page.scanned} read`);
      }
    }
    const first = await time('first page of 50', '/v1/deliveries');
    await time('next page', `/v1/deliveries?cursor=${String(first.nextCursor)}`);
    await time("a journey's first page", '/v1/deliveries?journey=drip');
    await time('status=failed (1 in 200)', '/v1/deliveries?status=failed');
    await time('chart, 30 days', '/v1/delivery-stats');
    await time("chart, a journey's 30 days", '/v1/delivery-stats?journey=drip');
    const t = performance.now();
    await deliveries.find({ journey: 'drip' }).sort({ queuedAt: -1 }).limit(50).toArray();
    console.log(`without the index: find({journey}).sort({queuedAt: -1}).limit(50): ${(performance.now() - t).toFixed(0)} ms`);
  } finally {
    await bench.close();
    await mongo.close();
    await servers.stop();
  }
}

await main();
