/**
 * Journeys benchmark: JOURNEYS_BENCH_PEOPLE people (default 2,000; 10,000 for the large
 * figure) enter an e-mail drip at once, on the embedded Temporal dev server and FerretDB,
 * with Itinera as npm start runs it (5 s sweep, the embedded pool size) in this process,
 * sending to a local SMTP sink (smtp-server) on a database that has grown first
 * (JOURNEYS_BENCH_SEED_EVENTS page views of other people, default 50,000).
 *
 *   1. the people arrive through /v1/batch (identify with an address and a consent given
 *      with Segment's convention), until applied;
 *   2. the baselines, in the same run on the same servers and sink: nodemailer straight to
 *      the sink (what the sink takes), then the same drip written directly against the
 *      Temporal SDK (bench/journeys/raw-sdk-baseline.ts) twice: its sends as regular
 *      activities, then as local activities;
 *   3. all of them sign up at once (`Ebook Signup`, batches of 100 from 8 clients);
 *   4. reported for Itinera and each raw-SDK shape: the time until every run is admitted
 *      (GET /v1/journeys) and runs admitted per second, event → first e-mail p50/p99 (a
 *      batch's acknowledgement, or the raw start's request, to that person's chapter 1 at
 *      the sink), sends per second over the whole drip (3 chapters, JOURNEYS_BENCH_GAP_S
 *      seconds apart, default 5), this process's resident memory (worker, API and writer
 *      together) before and at its peak; then Itinera's ratios to the baselines against
 *      the targets (admitted/s ≥ 0.8 of the regular-send shape, sends/s ≥ 0.8 of the best
 *      shape, first-e-mail p99 ≤ 1.5 × the best shape's) and the load average.
 *
 *   npm run bench -- journeys
 *   JOURNEYS_BENCH_PEOPLE=500 JOURNEYS_BENCH_SEED_EVENTS=5000 npm run bench -- journeys   (a quick check)
 *   JOURNEYS_BENCH_RAW=0 …                                                              (Itinera alone)
 *   BENCH_CPU_PROFILE=/tmp/drip.cpuprofile …   (a CPU profile of this process's main thread during Itinera's drip:
 *     API, writer, activities; the workflows run in the worker's threads)
 */
import { loadavg } from 'node:os';
import { MongoClient } from 'mongodb';
import { COLLECTIONS } from '../src/store/index.js';
import { refusals } from './http.js';
import { comparison, dripFigures, round, sampleRss } from './journeys/figures.js';
import { allClosed, closedRuns, commandCounter, cpuMeter, historySample, markActivities, monitored } from './journeys/profile.js';
import { runRawSdkDrip, type RawSdkShape } from './journeys/raw-sdk-baseline.js';
import { nodemailerRate, startSink } from './smtp-sink.js';
import { profilePhase } from './cpu-profile.js';
import { ADMIN_KEY, startBenchItinera, WRITE_KEY } from './in-process.js';
import { startBenchServers } from './servers.js';

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number > 0`);
  return value;
};
const PEOPLE = envNumber('JOURNEYS_BENCH_PEOPLE', 2_000);
const SEED_EVENTS = envNumber('JOURNEYS_BENCH_SEED_EVENTS', 50_000);
const GAP_S = envNumber('JOURNEYS_BENCH_GAP_S', 5);
/** 0 skips the raw-SDK baselines (a quicker look at Itinera alone). */
const RAW_BASELINES = process.env.JOURNEYS_BENCH_RAW !== '0';
/** 0 leaves the database commands out of the profile (the driver's command monitoring off). */
const PROFILE_DATABASE = process.env.JOURNEYS_BENCH_PROFILE !== '0';
/** Runs whose histories are read for the profile. */
const HISTORY_SAMPLE = 50;
const DRIP_TIMEOUT_MS = 60 * 60_000;
const CHAPTERS = 3;
const BATCH = 100;
const CLIENTS = 8;

const RULES = `
consent email_marketing "E-mail marketing" {}
journey drip {
  when performed "Ebook Signup"
  requires consent email_marketing
  for chapter in 1..${CHAPTERS} {
    send email "chapter" with { chapter: chapter }
    tag "{chapter}chapter"
    wait ${GAP_S} seconds
    untag "{chapter}chapter"
  }
}
`;

async function main(): Promise<void> {
  const loadAverageBefore = loadavg()[0]!;
  const servers = await startBenchServers((message) => console.error(`[bench] ${message}`));
  const sink = await startSink();
  const mongo = new MongoClient(servers.mongoUri);
  await mongo.connect();
  const bench = await startBenchItinera(servers, mongo, 'journeys', {
    smtp: { url: sink.url, from: 'Bench <bench@itinera.example>' },
    // The profile's database part: each command put down to the activity that sent it.
    ...(PROFILE_DATABASE ? { mongoUri: monitored(servers.mongoUri), workerInterceptors: markActivities } : {}),
  });
  const { runtime } = bench;
  const call = (method: string, path: string, body?: unknown, type?: string) =>
    bench.call(method, path, body, path.startsWith('/v1/batch') ? WRITE_KEY : ADMIN_KEY, type);
  const sendBatches = async (messages: unknown[], onAck?: (index: number, at: number) => void) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (;;) {
          const start = next;
          next += BATCH;
          if (start >= messages.length) return;
          await call('POST', '/v1/batch', { batch: messages.slice(start, start + BATCH) });
          const at = performance.now();
          for (let i = start; i < Math.min(messages.length, start + BATCH); i++) onAck?.(i, at);
        }
      }),
    );
  };
  const settle = async () => {
    for (;;) {
      await runtime.writer.settled();
      if ((await bench.db.collection(COLLECTIONS.outbox).countDocuments({}, { limit: 1 })) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  try {
    await call('PUT', '/v1/rules', RULES, 'text/plain');
    await call('PUT', '/v1/templates/chapter', {
      subject: 'Chapter {{ with.chapter }}',
      html: '<p>Chapter {{ with.chapter }}, {{ traits.first_name }}</p>',
    });

    const seedStarted = performance.now();
    await sendBatches(
      Array.from({ length: SEED_EVENTS }, (_, i) => ({
        type: 'page',
        anonymousId: `visitor-${i % Math.max(1, SEED_EVENTS / 10)}`,
        name: 'Home',
      })),
    );
    await settle();
    const seedS = (performance.now() - seedStarted) / 1000;
    console.error(`[bench] grown by ${SEED_EVENTS} events in ${seedS.toFixed(1)} s`);

    const consent = { consent: { categoryPreferences: { email_marketing: true } } };
    await sendBatches(
      Array.from({ length: PEOPLE }, (_, i) => ({
        type: 'identify',
        userId: `reader-${i}`,
        traits: { email: `reader-${i}@bench.example`, first_name: `R${i}` },
        context: consent,
      })),
    );
    await settle();
    console.error(`[bench] ${PEOPLE} readers with consent`);

    // Baseline: the same number of messages straight through nodemailer to the same sink, same pool.
    const baselineCount = PEOPLE;
    const baselinePerSecond = await nodemailerRate(sink.url, baselineCount);

    // The raw-SDK baselines first, on the same Temporal server and sink: a Temporal whose
    // database has grown by their histories is no kinder to Itinera than to them.
    const raw: Partial<Record<RawSdkShape, Awaited<ReturnType<typeof runRawSdkDrip>>>> = {};
    if (RAW_BASELINES) {
      for (const shape of ['regular-sends', 'local-sends'] as const) {
        raw[shape] = await runRawSdkDrip({
          temporalAddress: servers.temporalAddress,
          namespace: 'default',
          sink,
          shape,
          people: PEOPLE,
          chapters: CHAPTERS,
          gapMs: GAP_S * 1000,
          timeoutMs: DRIP_TIMEOUT_MS,
        });
        console.error(`[bench] raw SDK, ${shape}: ${JSON.stringify(raw[shape])}`);
      }
    }

    sink.reset();
    const memory = sampleRss();
    const cpu = cpuMeter();
    const commands = PROFILE_DATABASE ? commandCounter() : undefined;
    const cpuProfile = await profilePhase();
    const ackedAt = new Array<number>(PEOPLE);
    const signupStarted = performance.now();
    await sendBatches(
      Array.from({ length: PEOPLE }, (_, i) => ({ type: 'track', userId: `reader-${i}`, event: 'Ebook Signup' })),
      (i, at) => (ackedAt[i] = at),
    );
    const acknowledgedS = (performance.now() - signupStarted) / 1000;
    // Every signup applied and its run started (the dispatch closes the outbox entry).
    await settle();
    const dispatchedS = (performance.now() - signupStarted) / 1000;

    let allAdmittedAt = 0;
    for (;;) {
      const journeys = (await call('GET', '/v1/journeys')).journeys as { name: string; versions: { entered: number }[] }[];
      const entered = journeys.find((j) => j.name === 'drip')?.versions.reduce((total, v) => total + v.entered, 0) ?? 0;
      if (entered >= PEOPLE) {
        allAdmittedAt = performance.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const deadline = signupStarted + DRIP_TIMEOUT_MS;
    while (sink.arrivals.length < PEOPLE * CHAPTERS) {
      if (performance.now() > deadline) throw new Error(`Itinera: ${sink.arrivals.length} e-mails after ${DRIP_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // The runs' last wait and leaving too: the profile is of whole runs.
    await allClosed(runtime.temporal, `WorkflowType = 'journeyWorkflow'`, deadline);
    await cpuProfile.stop();
    const cpuMsPerRun = cpu.perRun(PEOPLE);
    const database = commands?.stop(PEOPLE);
    const history = await historySample(runtime.temporal, await closedRuns(runtime.temporal, 'journeyWorkflow', HISTORY_SAMPLE));
    const itinera = dripFigures({
      people: PEOPLE,
      startedAt: signupStarted,
      allAdmittedAt,
      owedFrom: (person) => ackedAt[person]!,
      firstChapterAt: (person) => sink.firstChapterAt.get(`reader-${person}@bench.example`),
      arrivals: sink.arrivals,
      rssMb: memory.stop(),
      profile: { cpuMsPerRun, history, ...(database ? { database } : {}) },
    });

    const figures = {
      people: PEOPLE,
      seedEvents: SEED_EVENTS,
      chapters: CHAPTERS,
      gapSeconds: GAP_S,
      loadAverageBefore: round(loadAverageBefore, 2),
      loadAverageAfter: round(loadavg()[0]!, 2),
      itinera: {
        signupsAcknowledgedSeconds: round(acknowledgedS),
        runsStartedSeconds: round(dispatchedS),
        ...itinera,
      },
      ...(raw['regular-sends'] && raw['local-sends']
        ? {
            rawSdk: { regularSends: raw['regular-sends'], localSends: raw['local-sends'] },
            itineraAgainstRawSdk: comparison(itinera, raw['regular-sends'], raw['local-sends']),
          }
        : {}),
      sink: {
        nodemailerStraightSendsPerSecond: Math.round(baselinePerSecond),
        itineraRatio: round(itinera.sendsPerSecond / baselinePerSecond, 3),
      },
      refusedWith503: refusals.count,
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
