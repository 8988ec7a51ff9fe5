/** One run of the retention policy, started by its Temporal Schedule (src/workflows/retention.client.ts). */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PrivacyActivities } from '../activities/index.js';

const steps = proxyActivities<PrivacyActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 10 },
});

export async function retentionWorkflow(): Promise<{ events: number[]; peopleErased: number }> {
  return steps.applyRetention(workflowInfo().runId);
}
