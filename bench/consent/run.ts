/**
 * The consent benchmark's run on `npm start` (see consent-bench.ts): starts it in a fresh
 * data directory, grows the database, sends the baseline's tracks and the grants, waits until
 * the grants are in place, takes what the servers hold afterwards, and stops it again.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { COLLECTIONS } from '../../src/store/collections.js';
import { serverPids } from '../npm-start.js';
import { withNpmStart } from '../npm-session.js';
import { mb, percentile, round, type ConsentBenchFigures, type MemoryFigures } from './figures.js';
import { grantBody, RULES, seedMessage, trackMessage, WORKFLOW_TYPE } from './messages.js';
import { filesUnder, LedgerWatch, MemorySampler, temporalLog } from './observe.js';
import { delay, interrupt, load, log, sender } from './traffic.js';

const TEMPORAL_COUNT_EVERY_MS = 5000;

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0`);
  return value;
};

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

  return withNpmStart(
    log,
    async ({ itinera, config, dataDir, ports, baseUrl, writeAuth: basic, db }) => {
      let connection: Connection | undefined;
      let sampler: MemorySampler | undefined;
      try {
        log(`ready after ${Math.round(performance.now() - benchStarted)} ms`);
        const pid = itinera.child.pid!;
        const servers = serverPids(dataDir);
        sampler = new MemorySampler({ itinera: pid, temporal: servers.temporal, ferretdb: servers.ferretdb });
        log(`itinera pid ${pid}, temporal ${servers.temporal}, ferretdb ${servers.ferretdb}`);

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
            if (pollErrors <= 20)
              log(`${what} failed (${pollErrors} so far), trying again at the next poll: ${String(error).split('\n')[0]}`);
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
            if (
              ackedAt !== undefined &&
              outboxAt === undefined &&
              (await polled('the outbox count', () => count(COLLECTIONS.outbox))) === 0
            )
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
        sampler?.stop();
        await connection?.close().catch(() => undefined);
      }
    },
    { name: 'consent', keepLogsIn: process.env.CONSENT_BENCH_KEEP_LOGS, onInterrupt: interrupt },
  );
}
