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
 * cutoff (a database stalled), the cutoff stays (moving it would count twice the events
 * rounds have folded live since): `prepare` records when it saw it (`settledAt`), and the
 * backfill folds again the people with events received in between (recompute.ts).
 */
import type { LeafState } from '../store/segment-catalog.js';
import type { Stores } from '../store/index.js';
import type { SegmentPlan } from './plan.js';

/**
 * How far ahead of the deploy new leaves' cutoff is set: more than writing the state takes
 * (milliseconds: one `_id` read and one guarded update, 20–40 ms on the embedded FerretDB).
 * Should the write take longer, nothing is lost: the events received between the cutoff
 * and the write's acknowledgement are folded again (`settledAt`). The recompute waits for
 * the cutoff before its backfill, so this is also time every deploy with new leaves waits:
 * 250 ms until 2026-12-08, when the recompute's quick steps became local activities and
 * that wait became most of what was left between a deploy and its first step.
 */
export const CUTOFF_AHEAD_MS = 100;

/** Whether some leaf of the plan has no cutoff yet. */
export function lacksCutoff(plan: SegmentPlan, leaves: Record<string, LeafState>): boolean {
  for (const key of plan.leaves.keys()) if (leaves[key]?.cutoff === undefined) return true;
  return false;
}

/** Gives every leaf of the plan a state and a cutoff, where it has none; the states as written. */
export async function setMissingCutoffs(stores: Stores, plan: SegmentPlan, now: () => Date): Promise<Record<string, LeafState>> {
  const cutoff = new Date(now().getTime() + CUTOFF_AHEAD_MS);
  const written = await stores.segments.updateLeaves((current) => {
    const next = { ...current };
    for (const [key, leaf] of plan.leaves) {
      const state = next[key] ?? { leaf, ready: false };
      if (state.cutoff === undefined) next[key] = { ...state, cutoff };
    }
    return next;
  });
  return written;
}
