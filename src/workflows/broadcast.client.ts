/** A broadcast's client side (broadcast.ts is the workflow): started, paused, resumed and cancelled by the API. */
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { broadcastWorkflowId } from '../util/workflow-ids.js';
import { cancelBroadcastSignal, pauseBroadcastSignal, resumeBroadcastSignal, type BroadcastInput } from './broadcast-messages.js';
import { ignoringEnded, startOnce, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';

export type BroadcastAction = 'pause' | 'resume' | 'cancel';

const SIGNALS = { pause: pauseBroadcastSignal, resume: resumeBroadcastSignal, cancel: cancelBroadcastSignal } as const;

/**
 * Starts the broadcast's one run; false when it was started before. A broadcast is one-off:
 * its id is never reused, even after the run ended, so a repeated start cannot send again.
 */
export async function startBroadcast({ temporal, taskQueue }: WorkflowStarter, deploymentId: string, broadcast: string): Promise<boolean> {
  const input: BroadcastInput = { broadcast };
  return startOnce(() =>
    temporal.workflow.start<typeof workflows.broadcastWorkflow>('broadcastWorkflow' satisfies keyof typeof workflows, {
      taskQueue,
      workflowId: broadcastWorkflowId(deploymentId, broadcast),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [input],
    }),
  );
}

/** Tells the run at once; one that has ended needs telling nothing (false). */
export async function signalBroadcast(
  { temporal }: WorkflowStarter,
  deploymentId: string,
  broadcast: string,
  action: BroadcastAction,
): Promise<boolean> {
  const signalled = await ignoringEnded(async () => {
    await temporal.workflow.getHandle(broadcastWorkflowId(deploymentId, broadcast)).signal(SIGNALS[action]);
    return true;
  });
  return signalled ?? false;
}
