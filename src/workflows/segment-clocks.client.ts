/**
 * The segment clock shards' client side (segment-clocks.ts is the workflow): setting the
 * instant a person's clock rings (signalWithStart, so a shard that is running is told and
 * one that is not is started) and taking erased people out. Ids and instants only.
 */
import type { SegmentClock } from '../segments/engine.js';
import { segmentClockShardOf, segmentClocksWorkflowId } from '../util/workflow-ids.js';
import { ignoringEnded, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';
import { segmentClockForgetSignal, segmentClockSetSignal } from './messages.js';

/** The engine's clock: rings the person at the instant, in the shard that holds them. */
export function segmentClockOf({ temporal, taskQueue }: WorkflowStarter): SegmentClock {
  return {
    async ringAt(profileId, at) {
      const shard = segmentClockShardOf(profileId);
      await temporal.workflow.signalWithStart<typeof workflows.segmentClocksWorkflow, [string, number]>(
        'segmentClocksWorkflow' satisfies keyof typeof workflows,
        {
          taskQueue,
          workflowId: segmentClocksWorkflowId(taskQueue, shard),
          args: [{ shard, due: [] }],
          signal: segmentClockSetSignal,
          signalArgs: [profileId, at.getTime()],
        },
      );
    },
  };
}

/** Takes erased people out of their clock shards; a shard not running holds nobody. */
export async function forgetSegmentClocks({ temporal, taskQueue }: WorkflowStarter, profileIds: readonly string[]): Promise<void> {
  for (const profileId of profileIds) {
    await ignoringEnded(() =>
      temporal.workflow
        .getHandle(segmentClocksWorkflowId(taskQueue, segmentClockShardOf(profileId)))
        .signal(segmentClockForgetSignal, profileId),
    );
  }
}
