/**
 * THE differential property test: thousands of random conditions over a random population
 * stored in the real database (FerretDB in `npm test`), each evaluated both ways —
 * `findMatchingProfileIds` over the population and `evaluateCondition` on every profile —
 * and compared profile by profile. Seeded, so a failure reproduces; set
 * DIFFERENTIAL_SEED / DIFFERENTIAL_CASES to explore further.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConditionIR } from '../../src/dsl/ir.js';
import { evaluateCondition } from '../../src/conditions/predicate.js';
import { findMatchingProfileIds } from '../../src/conditions/query.js';
import { PopulationStore } from '../../src/store/population.js';
import { freshDatabase } from '../support/servers.js';
import { generateWorld, NOWS, randomCondition } from './support/generators.js';
import { Random } from './support/random.js';
import { loadWorld, segmentSource, subjectOf, type LoadedWorld } from './support/world.js';

const SEED = Number(process.env.DIFFERENTIAL_SEED ?? 20260301);
const CASES = Number(process.env.DIFFERENTIAL_CASES ?? 2000);
const PROFILES = 250;
/** Conditions evaluated at one `now`, side by side, each its own query. */
const BATCH = 4;
/** Batches in flight at once: enough to keep FerretDB busy on two cores. */
const CONCURRENCY = 4;

interface Mismatch {
  index: number;
  condition: ConditionIR;
  now: Date;
  profileId: string;
  predicate: boolean;
  query: boolean;
}

describe('query and predicate agree on random conditions', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let world: LoadedWorld;
  let segmentMembers: Map<string, Set<string>>;

  beforeAll(async () => {
    database = await freshDatabase('differential');
    const generated = generateWorld(new Random(SEED), PROFILES);
    segmentMembers = generated.segmentMembers;
    world = await loadWorld(database.db, generated.profiles, generated.events);
  });
  afterAll(async () => database?.drop());

  it(`${CASES} conditions over ${PROFILES} profiles`, { timeout: 600_000 }, async () => {
    const random = new Random(SEED + 1);
    const batches = Array.from({ length: Math.ceil(CASES / BATCH) }, (_, batch) => {
      const now = random.pick(NOWS);
      const size = Math.min(BATCH, CASES - batch * BATCH);
      return { batch, now, conditions: Array.from({ length: size }, () => randomCondition(random)) };
    });
    const mismatches: Mismatch[] = [];
    let discriminating = 0;
    const started = Date.now();

    const check = async ({ batch, now, conditions }: (typeof batches)[number]) => {
      const options = { segmentMembers: segmentSource(segmentMembers) };
      const population = new PopulationStore(database.db);
      const results = await Promise.all(conditions.map((condition) => findMatchingProfileIds(population, condition, now, options)));
      conditions.forEach((condition, offset) => {
        const index = batch * BATCH + offset;
        const found = results[offset]!;
        let matched = 0;
        for (const profile of world.profiles) {
          const predicate = evaluateCondition(condition, subjectOf(world, profile, segmentMembers), now);
          const query = found.has(profile._id);
          if (predicate) matched++;
          if (predicate !== query) mismatches.push({ index, condition, now, profileId: profile._id, predicate, query });
        }
        const stray = [...found].filter((id) => !world.profiles.some((profile) => profile._id === id));
        for (const profileId of stray) mismatches.push({ index, condition, now, profileId, predicate: false, query: true });
        if (matched > 0 && matched < world.profiles.length) discriminating++;
      });
    };

    let next = 0;
    const worker = async () => {
      while (next < batches.length) await check(batches[next++]!);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `differential: ${CASES} conditions × ${world.profiles.length} profiles in ${seconds}s; ${discriminating} split the population`,
    );
    if (mismatches.length > 0) console.error(describeMismatches(mismatches, world));
    expect(mismatches.length, 'profiles on which query and predicate disagree').toBe(0);
    // A generator that only produced always-true or always-false conditions would prove little.
    expect(discriminating).toBeGreaterThan(CASES / 3);
  });
});

function describeMismatches(mismatches: Mismatch[], world: LoadedWorld): string {
  const byCase = new Map<number, Mismatch[]>();
  for (const mismatch of mismatches) byCase.set(mismatch.index, [...(byCase.get(mismatch.index) ?? []), mismatch]);
  const lines = [`${mismatches.length} disagreements in ${byCase.size} conditions; the first ones:`];
  for (const [index, group] of [...byCase].slice(0, 3)) {
    const first = group[0]!;
    lines.push(
      `\n#${index} at ${first.now.toISOString()}: ${JSON.stringify(first.condition)}`,
      `  ${group.length} profiles differ, e.g. ${first.profileId}: predicate ${first.predicate}, query ${first.query}`,
      `  profile: ${JSON.stringify(world.profiles.find((profile) => profile._id === first.profileId))}`,
      `  events: ${JSON.stringify(world.eventsByProfile.get(first.profileId) ?? [])}`,
    );
  }
  return lines.join('\n');
}
