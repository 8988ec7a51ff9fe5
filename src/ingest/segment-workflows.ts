/**
 * Starting the segment engine's workflows: a person's clock (signalWithStart, so a clock
 * that is running is moved and one that is not is started) and a deploy's recompute.
 * Both carry ids and instants only.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SegmentClock } from '../segments/engine.js';
import type * as workflows from '../workflows/index.js';
import { segmentClockSignal, segmentClockWorkflowId, segmentRecomputeWorkflowId } from '../workflows/messages.js';

export function createSegmentClock(temporal: Client, taskQueue: string): SegmentClock {
  return {
    async ringAt(profileId, at) {
      await temporal.workflow.signalWithStart<typeof workflows.segmentClockWorkflow, [number]>('segmentClockWorkflow' satisfies keyof typeof workflows, {
        taskQueue,
        workflowId: segmentClockWorkflowId(profileId),
        args: [{ profileId, atMs: at.getTime() }],
        signal: segmentClockSignal,
        signalArgs: [at.getTime()],
      });
    },
  };
}

/** Starts the recompute of a rules version; one that is running already is left to run. */
export async function startSegmentRecompute(temporal: Client, taskQueue: string, version: number): Promise<void> {
  try {
    await temporal.workflow.start<typeof workflows.segmentRecomputeWorkflow>('segmentRecomputeWorkflow' satisfies keyof typeof workflows, {
      taskQueue,
      workflowId: segmentRecomputeWorkflowId(version),
      args: [{ version }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
