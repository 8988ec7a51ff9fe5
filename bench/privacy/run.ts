/**
 * The privacy benchmark's run on `npm start` (see privacy-bench.ts): starts it in a fresh
 * data directory, grows the database, sends the two subjects, exports and then erases each
 * with the memory sampled, and stops it again.
 */
import { availableParallelism, loadavg } from 'node:os';
import { COLLECTIONS } from '../../src/store/collections.js';
import { refusals } from '../http.js';
import { serverPids } from '../npm-start.js';
import { withNpmStart } from '../npm-session.js';
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

  return withNpmStart(
    log,
    async ({ itinera, dataDir, baseUrl, writeAuth, adminAuth, db }) => {
      let sampler: MemorySampler | undefined;
      try {
        const api = privacyApi(baseUrl, adminAuth, writeAuth, timeoutMs);
        const { expect, sendBatches } = api;

        const checks: Check[] = [];
        const check = (name: string, ok: boolean, detail?: string) => {
          checks.push({ name, ok, ...(detail === undefined ? {} : { detail }) });
          log(`${ok ? 'ok' : 'FAILED'}: ${name}${detail === undefined ? '' : ` (${detail})`}`);
        };

        const pid = itinera.child.pid!;
        const pids = { itinera: pid, ...serverPids(dataDir) };
        sampler = new MemorySampler(pids);
        log(
          `ready after ${Math.round(performance.now() - benchStarted)} ms (${Object.entries(pids)
            .map(([name, p]) => `${name} pid ${p}`)
            .join(', ')})`,
        );

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
      } finally {
        sampler?.stop();
      }
    },
    { name: 'privacy', onInterrupt: interrupt },
  );
}
