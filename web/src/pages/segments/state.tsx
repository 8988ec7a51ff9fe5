/** A segment's state as a badge: ready, or computing with its progress. */
import type { Progress, SegmentState } from './types';

export function percentOf(progress: Progress | undefined): number | undefined {
  if (!progress || !(progress.total > 0)) return undefined;
  return Math.min(100, Math.floor((progress.done / progress.total) * 100));
}

export function StateBadge({ state, progress }: { state: SegmentState; progress?: Progress | undefined }) {
  if (state === 'ready') return <span class="dash-badge dash-badge-ready">ready</span>;
  const percent = percentOf(progress);
  return (
    <span class="dash-state-computing">
      <span class="dash-badge dash-badge-computing">computing{percent === undefined ? '' : ` ${percent}%`}</span>
      {percent !== undefined && (
        <progress class="dash-progress" max={100} value={percent} aria-label={`Computing: ${percent}%`}>
          {percent}%
        </progress>
      )}
    </span>
  );
}
