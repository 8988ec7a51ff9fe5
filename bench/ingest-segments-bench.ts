/**
 * Ingest with 20 segments deployed beside ingest with none, alone (issue 32's target: ≥ 0.6,
 * acknowledged and applied), on npm start's defaults and the embedded servers. The segments
 * benchmark measures the same ratio once, at the end of a long run; this one measures it in
 * pairs taken back to back, so that a change of the machine's load between the two halves of
 * one pair shows as a spread between pairs rather than as a wrong ratio:
 *
 *   1. grows a database: INGEST_SEGMENTS_PROFILES people (default 3,000) with
 *      INGEST_SEGMENTS_STORED events each (default 10) stored before;
 *   2. INGEST_SEGMENTS_PAIRS times (default 2): INGEST_SEGMENTS_EVENTS events of those
 *      people (default 30,000) through /v1/batch (8 clients, batches of 100) with no rules,
 *      then the 20 segments of the segments benchmark deployed (their recompute waited for,
 *      and timed), the same ingest again, then the rules emptied for the next pair;
 *   3. prints each pair's ratios and their median, and each ingest's database round trips
 *      per event, by command (the driver's command monitoring).
 *
 *   npm run bench -- ingest-segments
 *   BENCH_CPU_PROFILE=/tmp/i.cpuprofile npm run bench -- ingest-segments   (the first ingest with 20 segments, profiled)
 *   INGEST_SEGMENTS_PROFILES=100000 INGEST_SEGMENTS_STORED=10 npm run bench -- ingest-segments   (on a database of 1,000,000 events)
 */
import { MongoClient } from 'mongodb';
import { EMBEDDED_FERRETDB_POOL_SIZE } from '../src/store/index.js';
import { profilePhase } from './cpu-profile.js';
import { grow } from './grown-database.js';
import { ADMIN_KEY, startBenchItinera } from './in-process.js';
import { commandCounter, monitored } from './journeys/profile.js';
import { deploy, ingest, TWENTY_SEGMENTS } from './segments-bench.js';
import { startBenchServers } from './servers.js';

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const log = (message: string) => console.error(`[ingest-segments bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const PROFILES = envNumber('INGEST_SEGMENTS_PROFILES', 3_000);
const STORED = envNumber('INGEST_SEGMENTS_STORED', 10);
const EVENTS = envNumber('INGEST_SEGMENTS_EVENTS', 30_000);
const PAIRS = envNumber('INGEST_SEGMENTS_PAIRS', 2);
const TARGET = 0.6;

const servers = await startBenchServers(log);
const mongo = new MongoClient(servers.mongoUri, { maxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE });
try {
  // The driver's command monitoring on the runtime's client: round trips per event, by command.
  const bench = await startBenchItinera(servers, mongo, 'ingestsegments', { mongoUri: monitored(servers.mongoUri) });
  const counted = async (run: string) => {
    const counter = commandCounter();
    const figures = await ingest(bench, run, EVENTS, PROFILES);
    const { perRun, byActivity } = counter.stop(figures.events);
    const commands = Object.entries(byActivity.outside?.commands ?? {})
      .filter(([, perEvent]) => perEvent >= 0.01)
      .slice(0, 12);
    return { ...figures, roundTripsPerEvent: perRun, topCommandsPerEvent: Object.fromEntries(commands) };
  };
  try {
    const seedSeconds = await grow(bench.db, PROFILES, PROFILES * STORED);
    log(`seeded ${PROFILES} people and ${PROFILES * STORED} events in ${seedSeconds} s`);
    const pairs = [];
    for (let pair = 1; pair <= PAIRS; pair++) {
      const none = await counted(`none${pair}`);
      log(`pair ${pair}, no rules: ${JSON.stringify(none)}`);
      const recompute = await deploy(bench, TWENTY_SEGMENTS);
      log(`pair ${pair}, 20 segments ready after ${recompute.seconds} s`);
      // BENCH_CPU_PROFILE: the first pair's ingest with 20 segments, profiled (bench/cpu-profile.ts).
      const cpuProfile = await profilePhase(pair === 1 ? process.env.BENCH_CPU_PROFILE : undefined);
      const twenty = await counted(`twenty${pair}`);
      await cpuProfile.stop();
      log(`pair ${pair}, 20 segments: ${JSON.stringify(twenty)}`);
      await bench.call('PUT', '/v1/rules', '', ADMIN_KEY, 'text/plain');
      pairs.push({
        none,
        twenty,
        recomputeSeconds: recompute.seconds,
        ackedRatio: round(twenty.ackedPerSecond / none.ackedPerSecond),
        appliedRatio: round(twenty.appliedPerSecond / none.appliedPerSecond),
      });
    }
    const acked = round(median(pairs.map((pair) => pair.ackedRatio)));
    const applied = round(median(pairs.map((pair) => pair.appliedRatio)));
    console.log(JSON.stringify({ database: { people: PROFILES, storedEvents: PROFILES * STORED }, eventsPerRun: EVENTS, pairs }, null, 2));
    const verdict = (ratio: number) => (ratio >= TARGET ? `within target (≥ ${TARGET})` : `BEYOND target (≥ ${TARGET})`);
    console.log(`ingest with 20 segments ÷ none, acknowledged: median ${acked} of ${PAIRS} pairs, ${verdict(acked)}`);
    console.log(`ingest with 20 segments ÷ none, applied: median ${applied} of ${PAIRS} pairs, ${verdict(applied)}`);
  } finally {
    await bench.close();
  }
} finally {
  await mongo.close();
  await servers.stop();
}
