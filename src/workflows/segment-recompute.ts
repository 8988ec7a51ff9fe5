/**
 * A deploy's segment recompute, durable: the steps are in src/segments/recompute.ts. A
 * crash of the worker, the server or Temporal resumes it where it was; the long pass over
 * every profile resumes from its last heartbeat. Superseded by a newer deploy, it stops and
 * leaves the rest to that one's recompute.
 */
import { patched, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { SegmentActivities } from '../activities/index.js';
import type { SegmentRecomputeInput } from './messages.js';

const quickRegular = proxyActivities<SegmentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * The same quick steps as local activities: run by the worker inside the workflow task that
 * calls them, with no round through the server's task queue and no workflow task of their
 * own to deliver the result. A first deploy of 80 segments over an empty database spent
 * about 0.2 s of its second in those rounds (docs/segments.md). Each step is safe to run
 * again (a worker dying in the middle runs it again in the next task), as a retried
 * activity already was.
 */
const quickLocal = proxyLocalActivities<SegmentActivities>({
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

/** Runs from this patch on take the quick steps as local activities; runs started before it keep regular ones. */
const QUICK_STEPS_LOCAL_PATCH = 'recompute-quick-steps-local';

export async function segmentRecomputeWorkflow({ version }: SegmentRecomputeInput): Promise<SegmentRecomputeOutcome> {
  const quick = patched(QUICK_STEPS_LOCAL_PATCH) ? quickLocal : quickRegular;
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
