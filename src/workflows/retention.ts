/**
 * One run of the retention policy, started by its Temporal Schedule
 * (src/workflows/retention.client.ts): the policy's events removed and the inactive people
 * chosen, then erased a batch at a time (src/privacy/retention-erasure.ts), each batch with
 * one settle wait, two batches in flight so one's wait overlaps the other's work. The
 * history holds run and batch positions and counts: no person, not even a profile id.
 */
import { patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { PrivacyActivities } from '../activities/index.js';
import { SUPPRESSION_SETTLE } from './erasure.js';

const steps = proxyActivities<PrivacyActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 10 },
});

/**
 * As an erasure's steps: retried until they succeed, beating every 2 s, so a killed
 * worker's batch is taken up again within seconds.
 */
const batchSteps = proxyActivities<PrivacyActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** A run's input: none from its schedule; a test may ask for smaller batches. */
export interface RetentionInput {
  batchSize?: number;
}

/** People per batch: large enough that the settle wait and the round trips are shared widely, small enough for a `$in`. */
export const RETENTION_BATCH = 250;
/** Batches in flight at once. */
const LANES = 2;

/** Runs started before batches (one activity starting an erasure workflow per person) replay as they ran. */
export const RETENTION_BATCHES_PATCH = 'retention-batches';

export async function retentionWorkflow(input: RetentionInput = {}): Promise<{ events: number[]; peopleErased: number }> {
  const runKey = workflowInfo().runId;
  if (!patched(RETENTION_BATCHES_PATCH)) return steps.applyRetention(runKey);
  const selected = await steps.selectRetention(runKey);
  if (!selected) return { events: [], peopleErased: 0 };
  const size = input.batchSize ?? RETENTION_BATCH;
  const starts = Array.from({ length: Math.ceil(selected.people / size) }, (_, i) => i * size);
  let peopleErased = 0;
  await Promise.all(
    Array.from({ length: Math.min(LANES, starts.length) }, async () => {
      for (let from = starts.shift(); from !== undefined; from = starts.shift()) {
        const batch = { runKey, from, to: from + size };
        await batchSteps.eraseRetentionBatch(batch);
        await sleep(SUPPRESSION_SETTLE);
        // Read after the await: `total += await …` would add to the total as it was before the wait, losing the other lane's batches.
        const { erased } = await batchSteps.settleRetentionBatch(batch);
        peopleErased += erased;
      }
    }),
  );
  await batchSteps.finishRetention(runKey, peopleErased);
  return { events: selected.events, peopleErased };
}
