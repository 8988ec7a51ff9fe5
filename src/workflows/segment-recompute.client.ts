/** The recompute's client side (segment-recompute.ts is the workflow): started by a deploy, and by the sweeper when one was missed. */
import { segmentRecomputeWorkflowId } from '../util/workflow-ids.js';
import { startOnce, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';

/** Starts the recompute of a rules version; one that is running already is left to run. */
export async function startSegmentRecompute(
  { temporal, taskQueue }: WorkflowStarter,
  deploymentId: string,
  version: number,
): Promise<void> {
  await startOnce(() =>
    temporal.workflow.start<typeof workflows.segmentRecomputeWorkflow>('segmentRecomputeWorkflow' satisfies keyof typeof workflows, {
      taskQueue,
      workflowId: segmentRecomputeWorkflowId(deploymentId, version),
      args: [{ version }],
    }),
  );
}
