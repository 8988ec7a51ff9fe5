/**
 * Starting the segment engine's workflows: a person's clock (signalWithStart, so a clock
 * that is running is moved and one that is not is started) and a deploy's recompute.
 * Both carry ids and instants only.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SegmentClock } from '../segments/engine.js';
import type * as workflows from '../workflows/index.js';
import { segmentClockSignal, segmentClockWorkflowId, segmentRecomputeWorkflowId } from '../workflows/messages.js';

/**
 * A clock not running yet is started with a delay until its instant: until then it costs
 * Temporal one stored execution and no work (a person's next instant is often days away).
 * A signal-with-start to a clock waiting for its delayed start starts it at once (so one
 * set earlier rings earlier); to a running clock, it is a signal.
 */
export function createSegmentClock(temporal: Client, taskQueue: string, now: () => Date): SegmentClock {
  return {
    async ringAt(profileId, at) {
      const delayMs = at.getTime() - now().getTime();
      await temporal.workflow.signalWithStart<typeof workflows.segmentClockWorkflow, [number]>('segmentClockWorkflow' satisfies keyof typeof workflows, {
        taskQueue,
        workflowId: segmentClockWorkflowId(profileId),
        args: [{ profileId, atMs: at.getTime() }],
        signal: segmentClockSignal,
        signalArgs: [at.getTime()],
        ...(delayMs > 0 ? { startDelay: delayMs } : {}),
      });
    },
  };
}

/** Starts the recompute of a rules version; one that is running already is left to run. */
export async function startSegmentRecompute(temporal: Client, taskQueue: string, database: string, version: number): Promise<void> {
  try {
    await temporal.workflow.start<typeof workflows.segmentRecomputeWorkflow>('segmentRecomputeWorkflow' satisfies keyof typeof workflows, {
      taskQueue,
      workflowId: segmentRecomputeWorkflowId(database, version),
      args: [{ version }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
