/**
 * Starting the segment engine's workflows: the clock shard that holds a person's instant
 * (signalWithStart, so a shard that is running is told and one that is not is started)
 * and a deploy's recompute. Both carry ids and instants only.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SegmentClock } from '../segments/engine.js';
import type * as workflows from '../workflows/index.js';
import {
  segmentClockForgetSignal, segmentClockSetSignal, segmentClockShardOf, segmentClocksWorkflowId, segmentRecomputeWorkflowId,
} from '../workflows/messages.js';

export function createSegmentClock(temporal: Client, taskQueue: string): SegmentClock {
  return {
    async ringAt(profileId, at) {
      const shard = segmentClockShardOf(profileId);
      await temporal.workflow.signalWithStart<typeof workflows.segmentClocksWorkflow, [string, number]>('segmentClocksWorkflow' satisfies keyof typeof workflows, {
        taskQueue,
        workflowId: segmentClocksWorkflowId(taskQueue, shard),
        args: [{ shard, due: [] }],
        signal: segmentClockSetSignal,
        signalArgs: [profileId, at.getTime()],
      });
    },
  };
}

/** Takes erased people out of their clock shards; a shard not running holds nobody. */
export async function forgetSegmentClocks(temporal: Client, taskQueue: string, profileIds: readonly string[]): Promise<void> {
  for (const profileId of profileIds) {
    try {
      await temporal.workflow.getHandle(segmentClocksWorkflowId(taskQueue, segmentClockShardOf(profileId))).signal(segmentClockForgetSignal, profileId);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
}

/** Starts the recompute of a rules version; one that is running already is left to run. */
export async function startSegmentRecompute(temporal: Client, taskQueue: string, deploymentId: string, version: number): Promise<void> {
  try {
    await temporal.workflow.start<typeof workflows.segmentRecomputeWorkflow>('segmentRecomputeWorkflow' satisfies keyof typeof workflows, {
      taskQueue,
      workflowId: segmentRecomputeWorkflowId(deploymentId, version),
      args: [{ version }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
