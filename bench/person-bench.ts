/**
 * One person's cost, independent of the database: on `npm start` as users run it (embedded
 * FerretDB and Temporal dev server, its defaults), the same work for one person is timed on
 * a near-empty database and again once it has grown, in the same run:
 *
 *   1. near-empty: new subjects (an identify and 10 tracks as a user, 10 as an anonymous
 *      visitor), each merged (the visitor identifies), exported and erased; the median of
 *      PERSON_BENCH_SUBJECTS (default 3) after one not counted;
 *   2. the database grown straight into its collections: PERSON_BENCH_PEOPLE people
 *      (default 100,000) and PERSON_BENCH_EVENTS events (default 1,000,000);
 *   3. the same as 1 with new subjects;
 *   4. retention: PERSON_BENCH_INACTIVE people (default 1,000, 10 events each) last seen
 *      400 days ago, a policy of 365 days, one run, until every erasure it made completed;
 *      printed beside its target with the load average at that moment (the machine is shared).
 *
 * Targets (issue 32): erasure and merge on the grown database within 1.25× of the
 * near-empty one; export under 1 s; retention of 1,000 inactive people under a minute.
 */
import { availableParallelism, loadavg } from 'node:os';
import { grow } from './grown-database.js';
import { withNpmStart } from './npm-session.js';
import { INACTIVE_DAYS, retentionErasuresDone, retentionTimeline, writeInactivePeople } from './person/inactive.js';
import { medianCosts, type PersonCosts } from './person/measures.js';
import { privacyApi } from './privacy/api.js';

const log = (message: string) => console.error(`[person bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number > 0`);
  return value;
};
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

const subjects = envNumber('PERSON_BENCH_SUBJECTS', 3);
const people = envNumber('PERSON_BENCH_PEOPLE', 100_000);
const events = envNumber('PERSON_BENCH_EVENTS', 1_000_000);
const inactive = envNumber('PERSON_BENCH_INACTIVE', 1_000);
const loadAverage = loadavg()[0]!;
const RETENTION_TARGET_S = 60;

const figures = await withNpmStart(log, async (session) => {
  const api = privacyApi(session.baseUrl, session.adminAuth, session.writeAuth, 600_000);
  const { db } = session;

  log(`near-empty database: ${subjects} subjects`);
  const nearEmpty = await medianCosts(api, db, 'empty', subjects);
  log(`near-empty: ${JSON.stringify(nearEmpty)}`);

  log(`growing the database: ${people} people, ${events} events`);
  const growSeconds = await grow(db, people, events);
  log(`grown in ${growSeconds} s`);
  const grown = await medianCosts(api, db, 'grown', subjects);
  log(`grown: ${JSON.stringify(grown)}`);

  log(`retention: ${inactive} inactive people`);
  await writeInactivePeople(db, inactive);
  const retentionStarted = performance.now();
  await api.expect(200, 'PUT', '/v1/privacy/retention', { events: [], inactivePeopleDays: INACTIVE_DAYS, reason: 'person bench' });
  await api.expect(202, 'POST', '/v1/privacy/retention/run');
  const retentionCompleted = await retentionErasuresDone(db, inactive, 30 * 60_000);
  const retentionSeconds = Math.round((performance.now() - retentionStarted) / 100) / 10;
  const retentionLoad = Math.round(loadavg()[0]! * 100) / 100;
  // Where the run's time went, from what it wrote: each batch's steps, in seconds after the run began.
  for (const batch of await retentionTimeline(db)) log(`retention batch: ${JSON.stringify(batch)}`);
  log(`retention erased ${inactive} people in ${retentionSeconds} s (target < ${RETENTION_TARGET_S} s; load average ${retentionLoad})`);

  const over = (key: keyof PersonCosts) => ratio(grown[key], nearEmpty[key]);
  return {
    database: { people, events, growSeconds },
    nearEmptyMs: nearEmpty,
    grownMs: grown,
    grownOverNearEmpty: { erasure: over('erasureMs'), export: over('exportMs'), merge: over('mergeMs') },
    retention: {
      people: inactive,
      seconds: retentionSeconds,
      targetSeconds: RETENTION_TARGET_S,
      // Before batches (2026-12-06, one erasure workflow per person): 242-392 s for 1,000 people.
      beforeSeconds: '242-392',
      allCompleted: retentionCompleted,
      loadAverage: retentionLoad,
    },
    targets: {
      'erasure grown/near-empty ≤ 1.25': over('erasureMs') <= 1.25,
      'merge grown/near-empty ≤ 1.25': over('mergeMs') <= 1.25,
      'export on the grown database < 1 s': grown.exportMs < 1000,
      [`retention of the inactive people < ${RETENTION_TARGET_S} s`]: retentionCompleted && retentionSeconds < RETENTION_TARGET_S,
    },
    itinera: { loggedWarnings: session.itinera.logged.warnings, loggedErrors: session.itinera.logged.errors },
    cores: availableParallelism(),
    loadAverage: Math.round(loadAverage * 100) / 100,
  };
});
console.log(JSON.stringify(figures, null, 2));
