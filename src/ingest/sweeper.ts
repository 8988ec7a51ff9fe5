/**
 * The outbox sweeper: finishes what a crash or an outage left undone. Outbox entries older
 * than a sweep interval name batches whose events may not have reached their profiles (a
 * crash right after storing them) or their journeys (Temporal down): their effects are
 * applied again, exactly, and their dispatch retried. It also restarts privacy requests
 * whose workflow never started, and finishes identity merges a crash interrupted. It runs
 * in every server process; dispatch is idempotent, so two sweepers racing do no harm.
 */
import type { Logger } from '../logger.js';
import type { EventDoc, OutboxDoc, ProfileDoc } from '../model.js';
import type { Stores } from '../store/index.js';
import type { Dispatcher } from './dispatch.js';
import type { ProfileWriter } from './profile-writer.js';
import { applyConsents } from '../consent/apply.js';
import { finishInterruptedMerges } from '../identity/merge.js';
import { changeOfEvents } from '../segments/changes.js';
import type { SegmentEngine } from '../segments/engine.js';
import { unfinishedVersion } from '../segments/recompute.js';
import type { FactSource } from '../store/events.js';
import { recomputeCounters } from './counters.js';
import { reapplyToProfile } from './ingest.js';

export interface SweeperOptions {
  stores: Stores;
  dispatcher: Dispatcher;
  /** This process's profile writer: its entries are not stale, and recovery runs between its rounds. */
  writer: ProfileWriter;
  startPendingErasure: (requestId: string) => Promise<void>;
  startPendingExport?: (requestId: string) => Promise<void>;
  /** Rebuilds recovered people's segment facts and membership; without it, none is kept. */
  segments?: SegmentEngine;
  /** Starts a rules version's segment recompute (idempotent); the sweeper calls it while one is unfinished. */
  startSegmentRecompute?: (version: number) => Promise<void>;
  logger: Logger;
  intervalMs: number;
  now: () => Date;
}

const BATCH = 500;

/**
 * One stale entry. Its events may or may not have reached their profiles, so the trait
 * effects are applied again (idempotent) and the counters recomputed from the stored
 * events (exact either way). Once per entry: while Temporal stays down the same entries
 * come back every sweep, and only their dispatch is retried.
 */
async function finishEntry(options: SweeperOptions, entry: OutboxDoc): Promise<void> {
  const { stores, dispatcher, writer, now } = options;
  const found = await Promise.all(entry.eventIds.map((id) => stores.events.findById(id)));
  // Missing: never stored (a crash before the insert) or erased since.
  const events = found.filter((event) => event !== null);
  const profiles = new Map<string, ProfileDoc>();
  if (entry.recoveredAt === undefined) {
    await writer.exclusive(async (unapplied) => {
      // New people's profiles were created counting their events, stored or not.
      const profileIds = new Set([...events.map((event) => event.profileId), ...(entry.createdProfileIds ?? [])]);
      for (const profileId of profileIds) await recomputeCounters(stores, profileId, unapplied);
      const eventsOf = new Map<string, EventDoc[]>();
      for (const event of events) {
        const profile = await reapplyToProfile(stores, event, now());
        if (!profile) continue;
        profiles.set(profile._id, profile);
        eventsOf.set(profile._id, [...(eventsOf.get(profile._id) ?? []), event]);
      }
      // Consent after every trait: a record already listed on the profile is not applied again.
      for (const [profileId, ofProfile] of eventsOf) {
        const withConsent = await applyConsents(stores, profileId, ofProfile, now());
        if (withConsent) profiles.set(profileId, withConsent);
      }
      // Facts from scratch, like the counters: exact whatever was folded before the crash.
      for (const [profileId, ofProfile] of eventsOf) {
        if (!options.segments) break;
        const applied: FactSource[] = [];
        for await (const event of stores.events.factSourcesOf(profileId)) if (!unapplied.has(event._id)) applied.push(event);
        const refreshed = await options.segments.refresh(profileId, { ...changeOfEvents(ofProfile), rebuild: applied });
        if (refreshed) profiles.set(profileId, refreshed.profile);
      }
    });
    await stores.outbox.markRecovered(entry._id, now());
  }
  await dispatcher.dispatch(events, profiles);
  await stores.outbox.close(entry._id);
}

export async function sweepOnce(options: SweeperOptions): Promise<number> {
  const { stores, writer, now } = options;
  const olderThan = new Date(now().getTime() - options.intervalMs);
  await finishInterruptedMerges(stores, olderThan, now());
  const ids = (await stores.outbox.findStaleIds(olderThan, BATCH)).filter((id) => !writer.holds(id));
  let finished = 0;
  for (const id of ids) {
    // Closed meanwhile by the process that held it: nothing is owed.
    const entry = await stores.outbox.findById(id);
    if (!entry) continue;
    await finishEntry(options, entry);
    finished += 1;
  }
  const requests = await stores.privacyRequests.findStalePending(olderThan, BATCH);
  for (const request of requests) await (request.kind === 'export' ? options.startPendingExport?.(request._id) : options.startPendingErasure(request._id));
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
