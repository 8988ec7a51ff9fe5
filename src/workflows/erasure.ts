/**
 * "Forget me" (GDPR art. 17) as a durable process: once accepted it runs to the end,
 * across crashes of the server, the worker or Temporal. The steps are in
 * src/privacy/erasure.ts; this history holds the request id, step names and destination
 * names, nothing about the person (not even their profile id).
 */
import { ActivityFailure, deprecatePatch, proxyActivities, sleep } from '@temporalio/workflow';
import type { PrivacyActivities } from '../activities/index.js';
import type { ErasureInput } from './messages.js';

/**
 * Each step is safe to repeat and retried until it succeeds: an accepted erasure does not
 * give up because the database was away for an hour. They beat every 2 s, so a killed
 * worker's step is taken up again within seconds.
 */
const steps = proxyActivities<PrivacyActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** A destination's notice is retried with backoff for a day, its Retry-After honoured, then recorded as failed. */
const notices = proxyActivities<PrivacyActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

/**
 * Longer than ingestion takes from screening a batch against the suppression list to
 * linking its identifiers (src/privacy/suppression.ts): a batch screened before the
 * suppression has linked whatever it links by the time `verify` looks.
 */
export const SUPPRESSION_SETTLE = '2 seconds';

/**
 * At step 2 of Temporal's patching sequence: every run records the marker, a run started
 * before it (one `eraseProfile`) no longer replays (docs/architecture.md, "Workflow
 * versions: the support window"), and the next release deletes the call.
 */
export const ERASURE_STEPS_PATCH = 'erasure-steps';

export async function erasureWorkflow(input: ErasureInput): Promise<'completed'> {
  deprecatePatch(ERASURE_STEPS_PATCH);
  const { requestId } = input;
  const { destinations } = await steps.eraseInventory(requestId);
  await steps.eraseSuppress(requestId);
  await steps.eraseStop(requestId);
  await steps.eraseRemove(requestId);
  await sleep(SUPPRESSION_SETTLE);
  await steps.eraseVerify(requestId);
  await Promise.all(
    destinations.map(async (destination) => {
      try {
        await notices.notifyErasure(requestId, destination);
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        await steps.abandonErasureNotice(requestId, destination, 'no answer within a day');
      }
    }),
  );
  await steps.eraseComplete(requestId);
  return 'completed';
}
