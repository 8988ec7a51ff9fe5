/**
 * What a merge does to segment state: the survivor's facts become the facts of both
 * people's events (they were disjoint), the absorbed profile leaves its segments (exits,
 * written on the survivor as pending changes, so they are copied even after a crash),
 * and the survivor is marked to be judged again on everything at its next refresh.
 *
 * The survivor's segment version moves on: a judgement of the survivor decided before the
 * merge (in this process or another) is guarded by the version it read, so it is decided
 * again on the merged state instead of writing the survivor's facts alone over it. A
 * leaf still being backfilled has its shares merged here as the backfill's are; the next
 * refresh computes the survivor's share again from both people's events (own-backfill.ts),
 * since one of the two may not have had its share computed yet.
 */
import type { ProfileDoc, SegmentChange } from '../model.js';
import type { LeafState } from '../store/segment-catalog.js';
import { mergeFacts, type Facts } from './facts.js';
import { combineBackfill } from './person-facts.js';
import type { Leaf } from './leaves.js';

export function combineSegmentState(
  survivor: ProfileDoc,
  absorbed: ProfileDoc,
  leaves: Record<string, LeafState>,
  now: Date,
): Partial<ProfileDoc> {
  const facts: Facts = { ...survivor.segmentFacts };
  for (const [key, fact] of Object.entries(absorbed.segmentFacts ?? {})) {
    const state = leaves[key];
    // A leaf no rules name any more: its facts are dropped at the next refresh anyway.
    if (state) facts[key] = mergeFacts(state.leaf as Leaf, facts[key], fact, now);
  }
  let count = absorbed.segmentChangeCount ?? 0;
  const exits: SegmentChange[] = Object.keys(absorbed.segments ?? {}).map((segment) => ({
    _id: `${absorbed._id}:${count++}`,
    profileId: absorbed._id,
    segment,
    change: 'exited',
    at: now,
    reason: { kind: 'merge', profileId: survivor._id },
  }));
  return {
    segmentVersion: (survivor.segmentVersion ?? 0) + 1,
    segmentFacts: facts,
    segmentChanges: [...(survivor.segmentChanges ?? []), ...(absorbed.segmentChanges ?? []), ...exits],
    segmentMergedFrom: [...new Set([...(survivor.segmentMergedFrom ?? []), absorbed._id])],
    segmentBackfill: combineBackfill(
      survivor.segmentBackfill,
      absorbed.segmentBackfill,
      (key) => leaves[key]?.leaf as Leaf | undefined,
      now,
    ),
  };
}
