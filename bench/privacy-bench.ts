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
import { pathToFileURL } from 'node:url';
import { runPrivacyBench } from './privacy/run.js';

export { runPrivacyBench };

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runPrivacyBench();
  console.log(JSON.stringify(figures, null, 2));
  const failed = figures.checks.filter((c) => !c.ok);
  console.log(figures.passed ? `all ${figures.checks.length} checks passed` : `FAILED: ${failed.map((c) => c.name).join('; ')}`);
  if (!figures.passed) process.exitCode = 1;
}
