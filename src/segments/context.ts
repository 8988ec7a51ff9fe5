/** The segment engine's view of the active rules, read once per round of the profile writer. */
import type { LeafState } from '../store/segment-catalog.js';
import type { SegmentPlan } from './plan.js';

export interface SegmentContext {
  version: number;
  plan: SegmentPlan;
  leaves: Record<string, LeafState>;
  /** Segments of these rules still computing (a deploy's recompute under way). Absent: none. */
  computing?: ReadonlySet<string>;
  /**
   * Segments in their first computation (added by the deploy, not yet `ready`): an entry
   * judged live is `initial` when the person's state before the change already held
   * (docs/segments.md, "While a segment computes"). Absent: none.
   */
  firstComputation?: ReadonlySet<string>;
}
