/**
 * Schema fuzzing: schemathesis generates thousands of requests from the API contract
 * (`GET /v1/openapi.json`) and sends them to Itinera as npm start runs it (in this
 * process, on the embedded Temporal dev server and FerretDB, a local SMTP sink), one at a
 * time. What must hold (docs/ops/fuzzing.md):
 *
 *   - no answer is a 5xx (not_a_server_error);
 *   - every answer is one the document declares, with its status, content type and body
 *     schema (status_code_conformance, content_type_conformance, response_schema_conformance);
 *   - nothing is stored for a 4xx (nothing_stored_for_a_4xx in bench/fuzz_hooks.py: a
 *     fingerprint of the database before the request and after the refusal).
 *
 * First a realistic program is deployed (examples/ebook.itn) with its templates, a
 * destination, a frequency cap, a console user and a few people with consent, events, an
 * export and an erasure, so that the fuzzer's GETs find things (the hooks put their names
 * and ids into path parameters half of the time).
 *
 * Prints one JSON object of figures (requests, operations covered of the document's,
 * 5xx, schema violations, 4xx that stored, duration) and exits 1 when any check failed.
 * The Python side (schemathesis, pymongo) comes from scripts/fuzz-setup.sh, cached by version.
 *
 *   npm run bench -- fuzz
 *   FUZZ_SECONDS=30 npm run bench -- fuzz              (a quick look; default 150 s of schemathesis)
 *   FUZZ_SEED=<seed> npm run bench -- fuzz             (the generation of a run again: its seed is printed)
 *   FUZZ_REPORT_DIR=/tmp/fuzz npm run bench -- fuzz    (keep schemathesis's JUnit report there)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { COLLECTIONS } from '../src/store/index.js';
import { ADMIN_KEY, startBenchItinera, WRITE_KEY, type Bench } from './in-process.js';
import { startBenchServers } from './servers.js';
import { startSink } from './smtp-sink.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BENCH_DIR = join(ROOT, 'bench');

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number > 0`);
  return value;
};
/**
 * schemathesis's time budget: after the examples and coverage phases, the fuzzing phase
 * goes round the operations again and again until it is spent, so the run's length is
 * known in advance (CI runs it).
 */
const SECONDS = envNumber('FUZZ_SECONDS', 150);
/** Generated cases per operation in each round of the fuzzing phase. */
const MAX_EXAMPLES = envNumber('FUZZ_MAX_EXAMPLES', 10);

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));
const log = (message: string) => console.error(`[fuzz] ${message}`);

/** What the hooks write as the run goes (bench/fuzz_hooks.py). */
interface HookStats {
  requests: number;
  byOperation: Record<string, Record<string, number>>;
  serverErrors: { operation: string; status: number; url: string; body: string; answer: string }[];
  storedOn4xx: { operation: string; status: number; url: string; body: string; changed: unknown }[];
  unconfirmed: { operation: string; status: number; url: string; body: string; changed: unknown }[];
  fingerprints: number;
  fingerprintMs: number;
  replays: number;
}

/** The names and ids that exist, for the hooks to put into path parameters and bodies. */
interface Known {
  templates: string[];
  destinations: string[];
  channels: string[];
  profileIds: string[];
  userIds: string[];
  segments: string[];
  journeys: string[];
  broadcasts: string[];
  versions: number[];
  users: string[];
  erasureIds: string[];
  exportIds: string[];
  suppressionIds: string[];
  portalTokens: string[];
  writeKeys: string[];
}

const TEMPLATES = ['ebook_chapter', 'ebook_review', 'premium_course', 'starter_course', 'starter_course_discount'];
const PEOPLE = 12;

function pythonBin(): string {
  const setup = spawnSync('bash', [join(ROOT, 'scripts/fuzz-setup.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (setup.status !== 0) throw new Error(`scripts/fuzz-setup.sh failed (exit ${setup.status})`);
  return setup.stdout.trim().split('\n').pop()!;
}

/**
 * The embedded FerretDB keeps a database as `<data dir>/ferretdb/<name>.sqlite` and its
 * write-ahead log; startBenchServers makes the data directory `itinera-bench-*` under the
 * temporary directory, and the database's name is unique. With MONGODB_URI set there are
 * none, and the hooks read the fingerprint before every request.
 */
async function sqliteFilesOf(dbName: string): Promise<string[]> {
  if (process.env.MONGODB_URI) return [];
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith('itinera-bench-')) continue;
    const dir = join(tmpdir(), entry, 'ferretdb');
    const files = await readdir(dir).catch(() => [] as string[]);
    if (files.includes(`${dbName}.sqlite`)) return [join(dir, `${dbName}.sqlite`), join(dir, `${dbName}.sqlite-wal`)];
  }
  return [];
}

/** Until the files have not changed for `windowMs` (at most `limitMs`). */
async function quiet(files: string[], windowMs: number, limitMs: number): Promise<void> {
  const state = async () =>
    (
      await Promise.all(
        files.map((f) =>
          stat(f).then(
            (s) => `${s.size}:${s.mtimeMs}`,
            () => '-',
          ),
        ),
      )
    ).join();
  const deadline = Date.now() + limitMs;
  let last = await state();
  let since = Date.now();
  while (Date.now() < deadline && Date.now() - since < windowMs) {
    await pause(100);
    const now = await state();
    if (now !== last) [last, since] = [now, Date.now()];
  }
}

async function settle(bench: Bench): Promise<void> {
  for (;;) {
    await bench.runtime.writer.settled();
    if ((await bench.db.collection(COLLECTIONS.outbox).countDocuments({}, { limit: 1 })) === 0) return;
    await pause(200);
  }
}

/** A realistic database: the e-book program, its templates, people with consent and events, a few privacy requests. */
async function seed(bench: Bench): Promise<Known> {
  const call = (method: string, path: string, body?: unknown, type?: string) =>
    bench.call(method, path, body, path.startsWith('/v1/batch') ? WRITE_KEY : ADMIN_KEY, type);
  // The e-book program, and a broadcast so that the broadcasts' routes have one to act on.
  const program = `${await readFile(join(ROOT, 'examples/ebook.itn'), 'utf8')}
broadcast big_spenders_news "News for big spenders" {
  to segment big_basket
  requires consent email_marketing
  send email "premium_course"
}
`;
  const { version } = (await call('PUT', '/v1/rules', program, 'text/plain')) as { version: number };
  for (const name of TEMPLATES)
    await call('PUT', `/v1/templates/${name}`, {
      subject: `${name} for {{ traits.first_name }}`,
      html: `<p>Hello {{ traits.first_name }}, here is ${name}.</p>`,
    });
  await call('PUT', '/v1/destinations/crm', { url: 'http://127.0.0.1:9/crm', traits: ['email'] });
  await call('PUT', '/v1/frequency-caps/email', { max: 3, per: 'day' });
  await call('POST', '/v1/users', { name: 'mara', role: 'marketer', password: 'a long enough password 1' });

  const userIds = Array.from({ length: PEOPLE }, (_, i) => `reader-${i}`);
  const batch = userIds.flatMap((userId, i) => [
    {
      type: 'identify',
      userId,
      traits: { email: `${userId}@fuzz.example`, first_name: `R${i}` },
      context: { consent: { categoryPreferences: { email_marketing: i % 3 !== 0 } } },
    },
    { type: 'track', userId, event: 'Order Completed', properties: { revenue: 100 * (i + 1) } },
    ...(i % 2 === 0 ? [{ type: 'track', userId, event: 'Ebook Signup' }] : []),
  ]);
  await call('POST', '/v1/batch', { batch });
  await settle(bench);
  const profileIds: string[] = [];
  for (const userId of userIds) {
    const profile = await call('GET', `/v1/profiles/lookup?userId=${userId}`);
    profileIds.push(String(profile.id ?? profile.profileId ?? profile._id));
  }
  const { id: exportId } = (await call('POST', '/v1/privacy/exports', { userId: userIds[1] })) as { id: string };
  const { id: erasureId } = (await call('POST', '/v1/privacy/erasures', { userId: userIds[PEOPLE - 1], reason: 'fuzz seed' })) as {
    id: string;
  };
  const link = (await call('POST', '/v1/privacy/portal-links', { userId: userIds[2] })) as { url?: string; token?: string };
  const portalToken = link.token ?? /\/portal\/([^/?#]+)/.exec(link.url ?? '')?.[1];
  await settle(bench);
  const suppressions = (await call('GET', '/v1/privacy/suppressions')) as { suppressions: { id: string }[] };
  const rules = await call('GET', '/v1/rules');
  const journeys = (rules.journeys as { name: string }[] | undefined)?.map((j) => j.name) ?? [];
  return {
    templates: TEMPLATES,
    destinations: ['crm'],
    channels: ['email'],
    profileIds,
    userIds,
    segments: ['mid_ebook', 'finished_ebook', 'big_basket'],
    journeys: journeys.length > 0 ? journeys : ['ebook_drip', 'ask_for_review', 'next_product'],
    broadcasts: ['big_spenders_news'],
    versions: [version],
    users: ['mara'],
    erasureIds: [erasureId],
    exportIds: [exportId],
    suppressionIds: suppressions.suppressions.map((s) => s.id).slice(0, 5),
    portalTokens: portalToken ? [portalToken] : [],
    writeKeys: [WRITE_KEY],
  };
}

/** Operations the document declares, as schemathesis labels them (`GET /v1/rules`). */
function operationsOf(document: { paths?: Record<string, Record<string, unknown>> }): string[] {
  const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => methods.has(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/**
 * Operations that failed, per kind, from schemathesis's JUnit report: each failing operation
 * is a `<failure message="ST101, ST108">` listing the codes of its (deduplicated) failures.
 */
function failedOperations(junit: string): Record<keyof typeof FAILURE_CODES | 'errors', number> {
  const counts = { serverError: 0, schemaViolation: 0, undocumentedStatus: 0, contentType: 0, custom: 0, errors: 0 };
  for (const match of junit.matchAll(/<failure[^>]*message="([^"]*)"/g)) {
    const codes = match[1]!.split(/,\s*/);
    for (const [kind, known] of Object.entries(FAILURE_CODES) as [keyof typeof FAILURE_CODES, string[]][])
      if (codes.some((code) => known.includes(code))) counts[kind] += 1;
  }
  counts.errors = [...junit.matchAll(/<error[\s>]/g)].length;
  return counts;
}
/** schemathesis's failure codes (`st explain <code>`). */
const FAILURE_CODES = {
  serverError: ['ST101', 'ST102'],
  schemaViolation: ['ST108', 'ST109', 'ST110', 'ST111'],
  undocumentedStatus: ['ST103'],
  contentType: ['ST104', 'ST105', 'ST106'],
  custom: ['ST901'],
};

/** Runs `st` in `cwd`, where schemathesis and Hypothesis keep their caches (not the clone). */
async function runSchemathesis(bin: string, cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  const child = spawn(join(bin, 'st'), args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((done) => child.once('exit', (code, signal) => done(code ?? (signal ? 128 : 1))));
}

async function main(): Promise<void> {
  // The console's pages are served from web/dist/, which npm start builds when stale (as here);
  // without it they answer 503 console_not_built.
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.js'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`scripts/build.js failed (exit ${build.status})`);
  const bin = pythonBin();
  const servers = await startBenchServers(log);
  const sink = await startSink();
  const mongo = await new MongoClient(servers.mongoUri).connect();
  const bench = await startBenchItinera(servers, mongo, 'fuzz', { smtp: { url: sink.url, from: 'Fuzz <fuzz@itinera.example>' } });
  const work = await mkdtemp(join(tmpdir(), 'itinera-fuzz-'));
  const reports = process.env.FUZZ_REPORT_DIR ? resolve(process.env.FUZZ_REPORT_DIR) : join(work, 'report');
  try {
    const seedStarted = performance.now();
    const known = await seed(bench);
    log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s: ${JSON.stringify(known)}`);
    const schemaUrl = `${bench.baseUrl}/v1/openapi.json`;
    const document = (await (await fetch(schemaUrl)).json()) as { paths?: Record<string, Record<string, unknown>> };
    const operations = operationsOf(document);

    const dbFiles = await sqliteFilesOf(bench.db.databaseName);
    // The seed's journeys send their first e-mails and tag their people: the fuzzing starts
    // once that is over, so that it does not pass for the effect of a refused request.
    await quiet(dbFiles, 2_000, 60_000);
    log(`database files: ${dbFiles.length > 0 ? dbFiles.join(', ') : 'none found (fingerprints read before every request)'}`);

    const knownPath = join(work, 'known.json');
    const statsPath = join(work, 'stats.json');
    await writeFile(knownPath, JSON.stringify(known));
    const env = {
      ...process.env,
      PYTHONPATH: BENCH_DIR,
      SCHEMATHESIS_HOOKS: 'fuzz_hooks',
      FUZZ_MONGO_URI: servers.mongoUri,
      FUZZ_DB: bench.db.databaseName,
      FUZZ_DB_FILES: dbFiles.join(delimiter),
      FUZZ_KNOWN: knownPath,
      FUZZ_STATS: statsPath,
      FUZZ_ADMIN_KEY: ADMIN_KEY,
      FUZZ_WRITE_KEY: WRITE_KEY,
    };
    const args = [
      '--config-file',
      join(BENCH_DIR, 'fuzz-schemathesis.toml'),
      '--no-color',
      'run',
      schemaUrl,
      '--max-examples',
      String(MAX_EXAMPLES),
      '--max-time',
      String(SECONDS),
      '--report',
      'junit',
      '--report-dir',
      reports,
      '--report-junit-path',
      join(reports, 'junit.xml'),
      ...(process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : []),
    ];
    log(`st ${args.join(' ')}`);
    const started = performance.now();
    const exit = await runSchemathesis(bin, work, env, args);
    const seconds = (performance.now() - started) / 1000;

    const stats = JSON.parse(await readFile(statsPath, 'utf8').catch(() => '{}')) as Partial<HookStats>;
    const junit = await readFile(join(reports, 'junit.xml'), 'utf8').catch(() => '');
    const failed = failedOperations(junit);
    const covered = operations.filter((op) => stats.byOperation?.[op] !== undefined);
    const statuses: Record<string, number> = {};
    for (const counts of Object.values(stats.byOperation ?? {}))
      for (const [status, n] of Object.entries(counts)) statuses[`${status[0]}xx`] = (statuses[`${status[0]}xx`] ?? 0) + n;
    const figures = {
      requests: stats.requests ?? 0,
      operations: { covered: covered.length, total: operations.length, notCovered: operations.filter((op) => !covered.includes(op)) },
      answers: statuses,
      serverErrors: stats.serverErrors?.length ?? 0,
      // Operations whose answers broke the document, per kind (schemathesis prints each with a curl).
      failingOperations: failed,
      storedOn4xx: stats.storedOn4xx?.length ?? 0,
      unconfirmedChangesOn4xx: stats.unconfirmed?.length ?? 0,
      seconds: Number(seconds.toFixed(1)),
      requestsPerSecond: Math.round((stats.requests ?? 0) / seconds),
      fingerprints: {
        read: stats.fingerprints ?? 0,
        seconds: Number(((stats.fingerprintMs ?? 0) / 1000).toFixed(1)),
        replays: stats.replays ?? 0,
      },
      budgetSeconds: SECONDS,
      maxExamplesPerRound: MAX_EXAMPLES,
      schemathesisExit: exit,
    };
    for (const error of stats.serverErrors ?? []) log(`5xx: ${JSON.stringify(error)}`);
    for (const stored of stats.storedOn4xx ?? []) log(`stored on ${stored.status}: ${JSON.stringify(stored)}`);
    for (const maybe of stats.unconfirmed ?? [])
      log(`changed during a ${maybe.status}, not again when sent again: ${JSON.stringify(maybe)}`);
    console.log(JSON.stringify(figures, null, 2));
    const passed = exit === 0 && figures.serverErrors === 0 && figures.storedOn4xx === 0 && figures.requests > 0;
    console.log(passed ? 'fuzz: no failure' : 'fuzz: FAILED (schemathesis printed each failure above, with a curl to replay it)');
    if (!passed) process.exitCode = 1;
  } finally {
    await bench.close();
    await mongo.close();
    await sink.close();
    await servers.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
