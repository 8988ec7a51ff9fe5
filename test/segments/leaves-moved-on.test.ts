/**
 * A round reads the leaf states when it starts; a deploy's pass may make a leaf ready
 * before the round judges its person (src/segments/own-backfill.ts `LEAVES_MOVED_ON`).
 * The person's own share is then not to be computed (the backfill is written), yet the
 * segments reading the leaf cannot be judged by the states the round read: the refresh is
 * made again on the states as they are. The person here is new since the pass went by, so
 * nobody else would ever judge them. Forced by handing the refresh the states read before
 * the pass; before the fix, they stayed out of both segments (test/segments/real-path.test.ts
 * failed about one run in two under load that way).
 *
 * And, found on the way: a new person's first judgement is of every segment, not only of
 * those their first change touches.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';
import { changeOfEvents } from '../../src/segments/changes.js';
import type { SegmentContext } from '../../src/segments/context.js';
import { CUTOFF_AHEAD_MS, declareNewSegments, finishRecompute, judgeEveryone, prepareRecompute } from '../../src/segments/recompute.js';
import { newProfileDoc } from '../../src/store/profiles.js';
import { engineOnFreshDatabase, storedTrack } from './support/fresh-engine.js';

const RULES = `segment signed {
  performed "Signed Up"
}
segment never_signed {
  performed "Signed Up" exactly 0 times
}
segment signed_once {
  performed "Signed Up" exactly 1 times
}
`;
const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);

/** Deploys the rules and runs the pass over nobody; the leaf states read before it made the leaves ready. */
async function deployedAndPassed() {
  const { stores, raw, engine, clock, now } = await engineOnFreshDatabase('leaves_moved_on', T0);

  const { ir } = compile(RULES);
  const version = await stores.rules.deploy(RULES, ir!, now(), {}, (next) => declareNewSegments(stores, ir!, next, now));
  expect(await prepareRecompute(stores, engine, version, now)).toMatchObject({ cutoffMs: T0 + CUTOFF_AHEAD_MS });
  clock.ms = T0 + CUTOFF_AHEAD_MS + 1_000;
  // A round starts: it reads the states while the leaves are still backfilling.
  const readBefore = await engine.context();
  expect(Object.values(readBefore!.leaves).every((state) => state.ready === false)).toBe(true);

  // The pass goes by (nobody to judge yet) and makes the leaves ready.
  expect(
    await judgeEveryone(
      stores,
      engine,
      version,
      now,
      { done: 0 },
      () => undefined,
      async () => undefined,
    ),
  ).toBe('done');
  expect(await finishRecompute(stores, engine, version, now)).toBe('done');
  expect(Object.values(await stores.segments.leaves()).every((state) => state.ready)).toBe(true);

  /** A new person's first event, applied by a round that read `context` (undefined: read now). */
  const firstEvent = async (profileId: string, name: string, context?: SegmentContext | null) => {
    const applied = storedTrack(profileId, name, clock.ms);
    await raw.events.insertOne(applied);
    await raw.profiles.insertOne(newProfileDoc(profileId, {}, now()));
    await engine.refresh(profileId, { ...changeOfEvents([applied]), events: [applied] }, context);
  };
  /** The same, applied and judged in one write (the profile writer's way, src/profile-changes/pipeline.ts). */
  const firstEventInOneWrite = async (profileId: string, name: string, context: SegmentContext | null) => {
    const applied = storedTrack(profileId, name, clock.ms);
    await raw.events.insertOne(applied);
    await raw.profiles.insertOne(newProfileDoc(profileId, {}, now()));
    const batches = [{ outboxId: `ob-${profileId}`, activity: { firstAt: now(), lastAt: now() } }];
    return engine.applyAndRefresh(profileId, batches, { ...changeOfEvents([applied]), events: [applied] }, context!);
  };
  const membership = async () => {
    const segments: Record<string, string[]> = {};
    for (const profile of await raw.profiles.find({}).toArray()) segments[profile._id] = Object.keys(profile.segments ?? {}).sort();
    const sizes = Object.fromEntries((await stores.segments.all()).map((doc) => [doc._id, doc.size]));
    return { segments, sizes };
  };
  return { readBefore, firstEvent, firstEventInOneWrite, membership, raw };
}

describe('a round that read the leaf states before the pass made them ready', () => {
  it('judges its person on the states as they are now', async () => {
    const { readBefore, firstEvent, membership } = await deployedAndPassed();
    await firstEvent('p_signed', 'Signed Up', readBefore);
    await firstEvent('p_viewed', 'Viewed', readBefore);
    expect(await membership()).toEqual({
      segments: { p_signed: ['signed', 'signed_once'], p_viewed: ['never_signed'] },
      sizes: { signed: 1, never_signed: 1, signed_once: 1 },
    });
  });

  it('in one write with the events: the events applied once, the person judged again on the states as they are', async () => {
    const { readBefore, firstEventInOneWrite, membership, raw } = await deployedAndPassed();
    expect(await firstEventInOneWrite('p_signed', 'Signed Up', readBefore)).toMatchObject({ applied: ['ob-p_signed'] });
    expect(await membership()).toEqual({
      segments: { p_signed: ['signed', 'signed_once'] },
      sizes: { signed: 1, never_signed: 0, signed_once: 1 },
    });
    const profile = await raw.profiles.findOne({ _id: 'p_signed' });
    expect(Object.keys(profile!.appliedBatches ?? {})).toEqual(['ob-p_signed']);
  });
});

describe("a new person's first judgement", () => {
  it('is of every segment, also those their first change does not touch', async () => {
    const { firstEvent, membership } = await deployedAndPassed();
    // `Viewed` is read by no segment; `performed "Signed Up" exactly 0 times` holds for them all the same.
    await firstEvent('p_viewed', 'Viewed');
    expect(await membership()).toEqual({
      segments: { p_viewed: ['never_signed'] },
      sizes: { signed: 0, never_signed: 1, signed_once: 0 },
    });
  });
});
