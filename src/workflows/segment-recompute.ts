/**
 * A deploy's segment recompute, durable: the steps are in src/segments/recompute.ts. A
 * crash of the worker, the server or Temporal resumes it where it was; the long pass over
 * every profile resumes from its last heartbeat. Superseded by a newer deploy, it stops and
 * leaves the rest to that one's recompute.
 */
import { patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { SegmentActivities } from '../activities/index.js';
import type { SegmentRecomputeInput } from './messages.js';

const quick = proxyActivities<SegmentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Passes over every event or profile: hours at most, alive as long as they heartbeat. */
const passes = proxyActivities<SegmentActivities>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export type SegmentRecomputeOutcome = 'done' | 'superseded';

/**
 * Runs from this patch on leave the backfill step out when there are segments to judge: the
 * judging pass folds the backfill itself (src/segments/recompute.ts, step 3), and the step
 * would only find that out and return (an activity and a workflow task, 0.1–0.15 s of a
 * first deploy over an empty database). Runs started before it still call the step.
 */
const JUDGE_FOLDS_BACKFILL_PATCH = 'recompute-judge-folds-backfill';

export async function segmentRecomputeWorkflow({ version }: SegmentRecomputeInput): Promise<SegmentRecomputeOutcome> {
  const prepared = await quick.prepareSegmentRecompute(version);
  if (prepared === 'superseded') return 'superseded';
  if (prepared.cutoffMs !== undefined) {
    const untilCutoff = prepared.cutoffMs + 1 - Date.now();
    if (untilCutoff > 0) await sleep(untilCutoff);
    // Events received up to the cutoff are the backfill's, and those up to the instant every
    // process saw it are looked at again: wait until every one is applied.
    while ((await quick.openBatchesUpTo(prepared.settledMs ?? prepared.cutoffMs)) > 0) await sleep('1 second');
    const judgeFolds = prepared.computing.length > 0 && patched(JUDGE_FOLDS_BACKFILL_PATCH);
    if (!judgeFolds && (await passes.backfillSegmentFacts(version)) === 'superseded') return 'superseded';
  }
  if (prepared.computing.length > 0 && (await passes.judgeSegmentMembers(version)).outcome === 'superseded') return 'superseded';
  return quick.finishSegmentRecompute(version);
}
