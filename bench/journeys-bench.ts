/**
 * Journeys benchmark: JOURNEYS_BENCH_PEOPLE people (default 10,000) enter an e-mail drip at
 * once, on the embedded Temporal dev server and FerretDB, with Itinera as npm start runs
 * it (5 s sweep, the embedded pool size) in this process, sending to a local SMTP sink
 * (smtp-server) on a database that has grown first (JOURNEYS_BENCH_SEED_EVENTS page views
 * of other people, default 50,000).
 *
 *   1. the people arrive through /v1/batch (identify with an address and a consent given
 *      with Segment's convention), until applied;
 *   2. all of them sign up at once (`Ebook Signup`, batches of 100 from 8 clients);
 *   3. reported: the time until every run is admitted (GET /v1/journeys), event → first
 *      step p50/p99 (a batch's acknowledgement to that person's chapter 1 at the sink), the
 *      sends per second over the whole drip (3 chapters, JOURNEYS_BENCH_GAP_S seconds
 *      apart, default 5), against the baseline in the same run: nodemailer sending as many
 *      messages straight to the same sink with the same pool; and this process's resident
 *      memory (worker, API and writer together) before and at its peak.
 *
 *   npm run bench -- journeys
 *   JOURNEYS_BENCH_PEOPLE=1000 JOURNEYS_BENCH_SEED_EVENTS=5000 npm run bench -- journeys   (a quick check)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { MongoClient } from 'mongodb';
import { SMTPServer } from 'smtp-server';
import { DEFAULT_SWEEP_INTERVAL_MS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRuntime } from '../src/runtime.js';
import { COLLECTIONS, EMBEDDED_FERRETDB_POOL_SIZE } from '../src/store/index.js';
import { fetchRetrying, refusals } from './http.js';
import { startBenchServers } from './servers.js';

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number > 0`);
  return value;
};
const PEOPLE = envNumber('JOURNEYS_BENCH_PEOPLE', 10_000);
const SEED_EVENTS = envNumber('JOURNEYS_BENCH_SEED_EVENTS', 50_000);
const GAP_S = envNumber('JOURNEYS_BENCH_GAP_S', 5);
const CHAPTERS = 3;
const BATCH = 100;
const CLIENTS = 8;
const WRITE_KEY = 'bench-write-key';
const ADMIN_KEY = 'bench-admin-key';

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

const rssMb = () => {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
};
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** The sink: counts messages per recipient and chapter, with when the first chapter arrived. */
async function startSink() {
  const arrivals: number[] = [];
  const firstChapterAt = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 64,
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('utf8');
      });
      stream.on('end', () => {
        const now = performance.now();
        arrivals.push(now);
        const to = session.envelope.rcptTo[0]?.address ?? '';
        if (/^Subject: Chapter 1\b/m.test(head) && !firstChapterAt.has(to)) firstChapterAt.set(to, now);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    arrivals,
    firstChapterAt,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  const servers = await startBenchServers((message) => console.error(`[bench] ${message}`));
  const sink = await startSink();
  const dbName = `bench_journeys_${randomUUID().slice(0, 8)}`;
  const mongo = new MongoClient(servers.mongoUri);
  await mongo.connect();
  const runtime = await startRuntime({
    temporalAddress: servers.temporalAddress,
    namespace: 'default',
    taskQueue: `bench-${dbName}`,
    mongoUri: servers.mongoUri,
    dbName,
    ...(process.env.MONGODB_URI ? {} : { mongoMaxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE }),
    writeKey: WRITE_KEY,
    adminKey: ADMIN_KEY,
    logger: createLogger(process.env.LOG_LEVEL ?? 'error'),
    sweepIntervalMs: DEFAULT_SWEEP_INTERVAL_MS,
    smtp: { url: sink.url, from: 'Bench <bench@itinera.example>' },
  });
  const http = runtime.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => http.once('listening', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const response = await fetchRetrying(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: path.startsWith('/v1/batch') ? `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` : `Bearer ${ADMIN_KEY}`,
        ...(body === undefined ? {} : { 'content-type': type }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
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
      if ((await mongo.db(dbName).collection(COLLECTIONS.outbox).countDocuments({}, { limit: 1 })) === 0) return;
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
    const transport = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: 4 });
    const baselineStarted = performance.now();
    let sentDirect = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (sentDirect < baselineCount) {
          const n = sentDirect++;
          await transport.sendMail({
            from: 'bench@itinera.example',
            to: `direct-${n}@bench.example`,
            subject: 'Direct',
            html: '<p>direct</p>',
          });
        }
      }),
    );
    const baselinePerSecond = baselineCount / ((performance.now() - baselineStarted) / 1000);
    transport.close();
    sink.arrivals.length = 0;

    const rssBefore = rssMb();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb())), 1000);
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

    let allAdmittedS = 0;
    for (;;) {
      const journeys = (await call('GET', '/v1/journeys')).journeys as { name: string; versions: { entered: number }[] }[];
      const entered = journeys.find((j) => j.name === 'drip')?.versions.reduce((total, v) => total + v.entered, 0) ?? 0;
      if (entered >= PEOPLE) {
        allAdmittedS = (performance.now() - signupStarted) / 1000;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    while (sink.arrivals.length < PEOPLE * CHAPTERS) await new Promise((resolve) => setTimeout(resolve, 1000));
    clearInterval(sampler);
    const dripS = (Math.max(...sink.arrivals) - signupStarted) / 1000;
    // Over the whole drip, the waits between chapters included: what the worker sustained.
    const sendsPerSecond = sink.arrivals.length / ((Math.max(...sink.arrivals) - Math.min(...sink.arrivals)) / 1000);
    const latencies = Array.from({ length: PEOPLE }, (_, i) => sink.firstChapterAt.get(`reader-${i}@bench.example`)! - ackedAt[i]!).sort(
      (a, b) => a - b,
    );

    const figures = {
      people: PEOPLE,
      seedEvents: SEED_EVENTS,
      chapters: CHAPTERS,
      gapSeconds: GAP_S,
      signupsAcknowledgedSeconds: Number(acknowledgedS.toFixed(1)),
      runsStartedSeconds: Number(dispatchedS.toFixed(1)),
      allRunsAdmittedSeconds: Number(allAdmittedS.toFixed(1)),
      eventToFirstStepMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)) },
      dripSeconds: Number(dripS.toFixed(1)),
      emails: sink.arrivals.length,
      sendsPerSecond: Math.round(sendsPerSecond),
      baselineNodemailerSendsPerSecond: Math.round(baselinePerSecond),
      ratioToBaseline: Number((sendsPerSecond / baselinePerSecond).toFixed(2)),
      rssMb: { before: rssBefore, peak: rssPeak },
      refusedWith503: refusals.count,
    };
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await runtime.close();
    await mongo
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
    await sink.close();
    await servers.stop();
  }
}

await main();
