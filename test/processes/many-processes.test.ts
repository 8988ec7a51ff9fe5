/**
 * Itinera as several real processes (`npm start`'s entry point, each its own Node process)
 * on one database and one Temporal, as a shop scales out: two `api` processes and a
 * `worker`, then three `all`. 100 people browse anonymously, sign up, identify (merging
 * the anonymous profile into the known one, with the consent their banner gave), place 20
 * orders sent at once round-robin through every process that serves the API, and start a
 * journey that tags them and sends an e-mail. Midway one process is SIGKILLed and started
 * again. Afterwards every counter is exact, every merge kept every write, each trigger
 * started one run, each e-mail reached the person once, and a read on any process showed
 * every event acknowledged before it by another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, startTemporalDevServer } from '../../src/infra/embedded.js';
import { freePorts } from '../../src/infra/process.js';
import { ensureFerretDb, ensureTemporalCli } from '../../src/infra/provision.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, request, send } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { eventually } from '../support/eventually.js';

const PEOPLE = 100;
const ORDERS = 20;
/** People in flight at once. */
const CONCURRENCY = 10;

const RULES = `
consent email_marketing "E-mail marketing" {
  categories "Marketing"
}

journey welcome "Welcome on the first trial" {
  when performed "Trial Started"
  requires consent email_marketing
  reentry never
  tag "welcomed"
  send email "welcome"
}
`;

type Role = 'all' | 'api' | 'worker';

interface ItineraProcess {
  role: Role;
  baseUrl: string;
  child: ChildProcess;
  output: string[];
  /** Starts it again with the same settings (after a kill). */
  restart(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

let sink: SmtpSink;
/**
 * Servers of this file's own (a FerretDB and a Temporal dev server), not the run's shared
 * ones: the processes here are killed mid-request, and a FerretDB that fails here (it
 * once did, when a database was dropped under running processes: see scaleOut) must not
 * fail every file after this one. Their logs are kept (the path is printed) when
 * FerretDB is found dead at the end.
 */
let servers: { mongoUri: string; temporalAddress: string; dataDir: string; stop(): Promise<void> };
beforeAll(async () => {
  sink = await startSmtpSink();
  const dataDir = await mkdtemp(join(tmpdir(), 'itinera-procs-'));
  const [ferretPort, temporalPort, httpPort, metricsPort] = await freePorts(4);
  const progress = () => undefined;
  const ferret = await startFerretDb({ binary: await ensureFerretDb(progress), dataDir, port: ferretPort! });
  const temporal = await startTemporalDevServer({
    binary: await ensureTemporalCli(progress),
    dataDir,
    port: temporalPort!,
    httpPort,
    metricsPort,
    uiPort: 0,
    headless: true,
    namespace: 'default',
  });
  servers = {
    mongoUri: `mongodb://127.0.0.1:${ferretPort}/`,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    dataDir,
    async stop() {
      await Promise.all([ferret.stop(), temporal.stop()]);
    },
  };
}, 300_000);
afterAll(async () => {
  await sink?.close();
  if (!servers) return;
  const client = new MongoClient(servers.mongoUri, { serverSelectionTimeoutMS: 5000 });
  const alive = await client
    .connect()
    .then(() => client.db('admin').command({ ping: 1 }))
    .then(
      () => true,
      () => false,
    );
  await client.close();
  await servers.stop();
  if (alive) await rm(servers.dataDir, { recursive: true, force: true });
  else console.error(`the FerretDB of test/processes stopped answering; its log: ${join(servers.dataDir, 'logs', 'ferretdb.log')}`);
});

async function startProcess(role: Role, port: number, shared: Record<string, string>): Promise<ItineraProcess> {
  const env = {
    ...process.env,
    ...shared,
    PORT: String(port),
    ITINERA_ROLE: role,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  };
  const proc: ItineraProcess = {
    role,
    baseUrl: `http://127.0.0.1:${port}`,
    child: undefined as unknown as ChildProcess,
    output: [],
    async restart() {
      proc.child = spawn(process.execPath, ['scripts/start.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      proc.child.stdout!.on('data', (chunk: Buffer) => proc.output.push(chunk.toString()));
      proc.child.stderr!.on('data', (chunk: Buffer) => proc.output.push(chunk.toString()));
      if (process.env.ITINERA_PROCESS_LOGS)
        proc.child.stdout!.pipe(createWriteStream(`${process.env.ITINERA_PROCESS_LOGS}-${role}-${port}.log`, { flags: 'a' }));
      await eventually(async () => {
        if (proc.child.exitCode !== null) throw new Error(`itinera (${role}) exited with ${proc.child.exitCode}:\n${proc.output.join('')}`);
        const ready = await fetch(`${proc.baseUrl}/ready`).catch(() => null);
        return ready?.status === 200;
      }, 90_000).catch((error: Error) => {
        throw new Error(`${error.message}; itinera (${role}) said:\n${proc.output.join('').slice(-3000)}`);
      });
    },
    async kill(signal) {
      const exited = new Promise((resolve) => proc.child.once('exit', resolve));
      proc.child.kill(signal);
      await exited;
    },
  };
  await proc.restart();
  return proc;
}

/**
 * One scenario on its own database and task queue. `killed` is the index of the process
 * SIGKILLed when half the people are through.
 */
async function scaleOut(roles: Role[], killed: number) {
  const run = randomUUID().slice(0, 8);
  const shared = {
    MONGODB_URI: servers.mongoUri,
    MONGODB_DB: `t_procs_${run}`,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_TASK_QUEUE: `itinera-procs-${run}`,
    ITINERA_WRITE_KEY: WRITE_KEY,
    ITINERA_ADMIN_KEY: ADMIN_KEY,
    ITINERA_SMTP_URL: sink.url,
    ITINERA_MAIL_FROM: 'Shop <shop@example.org>',
    // A killed process's batches are taken over within seconds, not the default 30 s.
    ITINERA_OUTBOX_LEASE_MS: '3000',
    ITINERA_SWEEP_INTERVAL_MS: '500',
    // Reads wait as long as it takes on this loaded 2-core machine: the test is that they see everything, not how fast.
    ITINERA_READ_WAIT_MS: '60000',
  };
  const ports = await freePorts(roles.length);
  const processes: ItineraProcess[] = [];
  for (const [index, role] of roles.entries()) processes.push(await startProcess(role, ports[index]!, shared));
  try {
    const api = processes.filter((proc) => proc.role !== 'worker');
    const down = new Set<ItineraProcess>();
    let turn = 0;
    /** The next API process that is up, round-robin. */
    const next = () => {
      for (;;) {
        const proc = api[turn++ % api.length]!;
        if (!down.has(proc)) return proc;
      }
    };
    /**
     * Sends until a process acknowledges it: a request a killed process never answered is
     * sent again to another (the same messageId, so it is stored once).
     */
    const track = async (path: string, json: Record<string, unknown>) => {
      for (;;) {
        const proc = next();
        const answer = await send(proc.baseUrl, 'POST', path, { auth: basicAuth(WRITE_KEY), json }).catch(() => null);
        if (answer?.status === 200) return proc;
      }
    };
    const admin = { auth: bearer(ADMIN_KEY) };
    expect(
      (await send(api[0]!.baseUrl, 'PUT', '/v1/templates/welcome', { ...admin, json: { subject: 'Welcome', html: '<p>Welcome</p>' } }))
        .status,
    ).toBe(201);
    expect((await send(api[0]!.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);

    const staleReads: string[] = [];
    const person = async (i: number) => {
      const userId = `u-${run}-${i}`;
      const anonymousId = `a-${run}-${i}`;
      await track('/v1/track', { userId, event: 'Signed Up', messageId: `${userId}-signup` });
      for (let page = 0; page < 3; page++)
        await track('/v1/page', { anonymousId, name: 'Pricing', messageId: `${anonymousId}-page-${page}` });
      // The anonymous profile merges into the known one; the banner's consent rides along.
      await track('/v1/identify', {
        userId,
        anonymousId,
        traits: { email: `${userId}@example.org` },
        messageId: `${userId}-identify`,
        context: { consent: { categoryPreferences: { Marketing: true } } },
      });
      // Twenty orders at once, through every process, half under each identifier.
      const acknowledged = await Promise.all(
        Array.from({ length: ORDERS }, (_, n) =>
          track('/v1/track', {
            ...(n % 2 === 0 ? { userId } : { anonymousId }),
            event: 'Order Completed',
            properties: { revenue: n + 1 },
            messageId: `${userId}-order-${n}`,
          }),
        ),
      );
      // Read-your-writes across processes: a process that acknowledged none of the last orders still shows them all.
      const reader = api.find((proc) => !down.has(proc) && proc !== acknowledged.at(-1)) ?? next();
      const read = await request(reader.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin).catch(() => null);
      if (read && read.status === 200 && read.body.counters?.['Order Completed']?.count !== ORDERS) {
        staleReads.push(
          `${userId}: ${JSON.stringify(read.body.counters?.['Order Completed'])}, behind: ${read.headers.get('itinera-behind-events')}`,
        );
      }
      await track('/v1/track', { userId, event: 'Trial Started', messageId: `${userId}-trial` });
    };

    let started = 0;
    const worker = async () => {
      for (let i = started++; i < PEOPLE; i = started++) {
        await person(i);
        if (i === PEOPLE / 2) {
          // Midway, with other people's requests in flight: the process dies at once, then comes back.
          const victim = processes[killed]!;
          down.add(victim);
          await victim.kill('SIGKILL');
          await victim.restart();
          down.delete(victim);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    // Everything acknowledged is applied and dispatched: the killed process's batches too, by a sweeper.
    const reader = api[0]!;
    const readAll = () =>
      Promise.all(
        Array.from(
          { length: PEOPLE },
          async (_, i) => (await send(reader.baseUrl, 'GET', `/v1/profiles/lookup?userId=u-${run}-${i}`, admin)).body,
        ),
      );
    await eventually(async () => (await readAll()).every((profile) => profile.tags?.includes('welcomed')), 120_000).catch(() => undefined);
    const profiles = await readAll();
    const exact = profiles.filter((profile, i) => {
      const counters = profile.counters ?? {};
      return (
        counters['Order Completed']?.count === ORDERS &&
        counters['Order Completed']?.sum?.revenue === (ORDERS * (ORDERS + 1)) / 2 &&
        counters['Page Viewed']?.count === 3 &&
        counters['Signed Up']?.count === 1 &&
        counters['Trial Started']?.count === 1 &&
        profile.identities?.anonymousId?.includes(`a-${run}-${i}`) &&
        profile.consents?.email_marketing?.state === 'granted' &&
        profile.journeyHistory?.length === 1 &&
        profile.journeyHistory[0].entries === 1 &&
        profile.tags?.includes('welcomed')
      );
    });
    expect(
      profiles.length - exact.length,
      JSON.stringify(
        profiles.find((profile) => !exact.includes(profile)),
        null,
        1,
      ),
    ).toBe(0);
    expect(staleReads).toEqual([]);
    // Each trigger started one run, and each person got the e-mail once (a resend after the
    // kill carries the same Message-ID: the mailbox shows it once).
    await eventually(async () =>
      Array.from({ length: PEOPLE }, (_, i) => sink.mailbox(`u-${run}-${i}@example.org`).length).every((count) => count >= 1),
    );
    const mails = Array.from({ length: PEOPLE }, (_, i) => sink.mailbox(`u-${run}-${i}@example.org`).length);
    expect(mails.filter((count) => count !== 1)).toEqual([]);
    // Nothing left owed: every batch, the killed process's too, was applied, dispatched and closed.
    const database = new MongoClient(servers.mongoUri);
    await database.connect();
    try {
      await eventually(async () => (await database.db(shared.MONGODB_DB).collection('outbox').countDocuments()) === 0, 60_000);
    } finally {
      await database.close();
    }
  } finally {
    await Promise.all(processes.map((proc) => (proc.child.exitCode === null ? proc.kill('SIGTERM') : undefined)));
  }
  // Dropped only once no process reads it: FerretDB v1 deletes a dropped database's SQLite
  // files under connections still reading them, and crashed (SIGBUS) when this test dropped
  // it with its processes running.
  const database = new MongoClient(servers.mongoUri);
  await database.connect();
  await database.db(shared.MONGODB_DB).dropDatabase();
  await database.close();
}

describe('several Itinera processes on one database and one Temporal', () => {
  it('two api processes and a worker, an api process SIGKILLed midway: every count exact, every e-mail once', async () => {
    await scaleOut(['api', 'api', 'worker'], 1);
  }, 600_000);

  it('three processes running everything, one SIGKILLed midway: every count exact, every e-mail once', async () => {
    await scaleOut(['all', 'all', 'all'], 1);
  }, 600_000);
});
