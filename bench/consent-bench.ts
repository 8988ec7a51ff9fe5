/**
 * Consent benchmark on `npm start` as users run it (the compiled build, embedded FerretDB
 * and Temporal dev server on free ports, a fresh data directory, npm start's defaults: 5 s
 * sweep, task queue, database name):
 *
 *   1. grows the database first through `/v1/batch`, 8 clients of 100-event batches as in the
 *      ingest bench (CONSENT_BENCH_SEED_EVENTS=100000 events of CONSENT_BENCH_SEED_PEOPLE
 *      people, a fifth of that by default: an identify each, then shop traffic), until the
 *      outbox is empty;
 *   2. baseline: CONSENT_BENCH_TRACKS plain `/v1/track` events (default 5,000, at most the
 *      grant count), a new person each, at the concurrency of the grants, until acknowledged
 *      and until applied (the outbox empty);
 *   3. CONSENT_BENCH_GRANTS grants (default 100,000) through `POST /v1/consents`, a new person
 *      each, for a purpose that expires after 365 days with a reminder 30 days before, at
 *      CONSENT_BENCH_CONCURRENCY (default 16, the ingest bench's `/v1/track` concurrency);
 *      then waits until the ledger (in the database, polled once a second) holds every grant
 *      and Temporal counts as many running `consentLifecycleWorkflow`s (its visibility count,
 *      every 5 s: each count is a query of the dev server's SQLite, the very thing under load);
 *   4. reports what Temporal holds afterwards (running workflows, the dev server's SQLite
 *      files), FerretDB's files, and the resident memory of the process running
 *      dist/main.js (and of the two servers) before the grants, at the peak (sampled every
 *      second) and after; and how many errors the dev server logged meanwhile (a persistence
 *      deadline exceeded, a workflow task timed out, …) and how many warnings and errors
 *      Itinera logged.
 *
 *   npx tsx bench/consent-bench.ts             (or: npm run bench -- consent)
 *   CONSENT_BENCH_GRANTS=2000 CONSENT_BENCH_SEED_EVENTS=10000 npm run bench -- consent   (a quick check of the bench)
 *
 * How the ledger is counted while it fills: each grant's answer names its ledger record
 * (`recordId`, the record's `_id`), and once a second the records acknowledged but not yet
 * seen are looked up by `_id`, in order, until one is missing. A `countDocuments` (or
 * `estimatedDocumentCount`) of 100,000 records takes FerretDB 15–35 s, and so does an `_id`
 * `$in` (a scan): polling with either would keep FerretDB busy with the bench itself,
 * whereas an `_id` lookup takes a millisecond or two, once per record. The collections are
 * counted in full once, at the end, after every figure is taken.
 *
 * A request answered 5xx or not at all is retried with the same messageId (idempotent) up
 * to 5 times, and counted; so is a poll that failed (the dev server under this load once
 * answered a count with "Namespace default is not found"), tried again at the next one.
 * Waiting for the grants to be in place gives up CONSENT_BENCH_TIMEOUT_MS (default 60 min)
 * after the last one was acknowledged; the bench then prints what it saw and exits 1. It
 * stops the server it started (SIGINT, as Ctrl+C) and removes its data directory, also
 * when it fails; CONSENT_BENCH_KEEP_LOGS=<dir> copies the servers' logs there first.
 */
import { createReadStream, rmSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { MongoClient, type Collection } from 'mongodb';
import { loadConfig } from '../src/config.js';
import { embeddedStartEnv, type EmbeddedPorts } from '../src/infra/embedded.js';
import { freePort } from '../src/infra/process.js';
import { COLLECTIONS } from '../src/store/collections.js';
import { rssOf, serverPids, startItinera, stopItinera, waitUntilReady, type Itinera } from './npm-start.js';

const PURPOSE = 'email_marketing';
const RULES = `consent ${PURPOSE} "E-mail marketing" {
  expires after 365 days
  remind 30 days before expiry
}
`;
const WORKFLOW_TYPE = 'consentLifecycleWorkflow';
const MAX_ATTEMPTS = 5;
const TEMPORAL_COUNT_EVERY_MS = 5000;

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0`);
  return value;
};

export interface MemoryFigures {
  /** VmRSS in MB just before the grants, the highest sampled (once a second) from then until all were in place, and after. */
  beforeMb: number;
  peakMb: number;
  afterMb: number;
}

export interface ConsentBenchFigures {
  seed: { events: number; people: number; batchSize: number; clients: number; ackedPerSecond: number; appliedPerSecond: number };
  baseline: {
    tracks: number;
    concurrency: number;
    ackedPerSecond: number;
    appliedPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    retries: number;
  };
  grants: {
    grants: number;
    concurrency: number;
    ackedPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    retries: number;
    /** Seconds from the first grant sent until the ledger held them all (counted in the database). */
    ledgerCompleteSeconds: number;
    /** Seconds from the first grant sent until Temporal counted as many running lifecycles. */
    workflowsCompleteSeconds: number;
    /** Seconds from the first grant sent until the outbox was empty again (every grant applied and dispatched). */
    outboxEmptySeconds: number;
    /** Grants per second until the ledger records and the lifecycle workflows were all in place. */
    inPlacePerSecond: number;
    /** Grants acknowledged per second over the baseline's tracks acknowledged per second. */
    ackedRatioToBaseline: number;
    /** Grants in place per second over the baseline's tracks applied per second. */
    inPlaceRatioToBaseline: number;
    /** Polls of the ledger or of Temporal's count that failed (and were tried again at the next). */
    pollErrors: number;
  };
  temporal: {
    runningWorkflowsBefore: number;
    runningWorkflowsAfter: number;
    runningLifecyclesAfter: number;
    /** Size of the files under <data dir>/temporal, in MB (the SQLite database, its WAL and shared memory). */
    sqliteMbBefore: number;
    sqliteMbAfter: number;
    sqliteFilesAfter: Record<string, number>;
    /** Growth of those files per grant, in bytes. */
    sqliteBytesPerGrant: number;
    rss: MemoryFigures;
    /** Lines of the dev server's log during the whole run (it logs at warn and above); null when it could not be read. */
    log: {
      bytes: number;
      lines: number;
      errors: number;
      warnings: number;
      persistenceDeadlineExceeded: number;
      workflowTaskTimeouts: number;
      slowGrpcCalls: number;
      namespaceNotFound: number;
    } | null;
  };
  ferretdb: { dataMbBefore: number; dataMbAfter: number; dataBytesPerGrant: number; rss: MemoryFigures };
  itinera: { pid: number; rss: MemoryFigures; loggedWarnings: number; loggedErrors: number };
  /** countDocuments of the collections at the end, after every figure was taken. */
  stored: { profiles: number; events: number; ledgerRecords: number };
  seconds: number;
  loadAverage: number;
  cores: number;
  complete: boolean;
}

const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;
const mb = (bytes: number) => round(bytes / 1024 / 1024);
const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
/** Set on SIGINT or SIGTERM: the load stops sending, so that the server's stop is not held up by it. */
let interrupted = false;
const log = (message: string) => console.error(`[consent bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** Total size of the files under a directory, in bytes (0 when it does not exist), and each file's. */
async function filesUnder(dir: string): Promise<{ total: number; files: Record<string, number> }> {
  const files: Record<string, number> = {};
  let total = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    files[path.slice(dir.length + 1)] = size;
    total += size;
  }
  return { total, files };
}

/** Samples the resident memory of some processes every second; `mark` opens a window whose peak is then read. */
class MemorySampler {
  private readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private sampling: Promise<void> = Promise.resolve();

  constructor(private readonly pids: Record<string, number>) {
    this.timer = setInterval(() => {
      this.sampling = this.sample().then(() => undefined);
    }, 1000);
  }

  async sample(): Promise<Record<string, number>> {
    const now: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      now[name] = await rssOf(pid);
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, now[name]));
    }
    return now;
  }

  /** Starts a new peak window from the current sample, which is returned. */
  async mark(): Promise<Record<string, number>> {
    await this.sampling;
    this.peaks.clear();
    return this.sample();
  }

  peak(name: string): number {
    return this.peaks.get(name) ?? 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * The ledger records acknowledged but not yet seen in the database, in the order they were
 * acknowledged; `poll` looks them up by `_id` (FerretDB's one indexed lookup), a few at a
 * time, until one is still missing.
 */
class LedgerWatch {
  private readonly unseen: string[] = [];
  seen = 0;

  constructor(private readonly ledger: Collection<{ _id: string }>) {}

  acknowledgedCount = 0;

  acknowledged(recordId: string): void {
    this.unseen.push(recordId);
    this.acknowledgedCount++;
  }

  async poll(budget = 4096): Promise<number> {
    const CHUNK = 32;
    for (let checked = 0; this.unseen.length > 0 && checked < budget; checked += CHUNK) {
      const chunk = this.unseen.slice(0, CHUNK);
      const found = await Promise.all(chunk.map((id) => this.ledger.findOne({ _id: id }, { projection: { _id: 1 } })));
      const missing = chunk.filter((_, i) => found[i] === null);
      this.unseen.splice(0, chunk.length, ...missing);
      this.seen += chunk.length - missing.length;
      if (missing.length > 0) break;
    }
    return this.seen;
  }
}

interface Sender {
  /** The answer's JSON body. */
  post(path: string, body: unknown): Promise<unknown>;
  retries: number;
}

function sender(baseUrl: string, authorization: string): Sender {
  const state: Sender = {
    retries: 0,
    async post(path, body) {
      const payload = JSON.stringify(body);
      for (let attempt = 1; ; attempt++) {
        const outcome = await fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: payload,
        }).then(
          async (response) => ({ status: response.status, text: await response.text() }),
          (error: unknown) => ({ status: 0, text: String(error) }),
        );
        if (outcome.status === 200) return JSON.parse(outcome.text) as unknown;
        if ((outcome.status !== 0 && outcome.status < 500) || attempt === MAX_ATTEMPTS || interrupted)
          throw new Error(`${path} answered ${outcome.status}: ${outcome.text.slice(0, 500)}`);
        state.retries++;
        await delay(200 * attempt);
      }
    },
  };
  return state;
}

/** `count` requests, `concurrency` at a time, each timed; returns the seconds taken and the sorted latencies. */
async function load(
  count: number,
  concurrency: number,
  send: (i: number) => Promise<unknown>,
  label: string,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const progressEvery = Math.max(1000, Math.ceil(count / 10));
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count && !interrupted; i = next++) {
        const t0 = performance.now();
        await send(i);
        latencies.push(performance.now() - t0);
        if ((i + 1) % progressEvery === 0)
          log(`${label}: ${i + 1}/${count} sent, ${Math.round((i + 1) / ((performance.now() - started) / 1000))}/s`);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { seconds: (performance.now() - started) / 1000, latencies };
}

const USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const PLANS = ['free', 'pro', 'team', 'enterprise'];

/** The seed's i-th message: each person's first is an identify with traits, the rest a shop's views, carts and orders. */
function seedMessage(i: number, people: number) {
  const person = i % people;
  const common = {
    userId: `seed-u${person}`,
    messageId: `seed-${i}`,
    context: { locale: 'en-US', userAgent: USER_AGENT, ip: `81.2.${i % 250}.${(i >> 8) % 250}` },
    timestamp: new Date(Date.now() - (i % 86_400) * 1000).toISOString(),
  };
  if (i < people)
    return {
      type: 'identify',
      ...common,
      traits: { email: `seed${person}@example.com`, plan: PLANS[person % 4], firstName: `Name${person}` },
    };
  const kind = i % 10;
  const event = kind < 6 ? 'Product Viewed' : kind < 9 ? 'Product Added' : 'Order Completed';
  return {
    type: 'track',
    ...common,
    event,
    properties: { sku: `sku-${i % 300}`, price: 10 + (i % 90), ...(event === 'Order Completed' ? { revenue: 25 + (i % 200) } : {}) },
  };
}

function trackMessage(i: number) {
  return {
    userId: `track-u${i}`,
    event: 'Product Viewed',
    messageId: `track-${i}`,
    properties: { sku: `sku-${i % 300}`, price: 10 + (i % 90) },
    context: { locale: 'en-US', userAgent: USER_AGENT, ip: `81.3.${i % 250}.${(i >> 8) % 250}` },
  };
}

function grantBody(i: number) {
  return {
    userId: `consent-u${i}`,
    purpose: PURPOSE,
    state: 'granted',
    messageId: `grant-${i}`,
    proof: {
      method: 'checkbox',
      text: 'Send me offers and news by e-mail. I can withdraw at any time.',
      pageUrl: 'https://shop.example.com/signup',
      userAgent: USER_AGENT,
      ip: `81.4.${i % 250}.${(i >> 8) % 250}`,
    },
  };
}

async function temporalLog(dataDir: string): Promise<ConsentBenchFigures['temporal']['log']> {
  const file = join(dataDir, 'logs', 'temporal.log');
  const bytes = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (bytes === undefined) return null;
  const counts = {
    bytes,
    lines: 0,
    errors: 0,
    warnings: 0,
    persistenceDeadlineExceeded: 0,
    workflowTaskTimeouts: 0,
    slowGrpcCalls: 0,
    namespaceNotFound: 0,
  };
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    counts.lines++;
    if (line.includes('level=ERROR')) counts.errors++;
    if (line.includes('level=WARN')) counts.warnings++;
    if (line.includes('level=ERROR') && line.includes('context deadline exceeded')) counts.persistenceDeadlineExceeded++;
    if (line.includes('queue-task-type=WorkflowTaskTimeout')) counts.workflowTaskTimeouts++;
    if (line.includes('msg="Slow gRPC call"')) counts.slowGrpcCalls++;
    if (/[Nn]amespace \S+ is not found|Namespace not found/.test(line)) counts.namespaceNotFound++;
  }
  return counts;
}

export async function runConsentBench(): Promise<ConsentBenchFigures> {
  const grants = envNumber('CONSENT_BENCH_GRANTS', 100_000);
  const tracks = envNumber('CONSENT_BENCH_TRACKS', Math.min(5_000, grants));
  const seedEvents = envNumber('CONSENT_BENCH_SEED_EVENTS', 100_000);
  const seedPeople = Math.max(1, Math.min(seedEvents, envNumber('CONSENT_BENCH_SEED_PEOPLE', Math.ceil(seedEvents / 5))));
  const concurrency = envNumber('CONSENT_BENCH_CONCURRENCY', 16);
  const timeoutMs = envNumber('CONSENT_BENCH_TIMEOUT_MS', 60 * 60_000);
  const batchSize = 100;
  const seedClients = 8;
  const loadAverage = round(loadavg()[0]!, 2);
  const benchStarted = performance.now();

  const dataDir = await mkdtemp(join(tmpdir(), 'itinera-consent-bench-'));
  const ports: EmbeddedPorts = { api: await freePort(), temporal: await freePort(), ui: await freePort(), ferret: await freePort() };
  const env = embeddedStartEnv(ports, dataDir);
  const config = loadConfig(env);
  const baseUrl = `http://127.0.0.1:${ports.api}`;
  const basic = `Basic ${Buffer.from(`${config.writeKey}:`).toString('base64')}`;

  let itinera: Itinera | undefined;
  let mongo: MongoClient | undefined;
  let connection: Connection | undefined;
  let sampler: MemorySampler | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      sampler?.stop();
      await mongo?.close().catch(() => undefined);
      await connection?.close().catch(() => undefined);
      if (itinera) {
        log('stopping npm start (SIGINT)');
        const exit = await stopItinera(itinera.child);
        log(`npm start exited (${exit})`);
      }
      const keepLogs = process.env.CONSENT_BENCH_KEEP_LOGS;
      if (keepLogs) {
        await cp(join(dataDir, 'logs'), keepLogs, { recursive: true }).then(
          () => log(`the servers' logs are in ${resolve(keepLogs)}`),
          (error: unknown) => log(`could not keep the logs: ${String(error)}`),
        );
      }
      await rm(dataDir, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    interrupted = true;
    void cleanup().finally(() => process.exit(130));
  };
  // Should this process end some other way (a crash), the server and the data go with it.
  const onExit = () => {
    if (itinera && itinera.child.exitCode === null && itinera.child.signalCode === null) itinera.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', onExit);

  try {
    log(`npm start in ${dataDir} (API ${ports.api}, Temporal ${ports.temporal}, FerretDB ${ports.ferret})`);
    itinera = startItinera(env);
    await waitUntilReady(`${baseUrl}/ready`, itinera);
    const pid = itinera.child.pid!;
    const servers = serverPids(dataDir);
    sampler = new MemorySampler({ itinera: pid, temporal: servers.temporal, ferretdb: servers.ferretdb });
    log(
      `ready after ${Math.round(performance.now() - benchStarted)} ms (itinera pid ${pid}, temporal ${servers.temporal}, ferretdb ${servers.ferretdb})`,
    );

    mongo = new MongoClient(`mongodb://127.0.0.1:${ports.ferret}/`, { maxPoolSize: 4 });
    const db = mongo.db(config.mongo.dbName);
    const count = (name: string) => db.collection(name).countDocuments({});
    connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    const temporal = new Client({ connection, namespace: config.temporal.namespace });
    const running = async (type?: string) =>
      (await temporal.workflow.count(`${type ? `WorkflowType="${type}" AND ` : ''}ExecutionStatus="Running"`)).count;

    const rules = await fetch(`${baseUrl}/v1/rules`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${config.adminKey}`, 'content-type': 'text/plain' },
      body: RULES,
    });
    if (rules.status !== 200) throw new Error(`PUT /v1/rules answered ${rules.status}: ${await rules.text()}`);

    /** Polls until the outbox is empty (every accepted message applied and dispatched); seconds from `since`. */
    const outboxEmpty = async (since: number, what: string) => {
      const deadline = Date.now() + timeoutMs;
      while ((await count(COLLECTIONS.outbox)) > 0) {
        if (Date.now() > deadline) throw new Error(`${what}: the outbox was not empty after ${timeoutMs} ms`);
        await delay(250);
      }
      return (performance.now() - since) / 1000;
    };

    // 1. A database of a realistic size.
    const seed = sender(baseUrl, basic);
    const seedBatches = Math.ceil(seedEvents / batchSize);
    log(`seed: ${seedEvents} events of ${seedPeople} people through /v1/batch`);
    const seedStarted = performance.now();
    const seeded = await load(
      seedBatches,
      seedClients,
      (b) =>
        seed.post('/v1/batch', {
          batch: Array.from({ length: Math.min(batchSize, seedEvents - b * batchSize) }, (_, i) =>
            seedMessage(b * batchSize + i, seedPeople),
          ),
        }),
      'seed batches',
    );
    const seedApplied = await outboxEmpty(seedStarted, 'seed');
    const seedFigures = {
      events: seedEvents,
      people: seedPeople,
      batchSize,
      clients: seedClients,
      ackedPerSecond: Math.round(seedEvents / seeded.seconds),
      appliedPerSecond: Math.round(seedEvents / seedApplied),
    };
    log(`seed: ${JSON.stringify(seedFigures)}`);

    // 2. Baseline: plain tracks, one new person each.
    const track = sender(baseUrl, basic);
    log(`baseline: ${tracks} tracks through /v1/track, ${concurrency} at a time`);
    const trackStarted = performance.now();
    const tracked = await load(tracks, concurrency, (i) => track.post('/v1/track', trackMessage(i)), 'baseline tracks');
    const trackApplied = await outboxEmpty(trackStarted, 'baseline');
    const baseline = {
      tracks,
      concurrency,
      ackedPerSecond: Math.round(tracks / tracked.seconds),
      appliedPerSecond: Math.round(tracks / trackApplied),
      p50Ms: round(percentile(tracked.latencies, 50)),
      p99Ms: round(percentile(tracked.latencies, 99)),
      retries: track.retries,
    };
    log(`baseline: ${JSON.stringify(baseline)}`);

    // 3. The grants, and until they are all in place.
    const temporalBefore = await filesUnder(join(dataDir, 'temporal'));
    const ferretBefore = await filesUnder(join(dataDir, 'ferretdb'));
    const runningBefore = await running();
    const rssBefore = await sampler.mark();
    const grant = sender(baseUrl, basic);
    const ledger = new LedgerWatch(db.collection<{ _id: string }>(COLLECTIONS.consentLedger));
    log(`grants: ${grants} through POST /v1/consents, ${concurrency} at a time`);
    const grantStarted = performance.now();
    const elapsed = () => (performance.now() - grantStarted) / 1000;
    let ackedAt: number | undefined;
    let ledgerAt: number | undefined;
    let workflowsAt: number | undefined;
    let outboxAt: number | undefined;
    let lifecycles = 0;
    let failed = false;
    const allInPlace = () => ledgerAt !== undefined && workflowsAt !== undefined && outboxAt !== undefined;
    let pollErrors = 0;
    /** A poll that failed is counted and tried again next time: the figures are the server's, not the bench's. */
    const polled = async <T>(what: string, poll: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await poll();
      } catch (error) {
        pollErrors++;
        if (pollErrors <= 20) log(`${what} failed (${pollErrors} so far), trying again at the next poll: ${String(error).split('\n')[0]}`);
        return undefined;
      }
    };
    // From the first grant sent: the ledger once a second, Temporal's count every 5 s, the outbox once every grant is acknowledged.
    const watching = (async () => {
      let lastReport = performance.now();
      let lastCount = 0;
      let ledgerMs = 0;
      let temporalMs = 0;
      while (!failed && !allInPlace() && (ackedAt === undefined || elapsed() - ackedAt < timeoutMs / 1000)) {
        const pollStarted = performance.now();
        if (ledgerAt === undefined) {
          const seen = await polled('the ledger poll', () => ledger.poll());
          if (seen !== undefined && seen >= grants) ledgerAt = elapsed();
          ledgerMs = performance.now() - pollStarted;
        }
        if (workflowsAt === undefined && (performance.now() - lastCount >= TEMPORAL_COUNT_EVERY_MS || ledgerAt !== undefined)) {
          lastCount = performance.now();
          const counted = await polled("Temporal's count", () => running(WORKFLOW_TYPE));
          temporalMs = performance.now() - lastCount;
          if (counted !== undefined) lifecycles = counted;
          if (lifecycles >= grants) workflowsAt = elapsed();
        }
        if (ackedAt !== undefined && outboxAt === undefined && (await polled('the outbox count', () => count(COLLECTIONS.outbox))) === 0)
          outboxAt = elapsed();
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          log(
            `after ${Math.round(elapsed())} s: ${ledger.acknowledgedCount} acknowledged, ledger ${ledger.seen}/${grants} (polled in ${Math.round(ledgerMs)} ms), running lifecycles ${lifecycles}/${grants} (counted in ${Math.round(temporalMs)} ms)${ackedAt === undefined ? '' : `, outbox ${outboxAt === undefined ? 'not empty' : 'empty'}`}`,
          );
        }
        await delay(Math.max(0, 1000 - (performance.now() - pollStarted)));
      }
    })();
    let granted: Awaited<ReturnType<typeof load>>;
    try {
      granted = await load(
        grants,
        concurrency,
        async (i) => {
          const answer = (await grant.post('/v1/consents', grantBody(i))) as { recordId?: string };
          if (typeof answer.recordId !== 'string')
            throw new Error(`POST /v1/consents answered without a recordId: ${JSON.stringify(answer)}`);
          ledger.acknowledged(answer.recordId);
        },
        'grants',
      );
      ackedAt = elapsed();
    } catch (error) {
      failed = true;
      await watching.catch(() => undefined);
      throw error;
    }
    log(`grants: all acknowledged in ${round(granted.seconds)} s; waiting for the ledger and the lifecycles`);
    await watching;
    const complete = allInPlace();
    if (!complete)
      log(`gave up ${timeoutMs} ms after the last grant: ledger ${ledger.seen}/${grants}, running lifecycles ${lifecycles}/${grants}`);
    const inPlaceSeconds = Math.max(ledgerAt ?? Infinity, workflowsAt ?? Infinity);

    // 4. What is held afterwards.
    const rssAfter = await sampler.sample();
    const peaks = { itinera: sampler.peak('itinera'), temporal: sampler.peak('temporal'), ferretdb: sampler.peak('ferretdb') };
    const memory = (name: string): MemoryFigures => ({
      beforeMb: mb(rssBefore[name]!),
      peakMb: mb(peaks[name as keyof typeof peaks]),
      afterMb: mb(rssAfter[name]!),
    });
    const temporalAfter = await filesUnder(join(dataDir, 'temporal'));
    const ferretAfter = await filesUnder(join(dataDir, 'ferretdb'));
    const runningAfter = (await polled("Temporal's count", () => running())) ?? NaN;
    const lifecyclesAfter = (await polled("Temporal's count", () => running(WORKFLOW_TYPE))) ?? NaN;
    log('counting the collections in full (FerretDB takes a while)');
    const stored = {
      profiles: await count(COLLECTIONS.profiles),
      events: await count(COLLECTIONS.events),
      ledgerRecords: await count(COLLECTIONS.consentLedger),
    };
    const grantRate = grants / granted.seconds;
    const inPlaceRate = grants / inPlaceSeconds;
    if (stored.ledgerRecords !== grants) log(`the ledger holds ${stored.ledgerRecords} records, not ${grants}`);
    return {
      seed: seedFigures,
      baseline,
      grants: {
        grants,
        concurrency,
        ackedPerSecond: Math.round(grantRate),
        p50Ms: round(percentile(granted.latencies, 50)),
        p99Ms: round(percentile(granted.latencies, 99)),
        retries: grant.retries,
        ledgerCompleteSeconds: round(ledgerAt ?? NaN),
        workflowsCompleteSeconds: round(workflowsAt ?? NaN),
        outboxEmptySeconds: round(outboxAt ?? NaN),
        inPlacePerSecond: Math.round(inPlaceRate),
        ackedRatioToBaseline: round(grantRate / baseline.ackedPerSecond, 2),
        inPlaceRatioToBaseline: round(inPlaceRate / baseline.appliedPerSecond, 2),
        pollErrors,
      },
      temporal: {
        runningWorkflowsBefore: runningBefore,
        runningWorkflowsAfter: runningAfter,
        runningLifecyclesAfter: lifecyclesAfter,
        sqliteMbBefore: mb(temporalBefore.total),
        sqliteMbAfter: mb(temporalAfter.total),
        sqliteFilesAfter: Object.fromEntries(Object.entries(temporalAfter.files).map(([name, size]) => [name, mb(size)])),
        sqliteBytesPerGrant: Math.round((temporalAfter.total - temporalBefore.total) / grants),
        rss: memory('temporal'),
        log: await temporalLog(dataDir),
      },
      ferretdb: {
        dataMbBefore: mb(ferretBefore.total),
        dataMbAfter: mb(ferretAfter.total),
        dataBytesPerGrant: Math.round((ferretAfter.total - ferretBefore.total) / grants),
        rss: memory('ferretdb'),
      },
      itinera: { pid, rss: memory('itinera'), loggedWarnings: itinera.logged.warnings, loggedErrors: itinera.logged.errors },
      stored,
      seconds: Math.round((performance.now() - benchStarted) / 1000),
      loadAverage,
      cores: availableParallelism(),
      complete: complete && stored.ledgerRecords === grants,
    };
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}

function table(rows: [string, string | number][]): string {
  const width = Math.max(...rows.filter(([name]) => !name.startsWith('--')).map(([name]) => name.length));
  return rows
    .map(([name, value]) => (name.startsWith('--') ? `\n${name.slice(2).trim()}` : `  ${name.padEnd(width)}  ${value}`))
    .join('\n');
}

const n = (value: number) => (Number.isFinite(value) ? value.toLocaleString('en-US') : 'not reached');
const memoryRow = (m: MemoryFigures) => `${n(m.beforeMb)} MB before, ${n(m.peakMb)} MB peak, ${n(m.afterMb)} MB after`;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const f = await runConsentBench();
  console.log(JSON.stringify(f, null, 2));
  console.log(
    table([
      ['-- database grown first (/v1/batch)', ''],
      ['events / people', `${n(f.seed.events)} / ${n(f.seed.people)}`],
      ['acknowledged / applied', `${n(f.seed.ackedPerSecond)} / ${n(f.seed.appliedPerSecond)} events/s`],
      ['-- baseline: /v1/track, a new person each', ''],
      ['tracks, concurrency', `${n(f.baseline.tracks)}, ${f.baseline.concurrency}`],
      [
        'acknowledged',
        `${n(f.baseline.ackedPerSecond)} events/s (p50 ${f.baseline.p50Ms} ms, p99 ${f.baseline.p99Ms} ms, ${f.baseline.retries} retries)`,
      ],
      ['applied (outbox empty)', `${n(f.baseline.appliedPerSecond)} events/s`],
      ['-- grants: POST /v1/consents, a new person each, expiring with a reminder', ''],
      ['grants, concurrency', `${n(f.grants.grants)}, ${f.grants.concurrency}`],
      [
        'acknowledged',
        `${n(f.grants.ackedPerSecond)} grants/s (p50 ${f.grants.p50Ms} ms, p99 ${f.grants.p99Ms} ms, ${f.grants.retries} retries)`,
      ],
      ['ratio to baseline (acknowledged)', `${f.grants.ackedRatioToBaseline}`],
      ['ledger complete after', `${n(f.grants.ledgerCompleteSeconds)} s`],
      ['lifecycles running after', `${n(f.grants.workflowsCompleteSeconds)} s`],
      ['outbox empty after', `${n(f.grants.outboxEmptySeconds)} s`],
      ['all in place', `${n(f.grants.inPlacePerSecond)} grants/s (ratio to baseline applied: ${f.grants.inPlaceRatioToBaseline})`],
      ['failed polls (tried again)', `${n(f.grants.pollErrors)}`],
      ['-- Temporal dev server', ''],
      [
        'running workflows before / after',
        `${n(f.temporal.runningWorkflowsBefore)} / ${n(f.temporal.runningWorkflowsAfter)} (${n(f.temporal.runningLifecyclesAfter)} ${WORKFLOW_TYPE})`,
      ],
      [
        'SQLite files before / after',
        `${n(f.temporal.sqliteMbBefore)} MB / ${n(f.temporal.sqliteMbAfter)} MB (${n(f.temporal.sqliteBytesPerGrant)} bytes per grant)`,
      ],
      [
        'SQLite files after',
        Object.entries(f.temporal.sqliteFilesAfter)
          .map(([name, size]) => `${name} ${size} MB`)
          .join(', '),
      ],
      ['RSS', memoryRow(f.temporal.rss)],
      ...(f.temporal.log
        ? ([
            [
              'log',
              `${n(f.temporal.log.lines)} lines (${n(f.temporal.log.bytes)} bytes): ${n(f.temporal.log.errors)} errors, ${n(f.temporal.log.warnings)} warnings`,
            ],
            [
              'of which',
              `${n(f.temporal.log.persistenceDeadlineExceeded)} persistence deadlines exceeded, ${n(f.temporal.log.workflowTaskTimeouts)} workflow task timeouts, ${n(f.temporal.log.slowGrpcCalls)} slow gRPC calls, ${n(f.temporal.log.namespaceNotFound)} "namespace not found"`,
            ],
          ] satisfies [string, string][])
        : ([['log', 'could not be read']] satisfies [string, string][])),
      ['-- FerretDB', ''],
      [
        'data before / after',
        `${n(f.ferretdb.dataMbBefore)} MB / ${n(f.ferretdb.dataMbAfter)} MB (${n(f.ferretdb.dataBytesPerGrant)} bytes per grant)`,
      ],
      ['RSS', memoryRow(f.ferretdb.rss)],
      ['-- Itinera (node dist/main.js)', ''],
      ['RSS', memoryRow(f.itinera.rss)],
      ['logged warnings / errors', `${n(f.itinera.loggedWarnings)} / ${n(f.itinera.loggedErrors)}`],
      ['-- stored at the end (countDocuments)', ''],
      ['profiles / events / ledger records', `${n(f.stored.profiles)} / ${n(f.stored.events)} / ${n(f.stored.ledgerRecords)}`],
      ['-- run', ''],
      ['whole bench', `${n(f.seconds)} s on ${f.cores} cores, load average ${f.loadAverage} at the start`],
      ['complete', f.complete ? 'yes: every grant in the ledger and its lifecycle running' : 'NO: gave up waiting (see above)'],
    ]),
  );
  if (!f.complete) process.exitCode = 1;
}
