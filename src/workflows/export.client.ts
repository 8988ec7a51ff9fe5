/** The export's client side (export.ts is the workflow): started by a privacy request, or by the sweeper. */
import { exportWorkflowId } from '../util/workflow-ids.js';
import { startOnce, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';
import type { ExportInput } from './messages.js';

export async function startExport({ temporal, taskQueue }: WorkflowStarter, requestId: string): Promise<void> {
  const input: ExportInput = { requestId };
  await startOnce(() =>
    temporal.workflow.start<typeof workflows.exportWorkflow>('exportWorkflow' satisfies keyof typeof workflows, {
      taskQueue,
      workflowId: exportWorkflowId(requestId),
      args: [input],
    }),
  );
}
