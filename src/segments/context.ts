/** The segment engine's view of the active rules, read once per round of the profile writer. */
import type { LeafState } from '../store/segment-catalog.js';
import type { SegmentPlan } from './plan.js';

export interface SegmentContext {
  version: number;
  plan: SegmentPlan;
  leaves: Record<string, LeafState>;
}
