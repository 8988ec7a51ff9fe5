/**
 * A deploy's pass writes each person once (src/segments/recompute.ts, step 3): the backfill
 * it folds in memory is judged by and written with the person's judgement, not written
 * first by a backfill of its own; and when every segment it computes is new and false for
 * anyone without an event of its new leaves, nobody else is judged or written. Every write
 * of a profile counts its `rev` up, so `rev` says how many writes a person took. The
 * memberships are checked exact, and a share the live path computed before the pass is
 * neither doubled nor undone by it.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';
import type { ConditionIR } from '../../src/dsl/ir.js';
import { changeOfEvents } from '../../src/segments/changes.js';
import { SegmentEngine } from '../../src/segments/engine.js';
import { leafKeyOf } from '../../src/segments/facts.js';
import { answerWithoutEvents } from '../../src/segments/membership.js';
import { backfillFacts, declareNewSegments, finishRecompute, judgeEveryone, prepareRecompute } from '../../src/segments/recompute.js';
import { newProfileDoc } from '../../src/store/profiles.js';
import { engineOnFreshDatabase, storedTrack } from './support/fresh-engine.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);

const order = (profileId: string, receivedAt: number, revenue: number) =>
  storedTrack(profileId, 'Order Completed', receivedAt, { revenue });

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}_${index}`);
const BUYERS = ids('p_buyer', 10);
const SMALL = ids('p_small', 5);
const OLD = ids('p_old', 5);
const NONE = ids('p_none', 20);

/**
 * Deploys `rules` over the people above and runs the recompute's steps; `beforePass` runs
 * once the cutoff has passed, before the backfill. Each person's segments and writes (`rev`
 * gained) after.
 */
async function recompute(rules: string, beforePass?: (engine: SegmentEngine) => Promise<void>) {
  const { stores, raw, engine, clock, now } = await engineOnFreshDatabase('pass_writes', T0);
  await raw.profiles.insertMany([...BUYERS, ...SMALL, ...OLD, ...NONE].map((id) => newProfileDoc(id, {}, new Date(T0 - 60 * DAY))));
  await raw.events.insertMany([
    ...BUYERS.flatMap((id) => [order(id, T0 - DAY, 200), order(id, T0 - 2 * DAY, 200)]),
    ...SMALL.map((id) => order(id, T0 - DAY, 50)),
    ...OLD.map((id) => order(id, T0 - 40 * DAY, 500)),
  ]);
  const revBefore = new Map((await raw.profiles.find({}).toArray()).map((profile) => [profile._id, profile.rev ?? 0]));

  const { ir } = compile(rules);
  const version = await stores.rules.deploy(rules, ir!, now(), {}, (next) => declareNewSegments(stores, ir!, next, now));
  const prepared = await prepareRecompute(stores, engine, version, now);
  expect(prepared).toHaveProperty('cutoffMs');
  clock.ms = T0 + 1_000;
  await beforePass?.(engine);
  const ignore = () => undefined;
  const noLateCutoff = async (profileId: string) => {
    throw new Error(`no late cutoff here, yet ${profileId} was folded again`);
  };
  expect(await backfillFacts(stores, engine, version, now, ignore, noLateCutoff)).toBe('done');
  // The backfill left the facts to the pass: nobody written yet, no leaf ready.
  expect(Object.values(await stores.segments.leaves()).every((state) => !state.ready)).toBe(true);
  const afterBackfill = await raw.profiles.find({ segmentBackfill: { $exists: true } }, { projection: { _id: 1 } }).toArray();
  expect(afterBackfill.map((profile) => profile._id)).toEqual(beforePass ? ['p_buyer_0'] : []);

  expect(await judgeEveryone(stores, engine, version, now, { done: 0 }, ignore, noLateCutoff)).toBe('done');
  expect(Object.values(await stores.segments.leaves()).every((state) => state.ready)).toBe(true);
  expect(await finishRecompute(stores, engine, version, now)).toBe('done');

  const segments: Record<string, string[]> = {};
  const writes: Record<string, number> = {};
  for (const profile of await raw.profiles.find({}).toArray()) {
    segments[profile._id] = Object.keys(profile.segments ?? {}).sort();
    writes[profile._id] = (profile.rev ?? 0) - revBefore.get(profile._id)!;
  }
  const sizes = Object.fromEntries((await stores.segments.all()).map((doc) => [doc._id, doc.size]));
  return { segments, writes, sizes, stores, engine, raw, setClock: (at: number) => (clock.ms = at) };
}

const byPerson = (people: readonly string[], value: unknown) => Object.fromEntries(people.map((id) => [id, value]));

describe("a deploy's pass", () => {
  it('writes the backfill with the judgement, once per person with events, and nobody else', async () => {
    const rules = `segment month_spenders {
  sum "revenue" of "Order Completed" within 30 days > 300
}
segment buyers {
  performed "Order Completed"
}
`;
    const { segments, writes, sizes, stores, engine, raw, setClock } = await recompute(rules);
    expect(segments).toEqual({
      ...byPerson(BUYERS, ['buyers', 'month_spenders']),
      ...byPerson(SMALL, ['buyers']),
      ...byPerson(OLD, ['buyers']),
      ...byPerson(NONE, []),
    });
    expect(writes).toEqual({ ...byPerson([...BUYERS, ...SMALL, ...OLD], 1), ...byPerson(NONE, 0) });
    expect(sizes).toEqual({ month_spenders: BUYERS.length, buyers: BUYERS.length + SMALL.length + OLD.length });
    // The pass's entries were there at the deploy: initial.
    const history = await raw.segmentHistory.find({}).toArray();
    expect(history.flatMap((chunk) => chunk.changes as { initial?: boolean }[]).every((change) => change.initial === true)).toBe(true);

    // The next write folds the backfill into the live facts: each event counted once.
    setClock(T0 + 2_000);
    const live = order('p_small_0', T0 + 2_000, 300);
    await raw.events.insertOne(live);
    await engine.refresh('p_small_0', { ...changeOfEvents([live]), events: [live] });
    const profile = await stores.profiles.findExact('p_small_0');
    const buyersKey = leafKeyOf(compile(rules).ir!.segments[1]!.condition as Parameters<typeof leafKeyOf>[0]);
    expect(profile?.segmentFacts?.[buyersKey]).toEqual({ n: 2 });
    expect(profile?.segmentBackfill ?? {}).toEqual({});
    expect(Object.keys(profile?.segments ?? {}).sort()).toEqual(['buyers', 'month_spenders']);
  });

  it('judges everyone when a segment can hold people without events, still one write each', async () => {
    const { segments, writes } = await recompute(`segment no_orders {
  performed "Order Completed" exactly 0 times
}
segment buyers {
  performed "Order Completed"
}
`);
    expect(segments).toEqual({
      ...byPerson([...BUYERS, ...SMALL, ...OLD], ['buyers']),
      ...byPerson(NONE, ['no_orders']),
    });
    expect(writes).toEqual(byPerson([...BUYERS, ...SMALL, ...OLD, ...NONE], 1));
  });

  it('keeps a share the live path computed before it: counted once', async () => {
    const { segments, writes } = await recompute(
      `segment three_orders {
  performed "Order Completed" exactly 3 times
}
segment buyers {
  performed "Order Completed"
}
`,
      async (engine) => {
        // After the cutoff, before the backfill: judged live, with the person's own share.
        const live = order('p_buyer_0', T0 + 1_000, 10);
        await engine.refresh('p_buyer_0', { ...changeOfEvents([live]), events: [live] });
      },
    );
    expect(segments['p_buyer_0']).toEqual(['buyers', 'three_orders']);
    expect(segments['p_buyer_1']).toEqual(['buyers']);
    // Its live judgement wrote it; the pass, finding its share and membership, did not again.
    expect(writes['p_buyer_0']).toBe(1);
  });
});

describe('the answer for people without events', () => {
  const { ir } = compile(`segment a {
  performed "X" and trait plan = "vip"
}
segment b {
  performed "X" or trait plan = "vip"
}
segment c {
  not performed "X" within 3 days
}
segment d {
  sum "revenue" of "X" > 10 or (tagged "t" and performed "Y" at least 2 times)
}
segment e {
  performed "X" at most 2 times and not tagged "t"
}
segment f {
  in segment a or performed "X"
}
`);
  const now = new Date(T0);
  const atomsOf = (condition: ConditionIR): ConditionIR[] => {
    switch (condition.kind) {
      case 'and':
        return condition.all.flatMap(atomsOf);
      case 'or':
        return condition.any.flatMap(atomsOf);
      case 'not':
        return atomsOf(condition.condition);
      default:
        return [condition];
    }
  };
  const keysOf = (names: string[]) =>
    new Set(
      ir!.segments
        .flatMap((segment) => atomsOf(segment.condition))
        .flatMap((atom) =>
          (atom.kind === 'performed' || atom.kind === 'aggregate') && names.includes(atom.event) ? [leafKeyOf(atom)] : [],
        ),
    );
  const answer = (name: string, events: string[]) =>
    answerWithoutEvents(ir!.segments.find((segment) => segment.name === name)!.condition, keysOf(events), now);

  it('is false or true when the new leaves decide it, unknown when anything else may', () => {
    expect(answer('a', ['X'])).toBe(false);
    expect(answer('b', ['X'])).toBeUndefined();
    expect(answer('c', ['X'])).toBe(true);
    expect(answer('d', ['X', 'Y'])).toBe(false);
    expect(answer('d', ['X'])).toBeUndefined();
    expect(answer('e', ['X'])).toBeUndefined();
    expect(answer('f', ['X'])).toBeUndefined();
    expect(answer('a', [])).toBeUndefined();
  });
});
