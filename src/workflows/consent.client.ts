/**
 * The consent lifecycle's client side (consent.ts is the workflow): one lifecycle per
 * grant with an expiry, started when the grant is applied (src/ingest/dispatch.ts) and
 * ended when a later record supersedes it. Ids name the deployment when it has an id
 * (src/util/workflow-ids.ts); without one, the ids from before deployment ids.
 */
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { consentLifecycleWorkflowId } from '../util/workflow-ids.js';
import { startOnce, terminateRun, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';
import type { ConsentLifecycleInput } from './messages.js';

/**
 * The grant's lifecycle, started with a delay until its first instant (the reminder, or
 * the lapse): until then Temporal holds one stored execution and runs nothing, no
 * workflow task, no activity, no timer.
 */
export async function startConsentLifecycle(
  { temporal, taskQueue }: WorkflowStarter,
  input: ConsentLifecycleInput,
  firstAt: Date,
  deploymentId?: string,
): Promise<void> {
  const delayMs = firstAt.getTime() - Date.now();
  await startOnce(() =>
    temporal.workflow.start<typeof workflows.consentLifecycleWorkflow>('consentLifecycleWorkflow' satisfies keyof typeof workflows, {
      taskQueue,
      workflowId: consentLifecycleWorkflowId(input.recordId, deploymentId),
      args: [input],
      ...(delayMs > 0 ? { startDelay: delayMs } : {}),
      // One lifecycle per grant, ever: a repeated dispatch after it ended starts nothing.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    }),
  );
}

/**
 * A superseded grant's lifecycle ends at once, even one still waiting for its delayed
 * start; one started before deployment ids (under the id without one) too.
 */
export async function stopConsentLifecycle(
  { temporal }: WorkflowStarter,
  recordId: string,
  supersededBy: string,
  deploymentId?: string,
): Promise<void> {
  const ids = new Set([consentLifecycleWorkflowId(recordId, deploymentId), consentLifecycleWorkflowId(recordId)]);
  for (const id of ids) await terminateRun(temporal, id, `superseded by ${supersededBy}`);
}
