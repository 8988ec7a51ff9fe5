/**
 * Ingest through several Itinera processes on one database and one Temporal
 * (docs/deploy.md): `/v1/batch` throughput with one `all` process (what `npm start` runs
 * today), then with one, two and three `api` processes beside one `worker`. Every process
 * is a real one, started as users start it (`node scripts/start.js`) with production
 * defaults (no timer is shrunk: sweeper every 5 s, outbox lease 30 s), on the embedded
 * Temporal dev server and FerretDB (bench/servers.ts), or the servers TEMPORAL_ADDRESS /
 * MONGODB_URI name.
 *
 * Each configuration gets a database of its own and a task queue of its own on the same
 * servers; 8 clients send PROCESSES_BENCH_EVENTS events (60,000 by default) as batches of
 * 100, round-robin over the processes that serve the API: a shop's traffic from 5,000
 * people. It reports the acknowledged rate (until the last 200) and the applied rate (until
 * the database's `outbox` is empty), each beside the single `all` process's and beside a
 * raw `insertMany` of the same documents from the same 8 clients, measured in the same run
 * (before and after the configurations; the mean is the baseline, the two say how much the
 * machine's load moved in between).
 *
 * On the embedded FerretDB every process writes to one SQLite database: one writer at a
 * time, whoever asks. More API processes therefore cannot add write throughput there (they
 * add HTTP parsing, enrichment and validation in parallel, and contention for that one
 * writer): these figures show what running the tier costs, not how it scales. A MongoDB
 * replica set (MONGODB_URI) is where API processes scale.
 *
 * There is no target for the throughput. The correctness half is the verdict: every
 * configuration applied everything (outbox empty, and the events collection holds every
 * event sent, once).
 *
 *   npm run bench -- processes                        (PROCESSES_BENCH_EVENTS=60000)
 *   PROCESSES_BENCH_EVENTS=6000 npm run bench -- processes
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import { freePorts } from '../src/infra/process.js';
import { inParallel, shopEvent } from './shop-traffic.js';
import { fetchRetrying, refusals } from './http.js';
import { rssOf, startItinera, waitUntilReady, type Itinera } from './npm-start.js';
import { startBenchServers } from './servers.js';

const WRITE_KEY = 'bench-write-key';
const ADMIN_KEY = 'bench-admin-key';
const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
const PEOPLE = 5000;
const BATCH_SIZE = 100;
const CLIENTS = 8;
/** Generous: the applied rate on a loaded 2-core machine can be a few hundred events/s. */
const APPLY_TIMEOUT_MS = 15 * 60_000;
const OUTBOX_POLL_MS = 100;
const STOP_TIMEOUT_MS = 90_000;

type Role = 'all' | 'api' | 'worker';

const CONFIGURATIONS: { name: string; roles: Role[] }[] = [
  { name: '1 all', roles: ['all'] },
  { name: '1 api + 1 worker', roles: ['worker', 'api'] },
  { name: '2 api + 1 worker', roles: ['worker', 'api', 'api'] },
  { name: '3 api + 1 worker', roles: ['worker', 'api', 'api', 'api'] },
];

export interface ConfigurationFigures {
  name: string;
  roles: Role[];
  /** Processes serving /v1/batch (the clients go round-robin over them). */
  apiProcesses: number;
  /** Acknowledged: every request answered 200 (events stored, owed to their profiles by the outbox). */
  acknowledgedSeconds: number;
  acknowledgedPerSecond: number;
  /** Applied: the `outbox` collection empty (every batch applied to its profiles and dispatched). */
  appliedSeconds: number;
  appliedPerSecond: number;
  /** Share of the single `all` process's rate (1 = as fast). */
  acknowledgedRatioToAll: number;
  appliedRatioToAll: number;
  /** Share of the raw insertMany rate (1 = as fast as a bare insert). */
  acknowledgedRatioToRaw: number;
  appliedRatioToRaw: number;
  /** Requests refused with 503 (back-pressure) and sent again after Retry-After. */
  refusedWith503: number;
  /** Requests whose connection closed without an answer, sent again. */
  connectionErrors: number;
  /** The slowest /v1/batch request (a stall shows here). */
  slowestRequestMs: number;
  /** What the database holds at the end: events (sent + warm-up), outbox entries, profiles. */
  storedEvents: number;
  expectedEvents: number;
  outboxLeft: number;
  profiles: number;
  /** Everything sent is stored once and applied. */
  complete: boolean;
  /** Sum of the processes' RSS once everything was applied. */
  rssMbAfter: number;
  loggedWarnings: number;
  loggedErrors: number;
  /** How each process ended after SIGTERM (0 = a clean stop). */
  exitCodes: (number | string)[];
  /** Seconds from the first spawn until every process answered /ready 200. */
  startSeconds: number;
}

export interface ProcessesBenchFigures {
  events: number;
  batchSize: number;
  clients: number;
  people: number;
  rawInsertManyPerSecond: number;
  rawInsertManyPerSecondBefore: number;
  rawInsertManyPerSecondAfter: number;
  configurations: ConfigurationFigures[];
  servers: 'embedded' | 'configured';
  cores: number;
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
  seconds: number;
  /** Every configuration applied everything it acknowledged. */
  meetsTarget: boolean;
}

const batchOf = (b: number, prefix: string) => Array.from({ length: BATCH_SIZE }, (_, i) => shopEvent(b * BATCH_SIZE + i, prefix, PEOPLE));

/** Connections that failed (closed without an answer) and whose request was sent again. */
const connectionErrors = { count: 0 };

/**
 * One batch, sent again (the same messageIds, so stored once) when the connection fails
 * without an answer, as an SDK does: a kept-alive connection the server closes just as a
 * request leaves on it. Not when the process is gone: that is a failure of the bench.
 */
async function postBatch(proc: Running, batch: unknown[]): Promise<number> {
  const body = JSON.stringify({ batch });
  for (let attempt = 1; ; attempt++) {
    const sent = performance.now();
    const response = await fetchRetrying(`${proc.baseUrl}/v1/batch`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body,
    }).catch((error: unknown) => {
      const { child } = proc.itinera;
      if (attempt >= 5 || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `/v1/batch on ${proc.baseUrl} (${proc.role}, ${child.exitCode === null && child.signalCode === null ? 'running' : `exited ${child.exitCode ?? child.signalCode}`}) failed: ${String(error)}; it said:\n${proc.itinera.output().slice(-3000)}`,
        );
      }
      connectionErrors.count += 1;
      log(`/v1/batch on ${proc.baseUrl} failed (${String((error as { cause?: unknown }).cause ?? error)}); sending it again`);
      return undefined;
    });
    if (response === undefined) continue;
    if (response.status !== 200) throw new Error(`/v1/batch on ${proc.baseUrl} answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
    return performance.now() - sent;
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const log = (message: string) => console.error(`[bench] ${message}`);

interface Running {
  role: Role;
  baseUrl: string;
  itinera: Itinera;
}

/** SIGTERM (as a supervisor stops it); SIGKILL if it has not exited in time. */
async function stopProcess(proc: Running): Promise<number | string> {
  const { child } = proc.itinera;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode!;
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Bare inserts of the same documents, in batches of the same size, from the same number of clients. */
async function rawInsertRate(mongo: MongoClient, events: number): Promise<number> {
  const dbName = `bench_procs_raw_${randomUUID().slice(0, 8)}`;
  const raw = mongo.db(dbName).collection<{ _id: string }>('raw_insert_baseline');
  const batches = Math.ceil(events / BATCH_SIZE);
  try {
    await raw.insertMany(batchOf(0, 'warm').map((event, i) => ({ ...event, _id: `warm-${i}`, receivedAt: new Date() })));
    let next = 0;
    const started = performance.now();
    await inParallel(CLIENTS, async () => {
      for (let b = next++; b < batches; b = next++) {
        await raw.insertMany(batchOf(b, 'shop').map((event, i) => ({ ...event, _id: `raw-${b}-${i}`, receivedAt: new Date() })));
      }
    });
    return (batches * BATCH_SIZE) / ((performance.now() - started) / 1000);
  } finally {
    await mongo
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined);
  }
}

export async function runProcessesBench(options: { events?: number } = {}): Promise<ProcessesBenchFigures> {
  const requested = options.events ?? Number(process.env.PROCESSES_BENCH_EVENTS ?? 60_000);
  const batches = Math.ceil(requested / BATCH_SIZE);
  const events = batches * BATCH_SIZE;
  const benchStarted = performance.now();
  const loadAverageAtStart = round2(loadavg()[0]!);
  const embedded = !process.env.MONGODB_URI && !process.env.TEMPORAL_ADDRESS ? 'embedded' : 'configured';
  const servers = await startBenchServers(log);
  const mongo = new MongoClient(servers.mongoUri, { writeConcern: { w: 'majority', journal: true }, maxPoolSize: CLIENTS });

  // Should this process end some other way (a crash, Ctrl-C), no Itinera process outlives it.
  const live = new Set<Running>();
  const onExit = () => {
    for (const proc of live)
      if (proc.itinera.child.exitCode === null && proc.itinera.child.signalCode === null) proc.itinera.child.kill('SIGKILL');
  };
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await Promise.all([...live].map((proc) => stopProcess(proc).catch(() => undefined)));
      await mongo.close().catch(() => undefined);
      await servers.stop().catch(() => undefined);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the processes and the servers`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await mongo.connect();
    log(`raw insertMany of ${events} events (baseline, before)`);
    const rawBefore = await rawInsertRate(mongo, events);
    log(`raw insertMany: ${Math.round(rawBefore)} events/s`);

    const measured: Omit<
      ConfigurationFigures,
      'acknowledgedRatioToAll' | 'appliedRatioToAll' | 'acknowledgedRatioToRaw' | 'appliedRatioToRaw'
    >[] = [];
    for (const configuration of CONFIGURATIONS) {
      const run = randomUUID().slice(0, 8);
      const dbName = `bench_procs_${run}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_ENV: 'production',
        MONGODB_URI: servers.mongoUri,
        MONGODB_DB: dbName,
        TEMPORAL_ADDRESS: servers.temporalAddress,
        TEMPORAL_TASK_QUEUE: `bench-procs-${run}`,
        ITINERA_WRITE_KEY: WRITE_KEY,
        ITINERA_ADMIN_KEY: ADMIN_KEY,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      };
      // Production defaults: whatever the environment says about these, not this bench's business.
      for (const name of ['ITINERA_SWEEP_INTERVAL_MS', 'ITINERA_OUTBOX_LEASE_MS', 'ITINERA_ROLE', 'PORT', 'ITINERA_DEPLOYMENT_ID'])
        delete env[name];
      const ports = await freePorts(configuration.roles.length);
      const processes: Running[] = [];
      const db = mongo.db(dbName);
      try {
        log(`${configuration.name}: starting ${configuration.roles.join(', ')} on database ${dbName}`);
        const spawnStarted = performance.now();
        // One after the other: scripts/start.js may rebuild dist/, and two builds at once would race.
        for (const [index, role] of configuration.roles.entries()) {
          const proc: Running = {
            role,
            baseUrl: `http://127.0.0.1:${ports[index]!}`,
            itinera: startItinera({ ...env, PORT: String(ports[index]!), ITINERA_ROLE: role }),
          };
          processes.push(proc);
          live.add(proc);
          await waitUntilReady(`${proc.baseUrl}/ready`, proc.itinera);
        }
        const startSeconds = (performance.now() - spawnStarted) / 1000;
        const api = processes.filter((proc) => proc.role !== 'worker');

        const outboxLeft = () => db.collection('outbox').countDocuments();
        /** Polls until the outbox is empty; the instant it was first seen empty, or undefined on timeout. */
        const outboxEmpty = async (timeoutMs: number): Promise<number | undefined> => {
          const deadline = Date.now() + timeoutMs;
          while (Date.now() < deadline) {
            if ((await outboxLeft().catch(() => -1)) === 0) return performance.now();
            await new Promise((resolve) => setTimeout(resolve, OUTBOX_POLL_MS));
          }
          return undefined;
        };

        // Warm-up: every API process's connections, JIT and geo-IP database; applied before the clock starts.
        for (const [index, proc] of api.entries()) await postBatch(proc, batchOf(index, 'warm'));
        const warmEvents = api.length * BATCH_SIZE;
        if ((await outboxEmpty(120_000)) === undefined)
          throw new Error(`${configuration.name}: the warm-up batches were not applied within 120 s`);

        const refusedBefore = refusals.count;
        const connectionErrorsBefore = connectionErrors.count;
        let slowestRequestMs = 0;
        let next = 0;
        let done = 0;
        const started = performance.now();
        await inParallel(CLIENTS, async () => {
          for (let b = next++; b < batches; b = next++) {
            slowestRequestMs = Math.max(slowestRequestMs, await postBatch(api[b % api.length]!, batchOf(b, 'shop')));
            if (++done % Math.max(1, Math.floor(batches / 4)) === 0)
              log(
                `${configuration.name}: ${done * BATCH_SIZE} events acknowledged, ${Math.round((done * BATCH_SIZE) / ((performance.now() - started) / 1000))}/s`,
              );
          }
        });
        const acknowledged = performance.now();
        const emptyAt = await outboxEmpty(APPLY_TIMEOUT_MS);
        const acknowledgedSeconds = (acknowledged - started) / 1000;
        const appliedSeconds = emptyAt === undefined ? Number.POSITIVE_INFINITY : (emptyAt - started) / 1000;
        const rss = await Promise.all(processes.map((proc) => rssOf(proc.itinera.child.pid!)));

        const storedEvents = await db.collection('events').countDocuments();
        const left = await outboxLeft();
        const profiles = await db.collection('profiles').countDocuments();
        const expectedEvents = events + warmEvents;
        const complete = emptyAt !== undefined && left === 0 && storedEvents === expectedEvents;
        log(
          `${configuration.name}: slowest request ${Math.round(slowestRequestMs)} ms, ${connectionErrors.count - connectionErrorsBefore} sent again after a connection error, ${refusals.count - refusedBefore} after a 503`,
        );
        log(
          `${configuration.name}: acknowledged ${Math.round(events / acknowledgedSeconds)}/s, applied ${emptyAt === undefined ? 'NOT within the timeout' : `${Math.round(events / appliedSeconds)}/s`}; events stored ${storedEvents}/${expectedEvents}, outbox ${left}, profiles ${profiles}`,
        );

        const exitCodes = [];
        for (const proc of processes) {
          exitCodes.push(await stopProcess(proc));
          live.delete(proc);
        }
        measured.push({
          name: configuration.name,
          roles: configuration.roles,
          apiProcesses: api.length,
          acknowledgedSeconds: round2(acknowledgedSeconds),
          acknowledgedPerSecond: Math.round(events / acknowledgedSeconds),
          appliedSeconds: round2(appliedSeconds),
          appliedPerSecond: emptyAt === undefined ? 0 : Math.round(events / appliedSeconds),
          refusedWith503: refusals.count - refusedBefore,
          connectionErrors: connectionErrors.count - connectionErrorsBefore,
          slowestRequestMs: Math.round(slowestRequestMs),
          storedEvents,
          expectedEvents,
          outboxLeft: left,
          profiles,
          complete,
          rssMbAfter: Math.round(rss.reduce((sum, bytes) => sum + bytes, 0) / 2 ** 20),
          loggedWarnings: processes.reduce((sum, proc) => sum + proc.itinera.logged.warnings, 0),
          loggedErrors: processes.reduce((sum, proc) => sum + proc.itinera.logged.errors, 0),
          exitCodes,
          startSeconds: round2(startSeconds),
        });
      } catch (error) {
        for (const proc of processes)
          log(
            `${configuration.name}: ${proc.role} at ${proc.baseUrl} said (the last 3,000 characters):\n${proc.itinera.output().slice(-3000)}`,
          );
        throw error;
      } finally {
        for (const proc of processes) {
          if (live.has(proc)) {
            await stopProcess(proc).catch(() => undefined);
            live.delete(proc);
          }
        }
        await db.dropDatabase().catch(() => undefined);
      }
    }

    log(`raw insertMany of ${events} events (baseline, after)`);
    const rawAfter = await rawInsertRate(mongo, events);
    log(`raw insertMany: ${Math.round(rawAfter)} events/s`);
    const raw = (rawBefore + rawAfter) / 2;
    const single = measured[0]!;
    const configurations = measured.map((figures) => ({
      ...figures,
      acknowledgedRatioToAll: round2(figures.acknowledgedPerSecond / single.acknowledgedPerSecond),
      appliedRatioToAll: single.appliedPerSecond > 0 ? round2(figures.appliedPerSecond / single.appliedPerSecond) : 0,
      acknowledgedRatioToRaw: round2(figures.acknowledgedPerSecond / raw),
      appliedRatioToRaw: round2(figures.appliedPerSecond / raw),
    }));
    return {
      events,
      batchSize: BATCH_SIZE,
      clients: CLIENTS,
      people: PEOPLE,
      rawInsertManyPerSecond: Math.round(raw),
      rawInsertManyPerSecondBefore: Math.round(rawBefore),
      rawInsertManyPerSecondAfter: Math.round(rawAfter),
      configurations,
      servers: embedded,
      cores: availableParallelism(),
      loadAverageAtStart,
      loadAverageAtEnd: round2(loadavg()[0]!),
      seconds: Math.round((performance.now() - benchStarted) / 1000),
      meetsTarget: configurations.every((figures) => figures.complete),
    };
  } finally {
    await cleanup();
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const f = await runProcessesBench();
  console.log(JSON.stringify(f, null, 2));
  const n = (value: number) => value.toLocaleString('en-US');
  const rows = [
    ['configuration', 'acknowledged/s', '× all', '× raw', 'applied/s', '× all', '× raw', 'complete'],
    ...f.configurations.map((c) => [
      c.name,
      n(c.acknowledgedPerSecond),
      String(c.acknowledgedRatioToAll),
      String(c.acknowledgedRatioToRaw),
      n(c.appliedPerSecond),
      String(c.appliedRatioToAll),
      String(c.appliedRatioToRaw),
      c.complete ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log(
    rows
      .map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '))
      .join('\n'),
  );
  console.log(
    `${n(f.events)} events per configuration (batches of ${f.batchSize}, ${f.clients} clients, ${n(f.people)} people) on ${f.servers} servers; raw insertMany ${n(f.rawInsertManyPerSecond)} events/s (${n(f.rawInsertManyPerSecondBefore)} before, ${n(f.rawInsertManyPerSecondAfter)} after); ${f.cores} cores, load average ${f.loadAverageAtStart} at the start, ${f.loadAverageAtEnd} at the end; ${f.seconds} s`,
  );
  console.log(
    `no throughput target (on the embedded FerretDB every process shares one SQLite writer); ${f.meetsTarget ? 'meets target: every configuration applied every event, once (outbox empty)' : 'BELOW target: a configuration did not apply everything it acknowledged (see complete above)'}`,
  );
  if (!f.meetsTarget) process.exitCode = 1;
}
