/**
 * Segment benchmark on the embedded servers, with npm start's defaults (5 s sweep, the
 * embedded pool size), in a database that has grown:
 *
 *   1. grows it: SEGMENT_BENCH_PROFILES people (default 100,000) with SEGMENT_BENCH_EVENTS
 *      stored events (default 1,000,000: views, carts and orders over 60 days), written
 *      straight into the collections as ingestion stores them (an HTTP load of that size
 *      would take most of the run);
 *   2. deploys one segment over that data (a windowed sum no rule counted before) beside
 *      two that no stored event concerns yet (for steps 3 and 4): the recompute over
 *      everyone (backfilling the facts from every stored event, then judging every
 *      profile), its time and the process's peak memory;
 *   3. event → membership change: people each send one qualifying event; the time from the
 *      request to the change stored with its reason (p50/p99);
 *   4. window close → membership change: people each enter `within 5 seconds`; the lag of
 *      their exit after the instant their window closed (p50/p99), with nobody writing;
 *   5. profile read at rest, GET /v1/profiles/:id of random people (p50/p99; target p99 < 20 ms);
 *   6. the ingest ratio, in a second database grown the same way to a tenth of the size
 *      (SEGMENT_BENCH_RATIO_PROFILES, default 10,000, and ten events each): SEGMENT_BENCH_INGEST
 *      events (default 30,000) of those people through /v1/batch (8 clients, batches of 100)
 *      with no rules, then 20 segments deployed (every kind of condition; that recompute is
 *      timed too), then the same ingest again; acknowledged and applied rates and their ratio.
 *      (Recomputing 20 segments over the full size takes long enough to dominate the run.)
 *   7. 80 segments (every kind of condition) deployed on an empty database, three times with
 *      new names (each deploy drops the 80 before): until every one reads ready (target
 *      under 1 s).
 *
 *   npx tsx bench/segments-bench.ts            (or: npm run bench -- segments)
 *   SEGMENT_BENCH_PROFILES=5000 SEGMENT_BENCH_EVENTS=50000 npm run bench -- segments   (a quick check)
 *   SEGMENT_BENCH_ONLY=recompute npm run bench -- segments   (steps 1, 2 and 7 only: the deploy
 *     figures, for comparing a change of the recompute before and after in the same hour)
 *   SEGMENT_BENCH_ONLY=latency npm run bench -- segments     (all but step 6: the ingest ratio
 *     has a bench of its own, `npm run bench -- ingest-segments`)
 *
 * Each deploy's figures include `steps`: the recompute workflow's activities and timers,
 * from its history (ms from scheduled to completed, in order), so that a slow deploy says
 * which step it spent its time in.
 */
import { pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../src/store/index.js';
import { ADMIN_KEY, startBenchItinera, WRITE_KEY, type Bench } from './in-process.js';
import { grow, inParallel, profileIdOf } from './grown-database.js';
import { startBenchServers } from './servers.js';
import { measureAfterDeploy } from './segments/after-deploy.js';
import { segmentRecomputeWorkflowId } from '../src/util/workflow-ids.js';

const WINDOW_MS = 5_000;

const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;
const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const log = (message: string) => console.error(`[segments bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const MONTH_SPENDERS = `segment month_spenders "Spent over 300 in 30 days" {
  sum "revenue" of "Order Completed" within 30 days > 300
}
`;
/** Segments of the latency figures: no stored event concerns them before the bench sends one. */
const PROBES = `segment qualified {
  performed "Bench Qualify"
}
segment pinged {
  performed "Bench Ping" within 5 seconds
}
`;
const ONE_SEGMENT = MONTH_SPENDERS + PROBES;

/** 20 segments over every kind of condition (the first is the one above, kept). */
export const TWENTY_SEGMENTS = `${ONE_SEGMENT}
segment buyers { performed "Order Completed" }
segment frequent { performed "Order Completed" at least 5 times }
segment eur_buyers { performed "Order Completed" where currency = "EUR" }
segment weekly_buyers { performed "Order Completed" within 7 days }
segment viewers_no_buy { performed "Product Viewed" at least 3 times and not performed "Order Completed" }
segment cart_abandon { performed "Product Added" within 2 days and performed "Order Completed" exactly 0 times within 2 days }
segment big_lifetime { sum "revenue" of "Order Completed" >= 1000 }
segment avg_basket { average "revenue" of "Order Completed" > 120 }
segment big_order { max "revenue" of "Order Completed" within 30 days >= 200 }
segment small_order { min "revenue" of "Order Completed" within 30 days < 30 }
segment vip { trait plan = "vip" }
segment poles { trait country = "PL" }
segment tagged_vip { tagged "vip" }
segment new_people { first seen within 7 days }
segment dormant { last seen more than 30 days ago }
segment loyal_vips { in segment vip and in segment frequent }
segment pl_vips { in segment poles and in segment vip }
segment quiet_viewers { performed "Product Viewed" exactly 0 times within 3 days }
segment lapsed_buyers { in segment buyers and not in segment weekly_buyers }
`.replace(/^segment (\w+) \{ (.*) \}$/gm, 'segment $1 {\n  $2\n}');

/** 80 segments over five kinds of condition, named with `prefix`. */
export const eightySegments = (prefix: string) =>
  Array.from({ length: 80 }, (_, i) => {
    const condition = [
      `performed "Event ${i}"`,
      `performed "Order ${i}" at least ${(i % 5) + 2} times within ${(i % 20) + 1} days`,
      `trait plan = "p${i}"`,
      `tagged "t${i}"`,
      `sum "revenue" of "Order Completed" within ${(i % 30) + 1} days > ${i * 10}`,
    ][i % 5];
    return `segment ${prefix}${i} {\n  ${condition}\n}\n`;
  }).join('');

function sampleMemory(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      return round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024);
    },
  };
}

/** Known people's events through /v1/batch, 8 clients of 100-event batches, until acknowledged and until applied. */
export async function ingest(bench: Bench, run: string, events: number, profiles: number) {
  const batches = Math.ceil(events / 100);
  let next = 0;
  const t0 = performance.now();
  await inParallel(8, async () => {
    for (let b = next++; b < batches; b = next++) {
      const batch = Array.from({ length: 100 }, (_, i) => {
        const n = b * 100 + i;
        const kind = n % 10;
        const event = kind < 6 ? 'Product Viewed' : kind < 9 ? 'Product Added' : 'Order Completed';
        return {
          type: 'track',
          userId: `bench-u${(n * 104_729) % profiles}`,
          event,
          messageId: `${run}-${n}`,
          properties: event === 'Order Completed' ? { revenue: 20 + (n % 250), currency: 'EUR' } : { sku: `sku-${n % 300}` },
        };
      });
      await bench.call('POST', '/v1/batch', { batch }, WRITE_KEY);
    }
  });
  const acked = (performance.now() - t0) / 1000;
  await bench.runtime.writer.drain();
  const applied = (performance.now() - t0) / 1000;
  return {
    events: batches * 100,
    ackedPerSecond: Math.round((batches * 100) / acked),
    appliedPerSecond: Math.round((batches * 100) / applied),
  };
}

/** Milliseconds of a history event's time. */
const msOf = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  time ? Number(time.seconds ?? 0) * 1000 + Math.round((time.nanos ?? 0) / 1e6) : 0;

/**
 * The recompute's steps as its workflow history shows them: each activity, timer and
 * workflow task, ms from scheduled (started) to completed (fired), in order, and the whole
 * run: what the steps leave of it is Temporal's time between them.
 */
export async function recomputeSteps(bench: Bench, version: number): Promise<{ step: string; ms: number }[]> {
  const dbName = bench.db.databaseName;
  const handle = bench.runtime.temporal.workflow.getHandle(segmentRecomputeWorkflowId(dbName, version));
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Map<string, { step: string; at: number }>();
  const steps: { step: string; ms: number }[] = [];
  const first = msOf(events[0]?.eventTime);
  for (const event of events) {
    const at = msOf(event.eventTime);
    const id = String(event.eventId);
    const activity = event.activityTaskScheduledEventAttributes;
    if (activity) scheduled.set(id, { step: activity.activityType?.name ?? 'activity', at });
    if (event.timerStartedEventAttributes) scheduled.set(id, { step: 'sleep', at });
    if (event.workflowTaskScheduledEventAttributes) scheduled.set(id, { step: 'workflow task', at });
    const done =
      event.activityTaskCompletedEventAttributes?.scheduledEventId ??
      event.timerFiredEventAttributes?.startedEventId ??
      event.workflowTaskCompletedEventAttributes?.scheduledEventId;
    const started = done === undefined || done === null ? undefined : scheduled.get(String(done));
    if (started) steps.push({ step: started.step, ms: at - started.at });
    if (event.workflowExecutionCompletedEventAttributes) steps.push({ step: 'workflow', ms: at - first });
  }
  return steps;
}

/** Deploys and waits until every segment is ready: the recompute's time and the process's peak memory. */
export async function deploy(bench: Bench, source: string) {
  const memory = sampleMemory();
  const t0 = performance.now();
  const { version } = (await bench.call('PUT', '/v1/rules', source, ADMIN_KEY, 'text/plain')) as { version: number };
  const deployed = round((performance.now() - t0) / 1000, 3);
  for (;;) {
    const listed = (await bench.call('GET', '/v1/segments')) as { version: number; segments: { state: string }[] };
    if (listed.version === version && listed.segments.every((segment) => segment.state === 'ready')) break;
    // Finely enough for the 80 segments' target of a second; one catalog read per poll.
    await delay(100);
  }
  const sizes = Object.fromEntries(
    ((await bench.call('GET', '/v1/segments')).segments as { name: string; size: number }[]).map((segment) => [segment.name, segment.size]),
  );
  const seconds = round((performance.now() - t0) / 1000, 2);
  return { seconds, deployAnsweredSeconds: deployed, peakRssMb: memory.stop(), sizes, steps: await recomputeSteps(bench, version) };
}

/** Step 7: 80 segments deployed three times with new names on an empty database, each until all are ready. */
async function eightyOnAnEmptyDatabase(servers: Awaited<ReturnType<typeof startBenchServers>>, mongo: MongoClient) {
  const empty = await startBenchItinera(servers, mongo, 'segments');
  const deploys: Awaited<ReturnType<typeof deploy>>[] = [];
  try {
    for (const prefix of ['a', 'b', 'c']) deploys.push(await deploy(empty, eightySegments(prefix)));
  } finally {
    await empty.close();
  }
  const readySeconds = deploys.map((one) => one.seconds);
  log(`80 segments on an empty database, until ready: ${readySeconds.join(', ')} s`);
  return { readySeconds, deploys: deploys.map(({ seconds, deployAnsweredSeconds, steps }) => ({ seconds, deployAnsweredSeconds, steps })) };
}

export async function runSegmentsBench() {
  const profiles = envNumber('SEGMENT_BENCH_PROFILES', 100_000);
  const events = envNumber('SEGMENT_BENCH_EVENTS', 1_000_000);
  const ratioProfiles = envNumber('SEGMENT_BENCH_RATIO_PROFILES', 10_000);
  const ingestEvents = envNumber('SEGMENT_BENCH_INGEST', 30_000);
  const samples = envNumber('SEGMENT_BENCH_SAMPLES', 300);
  const started = performance.now();
  const servers = await startBenchServers(log);
  const mongo = new MongoClient(servers.mongoUri, { maxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE });
  try {
    // 1–5 on the full size.
    const full = await startBenchItinera(servers, mongo, 'segments');
    const onlyRecompute = process.env.SEGMENT_BENCH_ONLY === 'recompute';
    let recomputeOnly:
      | { database: { profiles: number; events: number; seedSeconds: number }; recomputeOneSegment: Awaited<ReturnType<typeof deploy>> }
      | undefined;
    let figures;
    try {
      const seedSeconds = await grow(full.db, profiles, events);
      log(`seeded ${profiles} profiles and ${events} events in ${seedSeconds} s`);
      const recompute = await deploy(full, ONE_SEGMENT);
      log(`one segment recomputed: ${JSON.stringify(recompute)}`);
      if (onlyRecompute) recomputeOnly = { database: { profiles, events, seedSeconds }, recomputeOneSegment: recompute };
      else {
        const historyOf = async (userId: string) => {
          const profile = (await full.call('GET', `/v1/profiles/lookup?userId=${userId}`)) as { id: string };
          return (await full.call('GET', `/v1/profiles/${profile.id}/segments/history`)).changes as {
            segment: string;
            change: string;
            at: string;
          }[];
        };
        const sentAt = new Map<string, number>();
        let sent = 0;
        await inParallel(4, async () => {
          for (let i = sent++; i < samples; i = sent++) {
            const userId = `bench-u${(i * 31) % profiles}`;
            sentAt.set(userId, Date.now());
            await full.call('POST', '/v1/track', { userId, event: 'Bench Qualify', messageId: `qualify-${i}` }, WRITE_KEY);
          }
        });
        await full.runtime.writer.drain();
        const enterLatencies: number[] = [];
        for (const [userId, at] of sentAt) {
          const entered = (await historyOf(userId)).find((change) => change.segment === 'qualified' && change.change === 'entered');
          if (entered) enterLatencies.push(Date.parse(entered.at) - at);
        }
        enterLatencies.sort((a, b) => a - b);
        log(`event → membership measured (${enterLatencies.length})`);

        const pinged: { userId: string; eventAt: number }[] = [];
        for (let i = 0; i < samples; i++) {
          const userId = `bench-u${(i * 37 + 11) % profiles}`;
          const timestamp = new Date().toISOString();
          await full.call('POST', '/v1/track', { userId, event: 'Bench Ping', messageId: `ping-${i}`, timestamp }, WRITE_KEY);
          pinged.push({ userId, eventAt: Date.parse(timestamp) });
        }
        await full.runtime.writer.drain();
        // The exits are read once the last window has closed (reading 300 histories a second
        // while they close would load the servers the lag is measured on), waiting up to a
        // minute for any still to come. The lag is the change's own time, not the read's.
        const exitLags: number[] = [];
        const waiting = new Map(pinged.map(({ userId, eventAt }) => [userId, eventAt]));
        const lastClose = pinged[pinged.length - 1]!.eventAt + WINDOW_MS;
        const deadline = lastClose + 60_000;
        await delay(Math.max(0, lastClose + 1_000 - Date.now()));
        while (waiting.size > 0 && Date.now() < deadline) {
          for (const [userId, eventAt] of waiting) {
            const exited = (await historyOf(userId)).find((change) => change.segment === 'pinged' && change.change === 'exited');
            if (!exited) continue;
            exitLags.push(Date.parse(exited.at) - (eventAt + WINDOW_MS));
            waiting.delete(userId);
          }
          if (waiting.size > 0) await delay(1_000);
        }
        const missingExits = waiting.size;
        exitLags.sort((a, b) => a - b);
        log(`window close → membership measured (${exitLags.length})`);

        const reads: number[] = [];
        for (let i = 0; i < 1000; i++) {
          const t0 = performance.now();
          await full.call('GET', `/v1/profiles/${profileIdOf((i * 7_907) % profiles)}`);
          reads.push(performance.now() - t0);
        }
        reads.sort((a, b) => a - b);
        figures = {
          database: { profiles, events, seedSeconds },
          recomputeOneSegment: recompute,
          eventToMembership: {
            samples: enterLatencies.length,
            p50Ms: round(percentile(enterLatencies, 50)),
            p99Ms: round(percentile(enterLatencies, 99)),
          },
          windowCloseToMembership: {
            samples: exitLags.length,
            missingExits,
            p50Ms: round(percentile(exitLags, 50)),
            p99Ms: round(percentile(exitLags, 99)),
            earliestMs: exitLags[0] ?? null,
            latestMs: exitLags[exitLags.length - 1] ?? null,
            overOneSecond: exitLags.filter((lag) => lag > 1000).length,
          },
          profileRead: { reads: reads.length, p50Ms: round(percentile(reads, 50)), p99Ms: round(percentile(reads, 99)) },
          afterDeploy: await measureAfterDeploy(full, ONE_SEGMENT, (i) => `bench-u${(i * 41 + 7) % profiles}`, samples),
        };
      }
    } finally {
      await full.close();
    }
    if (recomputeOnly) return { ...recomputeOnly, eightySegmentsOnAnEmptyDatabase: await eightyOnAnEmptyDatabase(servers, mongo) };
    if (!figures) throw new Error('the latency figures were not measured');
    if (process.env.SEGMENT_BENCH_ONLY === 'latency')
      return { ...figures, eightySegmentsOnAnEmptyDatabase: await eightyOnAnEmptyDatabase(servers, mongo) };

    // 6. The ingest ratio, on a tenth of the size.
    const small = await startBenchItinera(servers, mongo, 'segments');
    try {
      await grow(small.db, ratioProfiles, ratioProfiles * 10);
      const withoutRules = await ingest(small, 'none', ingestEvents, ratioProfiles);
      log(`ingest without rules: ${JSON.stringify(withoutRules)}`);
      const recomputeTwenty = await deploy(small, TWENTY_SEGMENTS);
      log(`20 segments recomputed: ${JSON.stringify(recomputeTwenty)}`);
      const with20Segments = await ingest(small, 'twenty', ingestEvents, ratioProfiles);
      log(`ingest with 20 segments: ${JSON.stringify(with20Segments)}`);
      // 7. 80 segments on an empty database.
      const eighty = await eightyOnAnEmptyDatabase(servers, mongo);
      return {
        ...figures,
        eightySegmentsOnAnEmptyDatabase: eighty,
        ingest: {
          database: { profiles: ratioProfiles, events: ratioProfiles * 10 },
          withoutRules,
          with20Segments,
          ackedRatio: round(with20Segments.ackedPerSecond / withoutRules.ackedPerSecond, 2),
          appliedRatio: round(with20Segments.appliedPerSecond / withoutRules.appliedPerSecond, 2),
          recomputeTwentySegments: recomputeTwenty,
        },
        seconds: round((performance.now() - started) / 1000),
      };
    } finally {
      await small.close();
    }
  } finally {
    await mongo.close();
    await servers.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runSegmentsBench();
  console.log(JSON.stringify(figures, null, 2));
  if (figures === undefined || !('profileRead' in figures)) process.exit(0);
  const within = (ok: boolean, target: string) => (ok ? `within target (${target})` : `BEYOND target (${target})`);
  console.log(`profile read p99 ${figures.profileRead.p99Ms} ms: ${within(figures.profileRead.p99Ms < 20, 'p99 < 20 ms')}`);
  console.log(
    `event → membership p99 ${figures.eventToMembership.p99Ms} ms: ${within(figures.eventToMembership.p99Ms < 1000, 'within a second')}`,
  );
  console.log(
    `window close → membership p99 ${figures.windowCloseToMembership.p99Ms} ms: ${within(figures.windowCloseToMembership.p99Ms < 1000 && figures.windowCloseToMembership.missingExits === 0, 'within a second')}`,
  );
}
