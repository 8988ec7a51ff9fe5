/**
 * Privacy benchmark: the export (art. 15/20) and the erasure (art. 17) of a person with
 * 10,000 events, beside a person with 10, on `npm start` as users run it (the compiled
 * build, embedded FerretDB and Temporal dev server on free ports, a fresh data directory,
 * npm start's defaults), in a database that has grown first:
 *
 *   1. grows it through /v1/batch, 8 clients of 100-message batches:
 *      PRIVACY_BENCH_SEED_EVENTS messages (default 50,000) of PRIVACY_BENCH_SEED_PEOPLE
 *      other people (default 5,000; an identify each, then a shop's views, carts and
 *      orders), until applied (the outbox empty);
 *   2. the two subjects, through /v1/batch too: a heavy person (an identify with an e-mail
 *      address and traits, then PRIVACY_BENCH_EVENTS tracks, default 10,000) and a light one
 *      (an identify, then PRIVACY_BENCH_LIGHT_EVENTS tracks, default 10), until applied;
 *   3. export, light then heavy: `POST /v1/privacy/exports {userId}`, polled until
 *      `completed` with a `downloadUrl`; the link fetched once, streamed, its bytes counted;
 *      the bundle parsed (its shape, its events: the heavy one must hold them all) and the
 *      link fetched again (it must answer 410). One export of a seed person goes first,
 *      not measured, so that the light one does not pay for the first export workflow;
 *   4. erasure (after such a warm-up too), light then heavy: `POST /v1/privacy/erasures {userId}`, polled until
 *      `completed`, with when each step finished and what was removed; then the person must
 *      be gone (lookup by userId and by e-mail 404), and a new event with their userId must
 *      be accepted (200) yet, once applied, not bring them back (suppression);
 *   5. the resident memory of the process running dist/main.js (and of FerretDB and the
 *      Temporal dev server), sampled every 250 ms: before the exports, the peak during the
 *      exports, the peak during the erasures, and after.
 *
 * It prints one JSON object of figures, with the heavy person's times over the light one's
 * (the baseline, measured in the same run), and exits 1 when a check of 3 or 4 failed.
 * Waiting for anything gives up after PRIVACY_BENCH_TIMEOUT_MS (default 30 min). It stops
 * the server it started (SIGINT, as Ctrl+C) and removes its data directory, also when it
 * fails; LOG_LEVEL (default warn) is npm start's.
 *
 *   npx tsx bench/privacy-bench.ts             (or: npm run bench -- privacy)
 *   PRIVACY_BENCH_SEED_EVENTS=2000 PRIVACY_BENCH_SEED_PEOPLE=200 PRIVACY_BENCH_EVENTS=1000 npx tsx bench/privacy-bench.ts   (a quick check)
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig } from '../src/config.js';
import { embeddedStartEnv, type EmbeddedPorts } from '../src/infra/embedded.js';
import { freePort } from '../src/infra/process.js';
import { COLLECTIONS } from '../src/store/collections.js';
import { fetchRetrying, refusals } from './http.js';
import { rssOf, serverPids, startItinera, stopItinera, waitUntilReady, type Itinera } from './npm-start.js';

const BATCH = 100;
const CLIENTS = 8;
const SAMPLE_EVERY_MS = 250;
const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const PLANS = ['free', 'pro', 'team', 'enterprise'];

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number > 0`);
  return value;
};
const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;
const mb = (bytes: number) => round(bytes / 1024 / 1024);
const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const log = (message: string) => console.error(`[privacy bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
let interrupted = false;

/** Samples processes' RSS every 250 ms; `reset` starts a new peak window from a fresh sample, which it returns. */
class MemorySampler {
  private peaks: Record<string, number> = {};
  private sampling: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: Record<string, number>) {
    this.timer = setInterval(() => {
      this.sampling = this.sample();
    }, SAMPLE_EVERY_MS);
  }

  async sample(): Promise<Record<string, number>> {
    const now: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      now[name] = await rssOf(pid);
      this.peaks[name] = Math.max(this.peaks[name] ?? 0, now[name]);
    }
    return now;
  }

  async reset(): Promise<Record<string, number>> {
    await this.sampling;
    this.peaks = {};
    return this.sample();
  }

  /** The peak of the window so far, in MB per process (a last sample included). */
  async peakMb(): Promise<Record<string, number>> {
    await this.sampling;
    await this.sample();
    return Object.fromEntries(Object.entries(this.peaks).map(([name, bytes]) => [name, mb(bytes)]));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const inMb = (sample: Record<string, number>) => Object.fromEntries(Object.entries(sample).map(([name, bytes]) => [name, mb(bytes)]));

/** A message of the grown database: each person's first is an identify with traits, the rest a shop's traffic. */
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
  return { type: 'track', ...common, ...shopEvent(i) };
}

function shopEvent(i: number) {
  const kind = i % 10;
  const event = kind < 6 ? 'Product Viewed' : kind < 9 ? 'Product Added' : 'Order Completed';
  return {
    event,
    properties: {
      sku: `sku-${i % 300}`,
      name: `Product ${i % 300}`,
      category: ['shoes', 'shirts', 'bags'][i % 3],
      price: 10 + (i % 90),
      url: `https://shop.example.com/products/sku-${i % 300}`,
      ...(event === 'Order Completed' ? { orderId: `order-${i}`, revenue: 25 + (i % 200), currency: 'EUR' } : {}),
    },
  };
}

interface Subject {
  name: 'light' | 'heavy';
  userId: string;
  email: string;
  tracks: number;
}

/** A subject's messages: an identify first (its own batch, sent before the rest), then its tracks. */
function subjectMessages(subject: Subject) {
  const context = { locale: 'pl-PL', userAgent: USER_AGENT, ip: '83.12.40.7' };
  const identify = {
    type: 'identify',
    userId: subject.userId,
    messageId: `${subject.name}-identify`,
    context,
    traits: {
      email: subject.email,
      firstName: 'Ada',
      lastName: subject.name === 'heavy' ? 'Heavy' : 'Light',
      plan: 'pro',
      city: 'Kraków',
      newsletter: true,
    },
  };
  const started = Date.now() - subject.tracks * 1000;
  const tracks = Array.from({ length: subject.tracks }, (_, i) => ({
    type: 'track',
    userId: subject.userId,
    messageId: `${subject.name}-${i}`,
    context,
    timestamp: new Date(started + i * 1000).toISOString(),
    ...shopEvent(i),
  }));
  return { identify, tracks };
}

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export async function runPrivacyBench() {
  const seedEvents = envNumber('PRIVACY_BENCH_SEED_EVENTS', 50_000);
  const seedPeople = Math.min(seedEvents, envNumber('PRIVACY_BENCH_SEED_PEOPLE', 5_000));
  const heavyEvents = envNumber('PRIVACY_BENCH_EVENTS', 10_000);
  const lightEvents = envNumber('PRIVACY_BENCH_LIGHT_EVENTS', 10);
  const timeoutMs = envNumber('PRIVACY_BENCH_TIMEOUT_MS', 30 * 60_000);
  const loadAverage = round(loadavg()[0]!, 2);
  const benchStarted = performance.now();

  const dataDir = await mkdtemp(join(tmpdir(), 'itinera-privacy-bench-'));
  const ports: EmbeddedPorts = { api: await freePort(), temporal: await freePort(), ui: await freePort(), ferret: await freePort() };
  const env = embeddedStartEnv(ports, dataDir);
  const config = loadConfig(env);
  const baseUrl = `http://127.0.0.1:${ports.api}`;
  const writeAuth = `Basic ${Buffer.from(`${config.writeKey}:`).toString('base64')}`;
  const adminAuth = `Bearer ${config.adminKey}`;

  let itinera: Itinera | undefined;
  let mongo: MongoClient | undefined;
  let sampler: MemorySampler | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      sampler?.stop();
      await mongo?.close().catch(() => undefined);
      if (itinera) {
        log('stopping npm start (SIGINT)');
        log(`npm start exited (${await stopItinera(itinera.child)})`);
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

  /** A JSON request; the status and the parsed body (null when it is not JSON). */
  const request = async (method: string, path: string, body?: unknown, authorization = adminAuth) => {
    const response = await fetchRetrying(`${baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    return { status: response.status, json, text };
  };
  const expect = async (status: number, method: string, path: string, body?: unknown, authorization = adminAuth) => {
    const answer = await request(method, path, body, authorization);
    if (answer.status !== status)
      throw new Error(`${method} ${path} answered ${answer.status}, not ${status}: ${answer.text.slice(0, 500)}`);
    return answer.json ?? {};
  };
  /** Messages through /v1/batch, CLIENTS at a time in batches of BATCH; the seconds until all were acknowledged. */
  const sendBatches = async (messages: unknown[], label: string) => {
    const started = performance.now();
    let next = 0;
    let sent = 0;
    let reported = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let from = next; from < messages.length && !interrupted; from = next) {
          next += BATCH;
          await expect(200, 'POST', '/v1/batch', { batch: messages.slice(from, from + BATCH) }, writeAuth);
          sent += Math.min(BATCH, messages.length - from);
          if (sent - reported >= Math.max(10_000, messages.length / 5) && sent < messages.length) {
            reported = sent;
            log(`${label}: ${sent}/${messages.length} acknowledged, ${Math.round(sent / ((performance.now() - started) / 1000))}/s`);
          }
        }
      }),
    );
    return (performance.now() - started) / 1000;
  };

  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail?: string) => {
    checks.push({ name, ok, ...(detail === undefined ? {} : { detail }) });
    log(`${ok ? 'ok' : 'FAILED'}: ${name}${detail === undefined ? '' : ` (${detail})`}`);
  };

  try {
    log(`npm start in ${dataDir} (API ${ports.api}, Temporal ${ports.temporal}, FerretDB ${ports.ferret})`);
    itinera = startItinera(env);
    await waitUntilReady(`${baseUrl}/ready`, itinera);
    const pid = itinera.child.pid!;
    const pids = { itinera: pid, ...serverPids(dataDir) };
    sampler = new MemorySampler(pids);
    log(
      `ready after ${Math.round(performance.now() - benchStarted)} ms (${Object.entries(pids)
        .map(([name, p]) => `${name} pid ${p}`)
        .join(', ')})`,
    );

    mongo = new MongoClient(`mongodb://127.0.0.1:${ports.ferret}/`, { maxPoolSize: 2 });
    const db: Db = mongo.db(config.mongo.dbName);
    /** Until every accepted message is applied and dispatched (the outbox empty); seconds from `since`. */
    const applied = async (since: number, what: string) => {
      const deadline = Date.now() + timeoutMs;
      while ((await db.collection(COLLECTIONS.outbox).countDocuments({}, { limit: 1 })) > 0) {
        if (Date.now() > deadline) throw new Error(`${what}: the outbox was not empty after ${timeoutMs} ms`);
        await delay(250);
      }
      return (performance.now() - since) / 1000;
    };

    // 1. The grown database.
    log(`seed: ${seedEvents} messages of ${seedPeople} people through /v1/batch`);
    const seedStarted = performance.now();
    const seedAcked = await sendBatches(
      Array.from({ length: seedEvents }, (_, i) => seedMessage(i, seedPeople)),
      'seed',
    );
    const seedApplied = await applied(seedStarted, 'seed');
    const seed = {
      events: seedEvents,
      people: seedPeople,
      ackedPerSecond: Math.round(seedEvents / seedAcked),
      appliedSeconds: round(seedApplied),
      appliedPerSecond: Math.round(seedEvents / seedApplied),
    };
    log(`seed: ${JSON.stringify(seed)}`);

    // 2. The two subjects.
    const subjects: Subject[] = [
      { name: 'light', userId: 'privacy-light', email: 'ada.light@privacy-bench.example', tracks: lightEvents },
      { name: 'heavy', userId: 'privacy-heavy', email: 'ada.heavy@privacy-bench.example', tracks: heavyEvents },
    ];
    const subjectsStarted = performance.now();
    for (const subject of subjects) {
      const { identify, tracks } = subjectMessages(subject);
      await expect(200, 'POST', '/v1/batch', { batch: [identify] }, writeAuth);
      await applied(performance.now(), `${subject.name} identify`);
      await sendBatches(tracks, `${subject.name} person`);
    }
    const subjectsApplied = await applied(subjectsStarted, 'subjects');
    const profileIds: Record<string, string> = {};
    for (const subject of subjects) {
      const profile = await expect(200, 'GET', `/v1/profiles/lookup?userId=${encodeURIComponent(subject.userId)}`);
      profileIds[subject.name] = String(profile.id);
    }
    log(`subjects applied in ${round(subjectsApplied)} s: ${JSON.stringify(profileIds)}`);

    /** Polls a request's status until `done` holds; the last status. */
    const follow = async (path: string, first: Record<string, unknown>, done: (status: Record<string, unknown>) => boolean) => {
      const deadline = Date.now() + timeoutMs;
      const started = performance.now();
      let status = first;
      let polls = 0;
      while (!done(status)) {
        if (Date.now() > deadline) throw new Error(`${path}: not done after ${timeoutMs} ms (${JSON.stringify(status)})`);
        await delay(performance.now() - started < 4000 ? 50 : 200);
        status = await expect(200, 'GET', path);
        polls++;
      }
      return { status, polls };
    };
    const exportDone = (status: Record<string, unknown>) =>
      (status.status === 'completed' && (typeof status.downloadUrl === 'string' || status.found === false)) || status.status === 'failed';
    const erasureDone = (status: Record<string, unknown>) => status.status === 'completed' || status.status === 'failed';
    /** The download link on the address this bench knows (the link names the server as it was reached). */
    const onBase = (url: string) => {
      const link = new URL(url);
      return `${baseUrl}${link.pathname}${link.search}`;
    };

    // Warm-up, not measured: one export (downloaded) and, before the erasures, one erasure of a
    // seed person, so that neither subject pays for the first workflow of its kind.
    const warmUpUserId = 'seed-u1';
    {
      const opened = await expect(202, 'POST', '/v1/privacy/exports', { userId: warmUpUserId });
      const { status } = await follow(`/v1/privacy/exports/${String(opened.id)}`, opened, exportDone);
      if (typeof status.downloadUrl === 'string') await (await fetch(onBase(status.downloadUrl))).arrayBuffer();
      log(`warm-up export of ${warmUpUserId}: ${String(status.status)}, ${String(status.events)} events`);
    }

    // 3. Exports.
    const rssBefore = inMb(await sampler.reset());
    const exports: Record<string, Record<string, unknown>> = {};
    for (const subject of subjects) {
      const posted = performance.now();
      const opened = await expect(202, 'POST', '/v1/privacy/exports', { userId: subject.userId, reason: 'privacy bench' });
      const id = String(opened.id);
      const { status, polls } = await follow(`/v1/privacy/exports/${id}`, opened, exportDone);
      const readyMs = performance.now() - posted;
      check(
        `${subject.name} export completed with a download link`,
        typeof status.downloadUrl === 'string',
        `status ${String(status.status)}, found ${String(status.found)}`,
      );
      if (typeof status.downloadUrl !== 'string') continue;
      const downloadUrl = onBase(status.downloadUrl);

      const downloadStarted = performance.now();
      const response = await fetch(downloadUrl);
      const headersMs = performance.now() - downloadStarted;
      let bytes = 0;
      let firstByteMs: number | undefined;
      const parts: Buffer[] = [];
      if (response.body) {
        for await (const chunk of response.body) {
          firstByteMs ??= performance.now() - downloadStarted;
          const part = Buffer.from(chunk as Uint8Array);
          bytes += part.length;
          parts.push(part);
        }
      }
      const downloadMs = performance.now() - downloadStarted;
      check(`${subject.name} download answered 200`, response.status === 200, `status ${response.status}`);
      check(
        `${subject.name} download is as many bytes as the status said`,
        bytes === status.bytes && String(bytes) === response.headers.get('content-length'),
        `${bytes} bytes, status ${String(status.bytes)}, Content-Length ${String(response.headers.get('content-length'))}`,
      );

      let bundleEvents = -1;
      let parseMs = 0;
      try {
        const parseStarted = performance.now();
        const bundle = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
          type?: unknown;
          version?: unknown;
          requestId?: unknown;
          profile?: { id?: unknown };
          identifiers?: { kind: string; value: string }[];
          events?: { profileId?: unknown; userId?: unknown }[];
        };
        parseMs = performance.now() - parseStarted;
        bundleEvents = Array.isArray(bundle.events) ? bundle.events.length : -1;
        const shapeOk =
          bundle.type === 'itinera.export' &&
          bundle.version === 1 &&
          bundle.requestId === id &&
          bundle.profile?.id === profileIds[subject.name] &&
          Array.isArray(bundle.identifiers) &&
          bundle.identifiers.some(({ kind, value }) => kind === 'userId' && value === subject.userId) &&
          bundle.identifiers.some(({ kind, value }) => kind === 'email' && value === subject.email);
        check(`${subject.name} bundle is an itinera.export of the person with their identifiers`, shapeOk);
        const ownEvents = (bundle.events ?? []).filter(
          (event) => event.profileId === profileIds[subject.name] && event.userId === subject.userId,
        ).length;
        check(
          `${subject.name} bundle holds their ${subject.tracks}+ events, all theirs, as many as the status said`,
          bundleEvents >= subject.tracks && ownEvents === bundleEvents && bundleEvents === status.events,
          `${bundleEvents} in the bundle (${ownEvents} theirs), status ${String(status.events)}`,
        );
      } catch (error) {
        check(`${subject.name} bundle is JSON`, false, String(error).slice(0, 300));
      }
      parts.length = 0;

      const again = await fetch(downloadUrl);
      const againBody = await again.text();
      check(`${subject.name} second download answers 410`, again.status === 410, `${again.status} ${againBody.slice(0, 200)}`);
      const after = await expect(200, 'GET', `/v1/privacy/exports/${id}`);
      check(`${subject.name} export no longer offers a link`, after.downloadUrl === undefined && after.downloadedAt !== undefined);

      const serverMs = Date.parse(String(status.updatedAt)) - Date.parse(String(status.createdAt));
      exports[subject.name] = {
        id,
        readyMs: Math.round(readyMs),
        /** createdAt → updatedAt of the request: the workflow's start and the build, without the bench's polling. */
        serverBuildMs: serverMs,
        polls,
        downloadMs: Math.round(downloadMs),
        downloadHeadersMs: Math.round(headersMs),
        downloadFirstByteMs: Math.round(firstByteMs ?? downloadMs),
        bytes,
        mbPerSecondDownload: round(bytes / 1024 / 1024 / (downloadMs / 1000), 2),
        eventsInStatus: status.events,
        eventsInBundle: bundleEvents,
        parseMs: Math.round(parseMs),
      };
      log(`${subject.name} export: ${JSON.stringify(exports[subject.name])}`);
    }
    const rssExportPeak = await sampler.peakMb();

    // 4. Erasures.
    {
      const opened = await expect(202, 'POST', '/v1/privacy/erasures', { userId: warmUpUserId });
      const { status } = await follow(`/v1/privacy/erasures/${String(opened.id)}`, opened, erasureDone);
      log(`warm-up erasure of ${warmUpUserId}: ${String(status.status)}, ${JSON.stringify(status.removed)}`);
    }
    await sampler.reset();
    const erasures: Record<string, Record<string, unknown>> = {};
    for (const subject of subjects) {
      const posted = performance.now();
      const opened = await expect(202, 'POST', '/v1/privacy/erasures', { userId: subject.userId, reason: 'privacy bench' });
      const id = String(opened.id);
      const { status, polls } = await follow(`/v1/privacy/erasures/${id}`, opened, erasureDone);
      const completedMs = performance.now() - posted;
      check(`${subject.name} erasure completed`, status.status === 'completed', `status ${String(status.status)}`);
      const removed = (status.removed ?? {}) as Record<string, number>;
      check(
        `${subject.name} erasure removed the profile and ${subject.tracks}+ events`,
        removed.profiles === 1 && (removed.events ?? 0) >= subject.tracks,
        JSON.stringify(removed),
      );

      // When each step finished, from the request's creation (the server's clock), and how long each took.
      const createdAt = Date.parse(String(status.createdAt));
      const steps = (status.steps ?? {}) as Record<string, string>;
      const stepFinishedMs: Record<string, number> = {};
      const stepMs: Record<string, number> = {};
      let previous = createdAt;
      for (const [step, at] of Object.entries(steps).sort(([, a], [, b]) => Date.parse(a) - Date.parse(b))) {
        stepFinishedMs[step] = Date.parse(at) - createdAt;
        stepMs[step] = Date.parse(at) - previous;
        previous = Date.parse(at);
      }
      if (typeof status.completedAt === 'string') stepFinishedMs.completed = Date.parse(status.completedAt) - createdAt;

      const byUserId = await request('GET', `/v1/profiles/lookup?userId=${encodeURIComponent(subject.userId)}`);
      const byEmail = await request('GET', `/v1/profiles/lookup?email=${encodeURIComponent(subject.email)}`);
      const byId = await request('GET', `/v1/profiles/${encodeURIComponent(profileIds[subject.name]!)}`);
      check(
        `${subject.name} person is gone (lookup by userId, by e-mail and by id 404)`,
        byUserId.status === 404 && byEmail.status === 404 && byId.status === 404,
        `${byUserId.status}, ${byEmail.status}, ${byId.status}`,
      );

      const comeback = await request(
        'POST',
        '/v1/track',
        { userId: subject.userId, event: 'Product Viewed', messageId: `${subject.name}-after-erasure`, properties: { sku: 'sku-1' } },
        writeAuth,
      );
      check(`${subject.name} event after the erasure accepted`, comeback.status === 200, `status ${comeback.status}`);
      await applied(performance.now(), `${subject.name} event after the erasure`);
      const lookedUpAgain = await request('GET', `/v1/profiles/lookup?userId=${encodeURIComponent(subject.userId)}`);
      check(
        `${subject.name} event after the erasure did not bring the person back`,
        lookedUpAgain.status === 404,
        `lookup ${lookedUpAgain.status}`,
      );
      const suppressions = ((await expect(200, 'GET', '/v1/privacy/suppressions')).suppressions ?? []) as {
        requestId: string;
        kind: string;
        dropped: number;
      }[];
      const theirs = suppressions.filter((entry) => entry.requestId === id);

      erasures[subject.name] = {
        id,
        completedMs: Math.round(completedMs),
        /** createdAt → completedAt of the request, without the bench's polling. */
        serverMs: typeof status.completedAt === 'string' ? Date.parse(status.completedAt) - createdAt : null,
        polls,
        stepFinishedMs,
        stepMs,
        removed,
        suppressions: theirs.map(({ kind, dropped }) => ({ kind, dropped })),
      };
      log(`${subject.name} erasure: ${JSON.stringify(erasures[subject.name])}`);
    }
    const rssErasurePeak = await sampler.peakMb();
    const rssAfter = inMb(await sampler.sample());

    const ratio = (heavy: unknown, light: unknown) =>
      typeof heavy === 'number' && typeof light === 'number' && light > 0 ? round(heavy / light, 2) : null;
    const ratioOf = (figures: Record<string, Record<string, unknown>>, field: string) =>
      ratio(figures.heavy?.[field], figures.light?.[field]);
    const stepRatios = Object.fromEntries(
      Object.keys((erasures.heavy?.stepMs ?? {}) as Record<string, number>).map((step) => [
        step,
        ratio(
          (erasures.heavy!.stepMs as Record<string, number>)[step],
          (erasures.light?.stepMs as Record<string, number> | undefined)?.[step],
        ),
      ]),
    );
    return {
      database: { ...seed, subjects: { light: lightEvents, heavy: heavyEvents }, subjectsAppliedSeconds: round(subjectsApplied) },
      export: exports,
      erasure: erasures,
      heavyOverLight: {
        exportReady: ratioOf(exports, 'readyMs'),
        exportServerBuild: ratioOf(exports, 'serverBuildMs'),
        download: ratioOf(exports, 'downloadMs'),
        bytes: ratioOf(exports, 'bytes'),
        erasureCompleted: ratioOf(erasures, 'completedMs'),
        erasureServer: ratioOf(erasures, 'serverMs'),
        erasureSteps: stepRatios,
      },
      rssMb: {
        before: rssBefore,
        peakDuringExports: rssExportPeak,
        peakDuringErasures: rssErasurePeak,
        after: rssAfter,
        sampledEveryMs: SAMPLE_EVERY_MS,
      },
      itinera: { pid, loggedWarnings: itinera.logged.warnings, loggedErrors: itinera.logged.errors },
      refusedWith503: refusals.count,
      checks,
      passed: checks.length > 0 && checks.every((c) => c.ok),
      seconds: Math.round((performance.now() - benchStarted) / 1000),
      cores: availableParallelism(),
      loadAverage,
    };
  } catch (error) {
    if (itinera) log(`npm start's last output:\n${itinera.output().slice(-4000)}`);
    throw error;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runPrivacyBench();
  console.log(JSON.stringify(figures, null, 2));
  const failed = figures.checks.filter((c) => !c.ok);
  console.log(figures.passed ? `all ${figures.checks.length} checks passed` : `FAILED: ${failed.map((c) => c.name).join('; ')}`);
  if (!figures.passed) process.exitCode = 1;
}
