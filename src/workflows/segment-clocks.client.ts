/**
 * The segment clock shards' client side (segment-clocks.ts is the workflow): setting the
 * instant a person's clock rings (signalWithStart, so a shard that is running is told and
 * one that is not is started) and taking erased people out. Ids and instants only.
 */
import type { SegmentClock } from '../segments/engine.js';
import { segmentClockShardOf, segmentClocksWorkflowId } from '../util/workflow-ids.js';
import { ignoringEnded, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';
import { Gathered } from '../util/gathered.js';
import { segmentClockForgetSignal, segmentClockSetManySignal } from './messages.js';

/**
 * The engine's clock: rings the person at the instant, in the shard that holds them. The
 * instants set while a signal is on its way are gathered and sent together, one signal
 * per shard (src/util/gathered.ts): a recompute that gives thousands of people a window
 * sends a few hundred signals, not thousands.
 */
export function segmentClockOf({ temporal, taskQueue }: WorkflowStarter): SegmentClock {
  const gathered = new Gathered<[profileId: string, atMs: number]>(async (entries) => {
    const byShard = new Map<number, Map<string, number>>();
    for (const [profileId, atMs] of entries) {
      const shard = segmentClockShardOf(profileId);
      const ofShard = byShard.get(shard) ?? new Map<string, number>();
      // The earliest instant handed in for a person is the one that counts (the shard keeps the earliest too).
      ofShard.set(profileId, Math.min(atMs, ofShard.get(profileId) ?? Infinity));
      byShard.set(shard, ofShard);
    }
    await Promise.all(
      [...byShard].map(([shard, ofShard]) =>
        temporal.workflow.signalWithStart<typeof workflows.segmentClocksWorkflow, [[string, number][]]>(
          'segmentClocksWorkflow' satisfies keyof typeof workflows,
          {
            taskQueue,
            workflowId: segmentClocksWorkflowId(taskQueue, shard),
            args: [{ shard, due: [] }],
            signal: segmentClockSetManySignal,
            signalArgs: [[...ofShard]],
          },
        ),
      ),
    );
  });
  return {
    ringAt: (profileId, at) => gathered.add([[profileId, at.getTime()]]),
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
