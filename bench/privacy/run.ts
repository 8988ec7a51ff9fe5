/**
 * The privacy benchmark's run on `npm start` (see privacy-bench.ts): starts it in a fresh
 * data directory, grows the database, sends the two subjects, exports and then erases each
 * with the memory sampled, and stops it again.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig } from '../../src/config.js';
import { embeddedStartEnv, type EmbeddedPorts } from '../../src/infra/embedded.js';
import { freePort } from '../../src/infra/process.js';
import { COLLECTIONS } from '../../src/store/collections.js';
import { refusals } from '../http.js';
import { serverPids, startItinera, stopItinera, waitUntilReady, type Itinera } from '../npm-start.js';
import { delay, interrupt, log, privacyApi } from './api.js';
import { measureErasures, warmUpErasure } from './erasures.js';
import { measureExports, warmUpExport } from './exports.js';
import { heavyOverLight, round, type Check } from './figures.js';
import { inMb, MemorySampler, SAMPLE_EVERY_MS } from './memory.js';
import { seedMessage, subjectMessages, type Subject } from './messages.js';

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number > 0`);
  return value;
};

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
    interrupt();
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

  const api = privacyApi(baseUrl, adminAuth, writeAuth, timeoutMs);
  const { expect, sendBatches } = api;

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

    // Warm-up, not measured: one export (downloaded) and, before the erasures, one erasure of a
    // seed person, so that neither subject pays for the first workflow of its kind.
    const warmUpUserId = 'seed-u1';
    await warmUpExport(api, warmUpUserId);

    // 3. Exports.
    const rssBefore = inMb(await sampler.reset());
    const exports = await measureExports(api, subjects, profileIds, check);
    const rssExportPeak = await sampler.peakMb();

    // 4. Erasures.
    await warmUpErasure(api, warmUpUserId);
    await sampler.reset();
    const erasures = await measureErasures(api, subjects, profileIds, check, applied);
    const rssErasurePeak = await sampler.peakMb();
    const rssAfter = inMb(await sampler.sample());
    return {
      database: { ...seed, subjects: { light: lightEvents, heavy: heavyEvents }, subjectsAppliedSeconds: round(subjectsApplied) },
      export: exports,
      erasure: erasures,
      heavyOverLight: heavyOverLight(exports, erasures),
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
