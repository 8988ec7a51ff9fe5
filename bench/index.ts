/**
 * `npm run bench`: every benchmark, each in a process of its own so that its peak memory
 * is its own. Each prints its figures as JSON and whether they meet its target.
 *
 *   npm run bench                 all of them
 *   npm run bench -- dsl ingest   only these
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = {
  dsl: 'compiles a generated 10,000-line rule program (target < 250 ms, < 200 MB)',
  enrich: 'enriches messages with device, locale and geo-IP traits',
  fuzz: 'schemathesis against every operation of /v1/openapi.json on a seeded database for FUZZ_SECONDS (default 150): no 5xx, no answer the document does not declare, nothing stored for a 4xx',
  import: 'parses and maps a generated 1,000,000-row profiles CSV, then imports 100,000 rows into the database',
  ingest: 'ingests through /v1/batch and /v1/track on real servers, beside raw insertMany (target ≥ 3,000 events/s)',
  consent:
    '100,000 expiring grants through POST /v1/consents on `npm start` (a lifecycle workflow each), beside /v1/track; what Temporal, FerretDB and the process hold afterwards (CONSENT_BENCH_GRANTS)',
  segments:
    "segments on a grown database (100,000 people, 1,000,000 events): a deploy's recompute (time, memory), ingest with 20 segments beside none, event → membership and window close → membership p50/p99, profile read p50/p99 (target < 20 ms), 80 segments on an empty database until ready (target < 1 s)",
  'ingest-segments':
    'ingest of 30,000 events through /v1/batch with 20 segments deployed beside none, in pairs taken back to back on a grown database (target ≥ 0.6, acknowledged and applied; INGEST_SEGMENTS_PROFILES, _STORED, _EVENTS, _PAIRS)',
  journeys:
    '2,000 people enter an e-mail drip at once on a grown database, beside the same drip written directly against the Temporal SDK (sends as regular and as local activities) on the same servers: runs admitted/s, event → first e-mail p50/p99, sends/s, ratios to the targets, memory (JOURNEYS_BENCH_PEOPLE, up to 10,000)',
  broadcasts:
    'one broadcast to 100,000 members of a segment: sends per second to a local SMTP sink against nodemailer straight to it (target ≥ 0.8), time to take the audience, memory (BROADCASTS_BENCH_PEOPLE)',
  privacy:
    'export and erasure of a person with 10,000 events beside one with 10, on `npm start` with a grown database (50,000 events): time to downloadable, download, bundle size, erasure steps, memory (PRIVACY_BENCH_EVENTS)',
  person:
    "one person's merge, export and erasure on `npm start`, on a near-empty database and again on a grown one (1,000,000 events), as ratios (target ≤ 1.25; export < 1 s); retention of 1,000 inactive people (< 60 s)",
  console:
    'the console on a grown database (100,000 people, 1,000,000 events): dashboard reads p50/p99 beside /health (target p99 < 100 ms), first screen in Chromium (< 1 s, < 400 KB compressed JS), diagnostics as you type on 2,000 lines (< 300 ms)',
  ferretdb:
    'the FerretDB patches on 100,000 documents: a guarded `{_id, version}` updateOne beside a bare `_id` one, p50/p99 (target ratio ≤ 1.5), and `$inc` on one document from 4 clients beside 1: ops/s and increments lost (target 0)',
  processes:
    'ingest through /v1/batch with one `all` process, then one, two and three `api` processes beside one `worker`, on the embedded servers: acknowledged and applied events/s, ratio to the single process (PROCESSES_BENCH_EVENTS)',
  cli: '`itinera check` as a whole process, 10,000 lines (target < 600 ms) and examples/ebook.itn (< 300 ms), against tsx and `node -e 0`; `npm start` until /ready',
} as const;

type BenchName = keyof typeof BENCHES;
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const names = (requested.length > 0 ? requested : Object.keys(BENCHES)) as BenchName[];

let failed = false;
for (const name of names) {
  console.log(`\n== ${name}: ${BENCHES[name]}`);
  const file = fileURLToPath(new URL(`./${name}-bench.ts`, import.meta.url));
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${name} benchmark failed (exit ${result.status ?? result.signal})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
