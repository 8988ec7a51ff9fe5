/**
 * The consent confirmation's client side (consent-confirmation.ts is the workflow): a
 * pending request's confirmation e-mail (double opt-in), one workflow per request, ever.
 */
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { consentConfirmationWorkflowId } from '../util/workflow-ids.js';
import { startOnce, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';
import type { ConsentConfirmationInput } from './messages.js';

/** Without a deployment id: the id confirmations had before deployment ids (src/util/workflow-ids.ts). */
export async function startConsentConfirmation(
  { temporal, taskQueue }: WorkflowStarter,
  input: ConsentConfirmationInput,
  deploymentId?: string,
): Promise<void> {
  await startOnce(() =>
    temporal.workflow.start<typeof workflows.consentConfirmationWorkflow>('consentConfirmationWorkflow' satisfies keyof typeof workflows, {
      taskQueue,
      workflowId: consentConfirmationWorkflowId(input.recordId, deploymentId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    }),
  );
}
