/**
 * The outbox sweeper: finishes what a crash or an outage left undone. An outbox entry whose
 * lease expired names a batch whose process died, gave it up (a failed write) or could not
 * dispatch it (Temporal down): the sweeper takes the entry over (one atomic write, so of
 * several processes' sweepers exactly one does), applies what its events still owe their
 * profiles, exactly (ProfileStore.applyBatches counts a batch on a profile once, whoever
 * applies it), and retries the dispatch. It also restarts privacy requests whose workflow
 * never started, and finishes identity merges a crash interrupted. It runs in every server
 * process.
 */
import type { Logger } from '../logger.js';
import type { EventDoc, ProfileDoc } from '../model.js';
import type { OutboxDoc } from '../store/outbox.js';
import type { Stores } from '../store/index.js';
import type { ProfileWriter } from './profile-writer.js';
import { finishInterruptedMerges } from '../identity/merge.js';
import type { ProfileChanges } from '../profile-changes/pipeline.js';
import type { SegmentEngine } from '../segments/engine.js';
import { unfinishedVersion } from '../segments/recompute.js';
import { recoveredActivity } from './ingest.js';
import { eventsAppliedBy, recordFailure } from '../metrics/index.js';

export interface SweeperOptions {
  stores: Stores;
  /** Applies and dispatches what a batch still owes (src/profile-changes/pipeline.ts). */
  changes: ProfileChanges;
  /** This process's profile writer: the owner the sweeper takes entries over as, and their lease length. */
  writer: ProfileWriter;
  startPendingErasure: (requestId: string) => Promise<void>;
  startPendingExport?: (requestId: string) => Promise<void>;
  /** Finds a rules version whose segment recompute is unfinished; without it, none is restarted. */
  segments?: SegmentEngine;
  /** Starts a rules version's segment recompute (idempotent); the sweeper calls it while one is unfinished. */
  startSegmentRecompute?: (version: number) => Promise<void>;
  logger: Logger;
  intervalMs: number;
  now: () => Date;
}

const BATCH = 500;

/**
 * One entry taken over. Unless it is marked applied, its events go through the
 * profile-change pipeline again for each of their profiles (a profile that counts the batch
 * already is not counted twice; consent is idempotent; segment facts are rebuilt from the
 * stored events); then it is dispatched and closed.
 */
async function finishEntry(options: SweeperOptions, entry: OutboxDoc): Promise<void> {
  const { stores, changes, now } = options;
  const found = await Promise.all(entry.eventIds.map((id) => stores.events.findById(id)));
  // Missing: never stored (a crash before the insert) or erased since.
  const events = found.filter((event) => event !== null);
  const profiles = new Map<string, ProfileDoc>();
  if (entry.appliedAt === undefined) {
    const eventsOf = new Map<string, EventDoc[]>();
    for (const event of events) eventsOf.set(event.profileId, [...(eventsOf.get(event.profileId) ?? []), event]);
    for (const [profileId, ofProfile] of eventsOf) {
      const part = { outboxId: entry._id, activity: recoveredActivity(ofProfile, entry._id), events: ofProfile };
      const { profile } = await changes.applyEvents(profileId, [part], { rebuild: true });
      if (profile) profiles.set(profile._id, profile);
    }
    await stores.outbox.markApplied(entry._id, now());
    // Applied by a recovery: counted once per batch, as the writer counts a batch it applied.
    eventsAppliedBy(events.length);
  }
  await changes.dispatch(events, profiles);
  await stores.outbox.close(entry._id);
}

export async function sweepOnce(options: SweeperOptions): Promise<number> {
  const { stores, writer, now } = options;
  const olderThan = new Date(now().getTime() - options.intervalMs);
  await finishInterruptedMerges(stores, olderThan, now());
  let finished = 0;
  for (const id of await stores.outbox.findExpiredIds(now(), BATCH)) {
    // Gone (closed by its owner), renewed meanwhile, or taken by another sweeper first: not ours.
    const entry = await stores.outbox.takeOver(id, writer.owner, now(), new Date(now().getTime() + writer.leaseMs));
    if (!entry) continue;
    writer.hold(entry._id);
    try {
      await finishEntry(options, entry);
      finished += 1;
    } finally {
      writer.release(entry._id);
    }
  }
  const requests = await stores.privacyRequests.findStalePending(olderThan, BATCH);
  for (const request of requests)
    await (request.kind === 'export' ? options.startPendingExport?.(request._id) : options.startPendingErasure(request._id));
  if (options.segments && options.startSegmentRecompute) {
    // A recompute running already is left alone: starting it is idempotent.
    const version = await unfinishedVersion(stores, options.segments);
    if (version !== null) await options.startSegmentRecompute(version);
  }
  return finished + requests.length;
}

export function startSweeper(options: SweeperOptions): { stop(): Promise<void> } {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(async () => {
      if (stopped) return;
      try {
        const swept = await sweepOnce(options);
        if (swept > 0) options.logger.info({ swept }, 'outbox sweeper finished pending work');
      } catch (error) {
        recordFailure('outbox_sweep', error);
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
