/** The erasure's client side (erasure.ts is the workflow): started by a privacy request, by retention, or by the sweeper. */
import { erasureWorkflowId } from '../util/workflow-ids.js';
import { startOnce, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';
import type { ErasureInput } from './messages.js';

/** The request id alone: the steps read the person from the request, so the history never names them. */
export async function startErasure({ temporal, taskQueue }: WorkflowStarter, requestId: string): Promise<void> {
  const input: ErasureInput = { requestId };
  await startOnce(() =>
    temporal.workflow.start<typeof workflows.erasureWorkflow>('erasureWorkflow' satisfies keyof typeof workflows, {
      taskQueue,
      workflowId: erasureWorkflowId(requestId),
      args: [input],
    }),
  );
}
