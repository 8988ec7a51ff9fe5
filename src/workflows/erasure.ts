/**
 * "Forget me" (GDPR art. 17) as a durable process: once accepted it runs to the end,
 * across crashes of the server, the worker or Temporal.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { PrivacyActivities } from '../activities/index.js';
import type { ErasureInput } from './messages.js';

const activities = proxyActivities<PrivacyActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 },
});

export async function erasureWorkflow(input: ErasureInput): Promise<'completed' | 'failed'> {
  await activities.setPrivacyRequestStatus(input.requestId, 'running');
  try {
    const removed = input.profileId
      ? await activities.eraseProfile(input.profileId)
      : { profiles: 0, events: 0, identities: 0 };
    await activities.setPrivacyRequestStatus(input.requestId, 'completed', removed);
    return 'completed';
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await activities.setPrivacyRequestStatus(input.requestId, 'failed');
    return 'failed';
  }
}
