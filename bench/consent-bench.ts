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
import { pathToFileURL } from 'node:url';
import { consentReport } from './consent/report.js';
import { runConsentBench } from './consent/run.js';

export { runConsentBench };
export type { ConsentBenchFigures, MemoryFigures } from './consent/figures.js';

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const f = await runConsentBench();
  console.log(JSON.stringify(f, null, 2));
  console.log(consentReport(f));
  if (!f.complete) process.exitCode = 1;
}
