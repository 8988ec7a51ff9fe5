/**
 * A data export (art. 15/20) as a durable process: the bundle is built once, can be
 * downloaded once, and is deleted when its seven days are up, whatever restarts happen in
 * between. The history holds the request id only.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { PrivacyActivities } from '../activities/index.js';
import type { ExportInput } from './messages.js';

const steps = proxyActivities<PrivacyActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function exportWorkflow({ requestId }: ExportInput): Promise<'built' | 'nobody'> {
  const { found, expiresAtMs } = await steps.buildExport(requestId);
  if (!found) return 'nobody';
  // Workflow time is replay-safe: the expiry is the activity's, the wait Temporal's.
  await sleep(Math.max(0, expiresAtMs - Date.now()));
  await steps.deleteExport(requestId);
  return 'built';
}
