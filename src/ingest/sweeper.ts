/**
 * The outbox sweeper: the `events` collection holds every event not yet dispatched; this
 * loop retries those whose inline dispatch failed (Temporal down, process crashed), and
 * restarts privacy requests whose workflow never started, and finishes identity merges a
 * crash interrupted. It runs in every server
 * process; dispatch is idempotent, so two sweepers racing do no harm.
 */
import type { Logger } from '../logger.js';
import type { Stores } from '../store/index.js';
import type { Dispatcher } from './dispatch.js';
import { finishInterruptedMerges } from '../identity/merge.js';
import { recomputeCounters } from './counters.js';
import { reapplyToProfile } from './ingest.js';

export interface SweeperOptions {
  stores: Stores;
  dispatcher: Dispatcher;
  startPendingErasure: (requestId: string, profileId: string | undefined) => Promise<void>;
  logger: Logger;
  intervalMs: number;
  now: () => Date;
}

const BATCH = 500;

export async function sweepOnce(options: SweeperOptions): Promise<number> {
  const { stores, dispatcher, now } = options;
  const olderThan = new Date(now().getTime() - options.intervalMs);
  await finishInterruptedMerges(stores, olderThan, now());
  const events = await stores.events.findStalePending(olderThan, BATCH);
  // A stale event may never have reached its profile (a crash right after storing it):
  // its effects are re-applied, and its profile's counters recomputed from the events,
  // which is exact whether or not the increment happened. Once per event: while Temporal
  // stays down the same events come back every sweep, and only their dispatch is retried.
  const unrecovered = events.filter((event) => event.recoveredAt === undefined);
  for (const profileId of new Set(unrecovered.map((event) => event.profileId))) await recomputeCounters(stores, profileId);
  for (const event of unrecovered) {
    await reapplyToProfile(stores, event, now());
    await stores.events.markRecovered(event._id, now());
  }
  for (const event of events) await dispatcher.dispatch(event);
  const requests = await stores.privacyRequests.collection.find({ status: 'pending', createdAt: { $lt: olderThan } }).limit(BATCH).toArray();
  for (const request of requests) await options.startPendingErasure(request._id, request.profileId);
  return events.length + requests.length;
}

export function startSweeper(options: SweeperOptions): { stop(): Promise<void> } {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(async () => {
      if (stopped) return;
      try {
        const swept = await sweepOnce(options);
        if (swept > 0) options.logger.info({ swept }, 'outbox sweeper dispatched pending work');
      } catch (error) {
        options.logger.warn({ err: error }, 'outbox sweep failed; will retry');
      }
    });
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
