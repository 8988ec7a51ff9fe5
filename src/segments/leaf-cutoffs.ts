/**
 * A leaf's cutoff set by the first judgement that needs it, not only by the deploy's
 * recompute. The recompute's `prepare` step runs in a workflow a moment after the rules
 * become active; a writer round in between reads a plan whose new leaves have no state
 * yet, and could judge none of the segments reading them. Setting the cutoff from here
 * (as `prepare` does, a few seconds ahead, only where none is set) lets that round compute
 * the person's own share of the backfill (own-backfill.ts) and judge them at once; `prepare`
 * then finds the cutoff set and keeps it.
 *
 * Why a cutoff written now is safe: a round that read the leaf states before this write
 * holds events received before its read, so before the cutoff, which is ahead of now:
 * they are the backfill's, as the cutoff says. Should the write itself finish after the
 * cutoff (a database stalled for seconds), the cutoff moves later, before anything can have
 * been backfilled up to it (the backfill waits for the cutoff to pass first).
 */
import type { LeafState } from '../store/segment-catalog.js';
import type { Stores } from '../store/index.js';
import { CUTOFF_AHEAD_MS } from './recompute.js';
import type { SegmentPlan } from './plan.js';

/**
 * Whether the leaf states may be written from here: not while there are none at all. The
 * states' document may not exist yet (the first deploy with an event condition), and two
 * writers creating it at once are not guarded against each other (`updateLeaves` upserts
 * by `_id` alone when it read no document): the recompute's `prepare` could write its
 * states over these, with other cutoffs. Once it exists, every write is guarded by its
 * version. So on a database's very first such deploy, the people who change before
 * `prepare` has run are judged by the pass (or their next change), as before.
 */
export function mayWriteCutoffs(leaves: Record<string, LeafState>): boolean {
  return Object.keys(leaves).length > 0;
}

/** Whether some leaf of the plan has no cutoff yet. */
export function lacksCutoff(plan: SegmentPlan, leaves: Record<string, LeafState>): boolean {
  for (const key of plan.leaves.keys()) if (leaves[key]?.cutoff === undefined) return true;
  return false;
}

/** Gives every leaf of the plan a state and a cutoff, where it has none; the states as written. */
export async function setMissingCutoffs(stores: Stores, plan: SegmentPlan, now: () => Date): Promise<Record<string, LeafState>> {
  const cutoff = new Date(now().getTime() + CUTOFF_AHEAD_MS);
  let written = await stores.segments.updateLeaves((current) => {
    const next = { ...current };
    for (const [key, leaf] of plan.leaves) {
      const state = next[key] ?? { leaf, ready: false };
      if (state.cutoff === undefined) next[key] = { ...state, cutoff };
    }
    return next;
  });
  if (now().getTime() >= cutoff.getTime()) {
    const later = new Date(now().getTime() + CUTOFF_AHEAD_MS);
    written = await stores.segments.updateLeaves((current) => {
      const next = { ...current };
      for (const key of plan.leaves.keys()) {
        const state = next[key];
        if (state && !state.ready && state.cutoff?.getTime() === cutoff.getTime()) next[key] = { ...state, cutoff: later };
      }
      return next;
    });
  }
  return written;
}
