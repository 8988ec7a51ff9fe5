/**
 * The segment engine's activities: the clock's ring and the steps of a deploy's recompute
 * (src/segments/recompute.ts). Inputs and results are ids, instants and counts.
 */
import { Context } from '@temporalio/activity';
import {
  backfillFacts,
  finishRecompute,
  judgeEveryone,
  prepareRecompute,
  type JudgeCheckpoint,
  type PreparedRecompute,
} from '../segments/recompute.js';
import type { ActivityDeps } from './profiles.js';
import { segmentClockBacklog } from '../metrics/index.js';

/**
 * Records progress (the checkpoint a retry resumes from) and stops the pass when the
 * activity is cancelled: a worker shutting down hands the rest to the retry.
 */
function heartbeat(progress: unknown): void {
  const context = Context.current();
  context.heartbeat(progress);
  if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? new Error('activity cancelled');
}

export function createSegmentActivities({ stores, now, segments, changes }: ActivityDeps) {
  const engine = () => {
    if (!segments) throw new Error('the segment engine is not wired into these activities');
    return segments;
  };
  return {
    /**
     * Judges these people's segments as time has moved: each one's next instant to ring at
     * (or null), and the time the ring ended (the shard's clock for what came due meanwhile).
     * `due`: the shard and how many people it leaves due for its next ring (shards started
     * before it was passed say nothing).
     */
    async ringSegmentClocks(
      profileIds: string[],
      due?: { shard: number; backlog: number },
    ): Promise<{ next: (number | null)[]; atMs: number }> {
      if (due) segmentClockBacklog(due.shard, due.backlog);
      const next = await engine().ringClocks(profileIds);
      // Temporal's time, as the shard's timers keep it (the runtime's clock may be a test's).
      return { next, atMs: Date.now() };
    },

    /** The per-person clock's ring (src/workflows/segment-clock.ts, kept for clocks started before the shards). */
    async ringSegmentClock(profileId: string): Promise<number | null> {
      const [next] = await engine().ringClocks([profileId]);
      return next ?? null;
    },

    async prepareSegmentRecompute(version: number): Promise<PreparedRecompute | 'superseded'> {
      const prepared = await prepareRecompute(stores, engine(), version, now);
      return 'superseded' in prepared ? 'superseded' : prepared;
    },

    async openBatchesUpTo(cutoffMs: number): Promise<number> {
      return stores.outbox.countOpenedUpTo(new Date(cutoffMs));
    },

    async backfillSegmentFacts(version: number): Promise<'done' | 'superseded'> {
      const outcome = await backfillFacts(stores, engine(), version, now, heartbeat, (profileId) => changes.rebuildSegmentFacts(profileId));
      return outcome === 'done' ? 'done' : 'superseded';
    },

    /** Resumes from the last heartbeat's checkpoint when retried; says where it resumed from. */
    async judgeSegmentMembers(version: number): Promise<{ outcome: 'done' | 'superseded'; resumedFrom: number }> {
      const resumed = Context.current().info.heartbeatDetails as JudgeCheckpoint | undefined;
      const outcome = await judgeEveryone(stores, engine(), version, now, resumed ?? { done: 0 }, heartbeat, (profileId) =>
        changes.rebuildSegmentFacts(profileId),
      );
      return { outcome: outcome === 'done' ? 'done' : 'superseded', resumedFrom: resumed?.done ?? 0 };
    },

    async finishSegmentRecompute(version: number): Promise<'done' | 'superseded'> {
      const outcome = await finishRecompute(stores, engine(), version, now);
      return outcome === 'done' ? 'done' : 'superseded';
    },
  };
}
