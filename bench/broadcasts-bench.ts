/**
 * Broadcasts benchmark: one broadcast to BROADCASTS_BENCH_PEOPLE members of a segment
 * (default 100,000), on the embedded Temporal dev server and FerretDB, with Itinera as npm
 * start runs it in this process, sending to a local SMTP sink (smtp-server).
 *
 *   1. the members arrive through /v1/batch (identify with an address, a trait that puts
 *      them in the segment and a consent given with Segment's convention), until applied
 *      and the segment holds them all;
 *   2. baseline in the same run: nodemailer sending BROADCASTS_BENCH_BASELINE messages
 *      (default 20,000, or the people if fewer) straight to the same sink with the same pool
 *      of four connections;
 *   3. the broadcast is started (no rate limit: as fast as it goes) and runs to its end.
 *
 * Reported, each beside its target: sends per second (first to last arrival at the sink)
 * against the baseline (target ratio ≥ 0.8; the baseline is measured before and after the
 * broadcast, on a machine others may share, and the mean taken), people who got more than
 * one e-mail (target 0), and this process's resident memory (worker, API and writer
 * together) before and at its peak (memory flat: growth under a fixed bound, whatever the
 * audience); besides, the time to take the audience, the broadcast's own counts and the
 * load average at the end.
 *
 *   npm run bench -- broadcasts
 *   BROADCASTS_BENCH_PEOPLE=5000 npm run bench -- broadcasts   (a quick check)
 *   BENCH_CPU_PROFILE=/tmp/b.cpuprofile npm run bench -- broadcasts   (the broadcast's CPU profile: bench/cpu-profile.ts)
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { MongoClient } from 'mongodb';
import { COLLECTIONS, type Stores } from '../src/store/index.js';
import { newProfileDoc } from '../src/store/profiles.js';
import { profilePhase } from './cpu-profile.js';
import { ADMIN_KEY, startBenchItinera, WRITE_KEY } from './in-process.js';
import { nodemailerRate, startSink } from './smtp-sink.js';
import { startBenchServers } from './servers.js';

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number > 0`);
  return value;
};
const PEOPLE = envNumber('BROADCASTS_BENCH_PEOPLE', 100_000);
const BASELINE = Math.min(PEOPLE, envNumber('BROADCASTS_BENCH_BASELINE', 20_000));
const BATCH = 100;
/**
 * `direct` (default): members written straight into the stores (a profile with its address
 * and consent, and its segment membership), a minute for 100,000; `ingest`: through
 * /v1/batch and the segment engine, as live traffic arrives (ten minutes for 10,000 on the
 * 2-core machine; the ingest and segments benches measure that path).
 */
const SEED = process.env.BROADCASTS_BENCH_SEED === 'ingest' ? 'ingest' : 'direct';
const CLIENTS = 8;
const TARGET_RATIO = 0.8;
/**
 * Memory flat: the process's resident memory may grow by at most this much while it sends
 * (the audience is read a chunk at a time; nothing is kept per person sent).
 */
const RSS_GROWTH_TARGET_MB = 300;

const RULES = `
consent email_marketing "E-mail marketing" {}
segment readers { trait newsletter = true }
broadcast newsletter "Newsletter" {
  to segment readers
  requires consent email_marketing
  send email "newsletter"
}
`;

const rssMb = () => {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
};
/** What GET /v1/broadcasts/:name answers, as far as the bench reads it. */
interface BroadcastAnswer {
  state: string;
  progress: { audience: number | null; sent: number; failed: number; skipped: Record<string, number>; remaining: number | null };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The members written straight into the stores: what ingestion and the segment engine would leave. */
async function seedDirectly(stores: Stores): Promise<void> {
  const at = new Date();
  for (let start = 0; start < PEOPLE; start += 1_000) {
    const docs = Array.from({ length: Math.min(1_000, PEOPLE - start) }, (_, k) => {
      const i = start + k;
      const doc = newProfileDoc(`p_bench_${i}`, { userId: [`reader-${i}`] }, at);
      doc.traits = { email: `reader-${i}@bench.example`, first_name: `R${i}`, newsletter: true };
      doc.consents = { email_marketing: { state: 'granted', at } };
      return doc;
    });
    await stores.profiles.createMany(docs);
    // One guarded write per member bucket, as a recompute's judge pass writes them.
    await stores.segmentMembers.moveMany(docs.map((doc) => ({ segment: 'readers', profileId: doc._id, change: 'entered', since: at })));
  }
}

async function main(): Promise<void> {
  const servers = await startBenchServers((message) => console.error(`[bench] ${message}`));
  const sink = await startSink();
  const mongo = new MongoClient(servers.mongoUri);
  await mongo.connect();
  const bench = await startBenchItinera(servers, mongo, 'broadcasts', {
    enrichment: false,
    smtp: { url: sink.url, from: 'Bench <bench@itinera.example>' },
  });
  const { runtime } = bench;
  const call = (method: string, path: string, body?: unknown, type?: string) =>
    bench.call(method, path, body, path.startsWith('/v1/batch') ? WRITE_KEY : ADMIN_KEY, type);

  /** The members as ingestion makes them: identify calls through /v1/batch, judged into the segment. */
  async function seedThroughIngestion(): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let start = next; start < PEOPLE; start = next) {
          next += BATCH;
          const batch = Array.from({ length: Math.min(BATCH, PEOPLE - start) }, (_, k) => ({
            type: 'identify',
            userId: `reader-${start + k}`,
            traits: { email: `reader-${start + k}@bench.example`, first_name: `R${start + k}`, newsletter: true },
            context: { consent: { categoryPreferences: { email_marketing: true } } },
          }));
          await call('POST', '/v1/batch', { batch });
        }
      }),
    );
    for (;;) {
      await runtime.writer.settled();
      if ((await bench.db.collection(COLLECTIONS.outbox).countDocuments({}, { limit: 1 })) === 0) break;
      await pause(500);
    }
    // Applied is not yet judged: wait for the segment's size, a while (it is a counter, which may lag).
    const judgedBy = performance.now() + 120_000;
    while (((await call('GET', '/v1/segments/readers')).size as number) < PEOPLE && performance.now() < judgedBy) await pause(1000);
  }

  try {
    await call('PUT', '/v1/rules', RULES, 'text/plain');
    // The segment computed before the members arrive: they then enter it one by one, as live traffic does.
    while ((await call('GET', '/v1/segments/readers')).state !== 'ready') await pause(500);
    await call('PUT', '/v1/templates/newsletter', {
      subject: 'News for {{ traits.first_name }}',
      html: '<p>Hello {{ traits.first_name }}</p>',
    });

    const seedStarted = performance.now();
    if (SEED === 'direct') await seedDirectly(runtime.stores);
    else await seedThroughIngestion();
    const seedS = (performance.now() - seedStarted) / 1000;
    console.error(`[bench] ${PEOPLE} members in the segment after ${seedS.toFixed(1)} s (${SEED})`);
    // The machine may be shared: the baseline is measured before and after the broadcast, and
    // the broadcast compared with their mean (both are reported).
    const baselineBefore = await nodemailerRate(sink.url, BASELINE);
    sink.reset();
    console.error(`[bench] baseline before: ${Math.round(baselineBefore)} messages/s`);

    const rssBefore = rssMb();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb())), 1000);
    const cpuProfile = await profilePhase();
    const started = performance.now();
    await call('POST', '/v1/broadcasts/newsletter/start');
    let audienceS: number | undefined;
    let progress: BroadcastAnswer;
    for (;;) {
      progress = (await call('GET', '/v1/broadcasts/newsletter')) as unknown as BroadcastAnswer;
      if (audienceS === undefined && progress.progress.audience !== null) audienceS = (performance.now() - started) / 1000;
      if (progress.state !== 'running') break;
      await pause(2000);
      console.error(`[bench] sent ${progress.progress.sent} of ${progress.progress.audience ?? '?'}, ${sink.arrivals.length} at the sink`);
    }
    clearInterval(sampler);
    await cpuProfile.stop();
    const totalS = (performance.now() - started) / 1000;
    // First to last arrival (a loop: 100,000 arguments to Math.max would overflow the stack).
    const [first, last] = sink.arrivals.reduce(([lo, hi], t) => [Math.min(lo, t), Math.max(hi, t)], [Infinity, -Infinity]);
    const sendsPerSecond = sink.arrivals.length / ((last - first) / 1000);
    const repeats = [...sink.recipients.entries()].filter(([to, n]) => to.startsWith('reader-') && n > 1).length;
    const emailsAtSink = sink.arrivals.length;
    const baselineAfter = await nodemailerRate(sink.url, BASELINE);
    console.error(`[bench] baseline after: ${Math.round(baselineAfter)} messages/s`);
    const baselinePerSecond = (baselineBefore + baselineAfter) / 2;
    const ratio = sendsPerSecond / baselinePerSecond;

    const figures = {
      people: PEOPLE,
      seed: SEED,
      membersReadySeconds: Number(seedS.toFixed(1)),
      state: progress.state,
      audienceTakenSeconds: Number((audienceS ?? 0).toFixed(1)),
      broadcastSeconds: Number(totalS.toFixed(1)),
      counts: progress.progress,
      emailsAtSink,
      sendsPerSecond: Math.round(sendsPerSecond),
      baselineNodemailerSendsPerSecond: {
        before: Math.round(baselineBefore),
        after: Math.round(baselineAfter),
        mean: Math.round(baselinePerSecond),
      },
      ratioToBaseline: { measured: Number(ratio.toFixed(2)), target: TARGET_RATIO, meetsTarget: ratio >= TARGET_RATIO },
      rssMb: { before: rssBefore, peak: rssPeak, growth: rssPeak - rssBefore, target: `under ${RSS_GROWTH_TARGET_MB} growth` },
      loadAverage: loadavg().map((n) => Number(n.toFixed(2))),
      exactlyOnce: { peopleWithMoreThanOne: repeats, target: 0 },
    };
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await bench.close();
    await mongo.close();
    await sink.close();
    await servers.stop();
  }
}

await main();
