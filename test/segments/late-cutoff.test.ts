/**
 * A deploy sets its new leaves' cutoff a moment ahead (src/segments/recompute.ts): events
 * received after it are folded live by the writer, those up to it by the backfill. Should
 * the cutoff's write be acknowledged only after the cutoff has passed (a slow database), a
 * writer's round may have read the leaf states just before the write, and applied an event
 * received after the cutoff without folding it: neither side would count it. The backfill
 * then folds again, from their stored events, the facts of everyone with an event received
 * between the cutoff and the acknowledgement. Forced here with a clock that moves on while
 * the cutoff is written; the same run without the refold shows the event lost.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';
import { createProfileChanges } from '../../src/profile-changes/pipeline.js';
import { changeOfEvents } from '../../src/segments/changes.js';
import {
  backfillFacts,
  CUTOFF_AHEAD_MS,
  declareNewSegments,
  finishRecompute,
  judgeEveryone,
  prepareRecompute,
} from '../../src/segments/recompute.js';
import { newProfileDoc } from '../../src/store/profiles.js';
import { engineOnFreshDatabase, storedTrack } from './support/fresh-engine.js';

const RULES = `segment signed {
  performed "Signed Up"
}
segment signed_once {
  performed "Signed Up" exactly 1 times
}
`;
const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
/** The cutoff's write is acknowledged this long after the deploy: well after the cutoff. */
const ACKNOWLEDGED_AFTER_MS = 5_000;

const signedUp = (profileId: string, receivedAt: number) => storedTrack(profileId, 'Signed Up', receivedAt);

/** Deploys with a slow cutoff write and runs the recompute's steps; each person's segments after. */
async function deployWithLateCutoff(refold: boolean): Promise<Record<string, string[]>> {
  // The deploy reads the clock at T0; from the cutoff's write on, it reads T0 + 5 s.
  const { stores, raw, engine, clock, now } = await engineOnFreshDatabase('late_cutoff', T0);
  const changes = createProfileChanges({ stores, now, segments: engine });
  const people = ['p_backfilled', 'p_in_the_gap', 'p_live'];
  await raw.profiles.insertMany(people.map((id) => newProfileDoc(id, {}, new Date(T0 - 60_000))));

  const { ir } = compile(RULES);
  const version = await stores.rules.deploy(RULES, ir!, now(), {}, (next) => declareNewSegments(stores, ir!, next, now));
  const reads = { count: 0 };
  const prepared = await prepareRecompute(stores, engine, version, () => {
    // The first read sets the cutoff; every later one comes after its slow write.
    if (reads.count++ > 0) clock.ms = T0 + ACKNOWLEDGED_AFTER_MS;
    return now();
  });
  expect(prepared).toMatchObject({ cutoffMs: T0 + CUTOFF_AHEAD_MS, settledMs: T0 + ACKNOWLEDGED_AFTER_MS });

  // Received before the cutoff: the backfill's.
  await raw.events.insertOne(signedUp('p_backfilled', T0 - 1_000));
  // Received after the cutoff, applied by a round that read the states before the write: not folded.
  await raw.events.insertOne(signedUp('p_in_the_gap', T0 + 2_000));
  // Received once every process saw the cutoff: folded live by the writer.
  const live = signedUp('p_live', T0 + 6_000);
  await raw.events.insertOne(live);
  clock.ms = T0 + 6_000;
  await engine.refresh('p_live', { ...changeOfEvents([live]), events: [live] });

  const ignore = () => undefined;
  const refolded: string[] = [];
  const rebuild = async (profileId: string) => {
    refolded.push(profileId);
    if (refold) await changes.rebuildSegmentFacts(profileId);
  };
  expect(await backfillFacts(stores, engine, version, now, ignore, rebuild)).toBe('done');
  // Found by the judging pass, in its own pass over the events, before it judges anyone.
  expect(await judgeEveryone(stores, engine, version, now, { done: 0 }, ignore, rebuild)).toBe('done');
  expect(refolded).toEqual(['p_in_the_gap']);
  expect(await finishRecompute(stores, engine, version, now)).toBe('done');

  const segments: Record<string, string[]> = {};
  for (const profile of await raw.profiles.find({}).toArray()) segments[profile._id] = Object.keys(profile.segments ?? {}).sort();
  return segments;
}

describe('a cutoff acknowledged after it passed', () => {
  beforeAll(() => {
    expect(CUTOFF_AHEAD_MS).toBeLessThan(ACKNOWLEDGED_AFTER_MS);
  });

  it('loses no event: the people with one received in between are folded again, each event counted once', async () => {
    expect(await deployWithLateCutoff(true)).toEqual({
      p_backfilled: ['signed', 'signed_once'],
      p_in_the_gap: ['signed', 'signed_once'],
      p_live: ['signed', 'signed_once'],
    });
  });

  it('would lose the event in between without the refold', async () => {
    expect((await deployWithLateCutoff(false)).p_in_the_gap).toEqual([]);
  });
});
