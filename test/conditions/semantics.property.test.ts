/**
 * One meaning, three evaluations (docs/architecture.md): a property-based test that every
 * condition a marketer can write means the same to
 *
 * - the in-memory predicate (src/dsl/predicate.ts) over a profile and its events,
 * - the whole-population query (src/dsl/query.ts) against the real test database, and
 * - the segment engine (src/segments): facts folded per event as the profile writer hands
 *   them over, a deploy's backfill and judging, the sweeper's rebuild, and each person's
 *   clock ringing when the engine asked: the membership it has stored at that instant.
 *
 * fast-check generates rule programs as text (compiled by the real compiler, so only what
 * marketers can write), a few segments each, later ones free to say `in segment` of
 * earlier ones. Each program is judged all three ways at two instants, and the engine
 * against the predicate at five more (a millisecond either side, and after every window
 * has closed), over one population of 150 profiles and about 700 events, generated from
 * the same seed and stored once, whose event timestamps, arrivals, seen instants and
 * consent expiries sit on the edges of windows, deploy cutoffs and now.
 *
 * RUNS = 60 fast-check runs of up to 4 programs judged side by side: about 140 programs,
 * 2,400 segment × instant comparisons of 150 people, in about 40 s on two idle cores
 * against FerretDB. The seed is fixed, so CI sees the same cases; a failure prints it with
 * fast-check's shrunk counterexample (one program, the disagreeing person and events).
 * Explore with FC_SEED=<n> and FC_RUNS=<n>.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';
import type { ConditionIR, ProgramIR } from '../../src/dsl/ir.js';
import { evaluateCondition, eventMeasure, type EventMeasure } from '../../src/conditions/predicate.js';
import { findMatchingProfileIds } from '../../src/conditions/query.js';
import type { EventDoc } from '../../src/model.js';
import { planOf } from '../../src/segments/plan.js';
import { PopulationStore } from '../../src/store/population.js';
import { replayEngine } from '../segments/support/engine-replay.js';
import { freshDatabase } from '../support/servers.js';
import { DAY, DEPLOY_AT, NOWS, REBUILD_AT, programArbitrary, programText, worldArbitrary } from './support/semantics-arbitraries.js';
import { loadWorld, type LoadedWorld } from './support/world.js';

const SEED = Number(process.env.FC_SEED ?? 20260530);
/** fast-check runs, each judging up to PROGRAMS_PER_RUN programs; see the header for what that costs. */
const RUNS = Number(process.env.FC_RUNS ?? 60);
const PROGRAMS_PER_RUN = 4;
const PROFILES = 150;

type Path = 'predicate' | 'query' | 'engine';

/**
 * Instants where only the engine is compared with the predicate (no database query): a
 * millisecond either side of the evaluated instants, where window edges fall, and later
 * on, after every window has closed.
 */
const LATER: readonly number[] = [NOWS[0]! + 1, NOWS[1]! - 1, NOWS[1]! + 1, NOWS[1]! + 7 * DAY, NOWS[1]! + 31 * DAY];

interface Disagreement {
  segment: string;
  at: number;
  profileId: string;
  says: Partial<Record<Path, boolean>>;
}

describe('predicate, query and segment engine agree on what marketers can write', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let world: LoadedWorld;
  let events: EventDoc[];
  let population: PopulationStore;

  beforeAll(async () => {
    database = await freshDatabase('semantics');
    const [generated] = fc.sample(worldArbitrary(PROFILES), { seed: SEED, numRuns: 1 });
    world = await loadWorld(database.db, generated!.profiles, generated!.events);
    events = [...world.eventsByProfile.values()].flat();
    population = new PopulationStore(database.db);
  });
  afterAll(async () => database?.drop());

  it(`${RUNS} runs of programs over ${PROFILES} profiles (FC_SEED=${SEED})`, { timeout: 600_000 }, async () => {
    const stats = { programs: 0, comparisons: 0, discriminating: 0, kinds: new Map<string, number>() };
    const started = Date.now();

    const judge = async (conditions: string[], deployAt: number, rebuildEvery: number | null) => {
      const source = programText(conditions);
      const { ir, diagnostics } = compile(source);
      if (!ir) throw new Error(`the generator wrote a program that does not compile:\n${source}\n${JSON.stringify(diagnostics)}`);
      countKinds(ir, stats.kinds);
      const rebuild =
        rebuildEvery === null
          ? undefined
          : { at: REBUILD_AT, profileIds: world.profiles.filter((_, index) => index % rebuildEvery === 0).map((profile) => profile._id) };
      const [byQuery, byEngine] = await Promise.all([
        Promise.all(NOWS.map((at) => queryMembership(population, ir, at))),
        replayEngine({ ir, profiles: world.profiles, events, deployAt, ...(rebuild ? { rebuild } : {}), observeAt: [...NOWS, ...LATER] }),
      ]);
      const disagreements: Disagreement[] = [];
      for (const at of [...NOWS, ...LATER]) {
        const byPredicate = predicateMembership(world, ir, at);
        const queried = NOWS.indexOf(at);
        for (const segment of ir.segments) {
          const sets: Partial<Record<Path, Set<string>>> = {
            predicate: byPredicate.get(segment.name)!,
            engine: byEngine.get(at)!.get(segment.name)!,
            ...(queried < 0 ? {} : { query: byQuery[queried]!.get(segment.name)! }),
          };
          stats.comparisons += 1;
          const truth = sets.predicate!;
          if (truth.size > 0 && truth.size < world.profiles.length) stats.discriminating += 1;
          for (const profileId of new Set(Object.values(sets).flatMap((set) => [...set]))) {
            const says = Object.fromEntries(Object.entries(sets).map(([path, set]) => [path, set.has(profileId)])) as Partial<
              Record<Path, boolean>
            >;
            if (new Set(Object.values(says)).size > 1) disagreements.push({ segment: segment.name, at, profileId, says });
          }
        }
      }
      if (disagreements.length > 0) throw new Error(describeDisagreements(source, ir, deployAt, rebuildEvery, disagreements, world));
    };

    // A run judges a few programs at once, so that the database and the engine work side by side.
    const programCase = fc.record({
      conditions: programArbitrary,
      deployAt: fc.constantFrom(...DEPLOY_AT),
      rebuildEvery: fc.option(fc.integer({ min: 2, max: 5 }), { freq: 3 }),
    });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(programCase, { minLength: 1, maxLength: PROGRAMS_PER_RUN }), async (cases) => {
          stats.programs += cases.length;
          await Promise.all(cases.map(({ conditions, deployAt, rebuildEvery }) => judge(conditions, deployAt, rebuildEvery)));
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } catch (error) {
      console.error(`semantics property failed; reproduce with FC_SEED=${SEED} FC_RUNS=${RUNS}`);
      throw error;
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `semantics: ${RUNS} runs, ${stats.programs} programs, ${stats.comparisons} segment × instant comparisons over ${world.profiles.length} profiles and ${events.length} events in ${seconds}s; ${stats.discriminating} split the population; kinds ${JSON.stringify(Object.fromEntries(stats.kinds))}`,
    );
    // Conditions that hold for everyone or no one prove little; every kind of atom must have been tried.
    expect(stats.discriminating).toBeGreaterThan(stats.comparisons / 3);
    for (const kind of ['trait', 'tagged', 'taggedLike', 'inSegment', 'consent', 'performed', 'aggregate', 'seen', 'and', 'or', 'not']) {
      expect(stats.kinds.get(kind) ?? 0, kind).toBeGreaterThan(RUNS / 20);
    }
  });
});

/** Each segment's members by the query, in dependency order, `in segment` answered by the query's own results. */
async function queryMembership(population: PopulationStore, ir: ProgramIR, at: number): Promise<Map<string, Set<string>>> {
  const now = new Date(at);
  const results = new Map<string, Promise<Set<string>>>();
  for (const segment of planOf(ir).segments) {
    results.set(
      segment.name,
      (async () => {
        await Promise.all(segment.dependsOn.map((name) => results.get(name)));
        return findMatchingProfileIds(population, segment.condition, now, { segmentMembers: async (name) => results.get(name)! });
      })(),
    );
  }
  const sets = await Promise.all(results.values());
  return new Map([...results.keys()].map((name, index) => [name, sets[index]!]));
}

/** Each segment's members by the predicate on every profile and its events, `in segment` evaluated the same way. */
function predicateMembership(world: LoadedWorld, ir: ProgramIR, at: number): Map<string, Set<string>> {
  const now = new Date(at);
  const conditions = new Map(ir.segments.map((segment) => [segment.name, segment.condition]));
  const members = new Map(ir.segments.map((segment) => [segment.name, new Set<string>()]));
  for (const profile of world.profiles) {
    const measure: EventMeasure = eventMeasure(world.eventsByProfile.get(profile._id) ?? []);
    const known = new Map<string, boolean>();
    const holds = (name: string): boolean => {
      let answer = known.get(name);
      if (answer === undefined) {
        answer = evaluateCondition(conditions.get(name)!, { profile, measure, segmentMembership: holds }, now);
        known.set(name, answer);
      }
      return answer;
    };
    for (const [name, set] of members) if (holds(name)) set.add(profile._id);
  }
  return members;
}

function countKinds(ir: ProgramIR, kinds: Map<string, number>): void {
  const visit = (condition: ConditionIR): void => {
    kinds.set(condition.kind, (kinds.get(condition.kind) ?? 0) + 1);
    if (condition.kind === 'and') condition.all.forEach(visit);
    else if (condition.kind === 'or') condition.any.forEach(visit);
    else if (condition.kind === 'not') visit(condition.condition);
  };
  for (const segment of ir.segments) visit(segment.condition);
}

function describeDisagreements(
  source: string,
  ir: ProgramIR,
  deployAt: number,
  rebuildEvery: number | null,
  disagreements: Disagreement[],
  world: LoadedWorld,
): string {
  const first = disagreements[0]!;
  const profile = world.profiles.find((candidate) => candidate._id === first.profileId);
  const segment = ir.segments.find((candidate) => candidate.name === first.segment)!;
  return [
    `${disagreements.length} disagreements, e.g. segment ${first.segment} at ${new Date(first.at).toISOString()} on ${first.profileId}: ${JSON.stringify(first.says)}`,
    `program (deployed at ${new Date(deployAt).toISOString()}${rebuildEvery === null ? '' : `, facts of every ${rebuildEvery}th profile rebuilt`}):\n${source}`,
    `condition: ${JSON.stringify(segment.condition)}`,
    `profile: ${JSON.stringify(profile ?? null)}`,
    `events: ${JSON.stringify(world.eventsByProfile.get(first.profileId) ?? [])}`,
    `others: ${disagreements
      .slice(1, 6)
      .map((other) => `${other.segment}@${new Date(other.at).toISOString()} ${other.profileId} ${JSON.stringify(other.says)}`)
      .join('; ')}`,
  ].join('\n');
}
