/**
 * The profile writer: applies accepted events to their profiles, then tells journeys.
 *
 * Ingestion acknowledges a batch once its events and its outbox entry are stored; this
 * writer does the rest behind the response, through the profile-change pipeline
 * (src/profile-changes/pipeline.ts: record, follow merges, apply consent, judge segments,
 * dispatch). It works in rounds: each round takes every
 * profile with queued events and writes each of them once, with the combined effect of
 * all its queued events. Under load, a person's events from many requests fold into one
 * write, so profile writes grow with the number of people active, not of events — on the
 * embedded FerretDB, where each write is its own fsynced transaction, that is the
 * difference between hundreds and thousands of events a second.
 *
 * Reads stay real-time: a profile read first waits for `settledWithin()`, that is, until
 * every event accepted before the read, by this process or any other, is applied.
 * Journeys are signalled only after their events are applied, so a journey never sees a
 * profile without the event that woke it. Each batch's outbox entry is leased to this
 * process while the writer works on it (renewed on a timer); when the batch is applied it
 * is marked so, and once dispatched it is closed. Whatever a crash or a Temporal outage
 * leaves open, some process's sweeper takes over once the lease expires (sweeper.ts), and
 * each batch is counted on a profile once whoever applies it (ProfileStore.applyBatches).
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DEFAULT_OUTBOX_LEASE_MS } from '../config.js';
import type { Logger } from '../logger.js';
import type { EventDoc, ProfileDoc } from '../model.js';
import type { ProfileChanges } from '../profile-changes/pipeline.js';
import type { SegmentContext } from '../segments/context.js';
import type { Stores } from '../store/index.js';
import { combineActivities, type ProfileActivity } from '../store/profiles.js';
import { OtherProcessesBarrier } from './other-processes.js';
import { outsideRequest } from '../util/request-context.js';
import { forEachInParallel } from '../util/in-parallel.js';
import { eventsAppliedBy, observeWriterLag, recordFailure } from '../metrics/index.js';

/** One accepted batch: its outbox entry and, per profile, its new events and what they add. */
export interface AcceptedBatch {
  outboxId: string;
  /** When its outbox entry was opened: its dispatch waits for other processes' batches opened before. */
  openedAt: Date;
  profiles: { profileId: string; activities: ProfileActivity[]; events: EventDoc[] }[];
}

interface BatchProgress {
  outboxId: string;
  openedAt: Date;
  events: EventDoc[];
  /** Profiles of the batch not yet written. */
  unwritten: number;
  /** A write failed: the outbox entry stays open for the sweeper. */
  failed: boolean;
  /** The profiles as written, for dispatch. */
  written: Map<string, ProfileDoc>;
}

/** One batch's events for one profile, waiting for the profile's next write. */
interface QueuedPart {
  batch: BatchProgress;
  activities: ProfileActivity[];
  events: EventDoc[];
}

export interface ProfileWriterOptions {
  stores: Stores;
  /** What applying events to a profile takes, step by step, and their dispatch. */
  changes: ProfileChanges;
  logger: Logger;
  now: () => Date;
  /** Profile writes in flight at once. */
  concurrency?: number;
  /** Accepted events not yet applied and dispatched beyond which `accept` waits (back-pressure). */
  maxOutstandingEvents?: number;
  /** Batches waiting for room beyond which the writer is `saturated`: new requests are refused (503) rather than queued. */
  maxWaitingBatches?: number;
  /** How long an outbox entry stays this process's without a renewal (renewed every third of it). */
  leaseMs?: number;
  /**
   * How far ahead of this host's clock another host's may be: a read waits for other
   * processes' batches opened up to this much after it started, as those hosts dated them.
   */
  clockSkewMs?: number;
}

const DEFAULT_CLOCK_SKEW_MS = 1000;
/**
 * Profile writes in flight at once. Most of a write that changes membership is the wait for
 * its copy (segment history, member buckets, sizes), and copies written while one is under
 * way are gathered into the next (src/segments/copy-changes.ts): the more writes in flight,
 * the more changes each copy carries. Requests to the database stay bounded by the driver's
 * pool. Measured with 300 single-event requests four at a time, each an entry: event →
 * entry p50/p99 2,009/2,323 ms with 8 in flight, 689/971 with 16, 306/572 with 32,
 * 246/475 with 64 (docs/segments.md).
 */
const DEFAULT_CONCURRENCY = 32;
/** However short the lease, a loaded tier may take this long to apply what came before a batch. */
const MIN_DISPATCH_WAIT_MS = 60_000;

export class ProfileWriter {
  /** This process, as the owner of the outbox entries it leases: unique across hosts and restarts. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private queued = new Map<string, QueuedPart[]>();
  private outstandingEvents = 0;
  private acceptedCount = 0;
  private appliedCount = 0;
  private settledWaiters: { count: number; resolve: () => void }[] = [];
  private roomWaiters: (() => void)[] = [];
  private running: Promise<void> | null = null;
  /** Outbox entries this process is still working on: their leases are renewed until they close. */
  private readonly openEntries = new Set<string>();
  private renewal: NodeJS.Timeout | undefined;
  readonly leaseMs: number;
  private readonly others: OtherProcessesBarrier;
  private readonly dispatching = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly maxOutstandingEvents: number;
  private readonly maxWaitingBatches: number;

  constructor(private readonly options: ProfileWriterOptions) {
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.maxOutstandingEvents = options.maxOutstandingEvents ?? 20_000;
    this.maxWaitingBatches = options.maxWaitingBatches ?? 32;
    this.leaseMs = options.leaseMs ?? DEFAULT_OUTBOX_LEASE_MS;
    this.others = new OtherProcessesBarrier(options.stores.outbox, this.owner, options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS);
  }

  /** The lease a batch opened now is given: ours, for one lease period. */
  lease(now: Date): { owner: string; until: Date } {
    return { owner: this.owner, until: new Date(now.getTime() + this.leaseMs) };
  }

  /**
   * Back-pressure in two steps. Past `maxOutstandingEvents`, a stored batch waits for room
   * before it is acknowledged: clients slow down to the writer's pace. Once
   * `maxWaitingBatches` batches wait like that, waiting longer only grows every answer's
   * latency without end: the tracking routes then refuse new requests (503 with
   * Retry-After, which Segment's SDKs retry) before storing anything.
   */
  saturated(): boolean {
    return this.outstandingEvents >= this.maxOutstandingEvents && this.roomWaiters.length >= this.maxWaitingBatches;
  }

  /** Batches stored and waiting for room (for tests and figures). */
  get waitingBatches(): number {
    return this.roomWaiters.length;
  }

  /**
   * Keeps the lease of an outbox entry this process has just opened: renewed until the
   * batch is applied and dispatched (or `release`d), however long the batch takes to be
   * stored and accepted, so no other process's sweeper takes a batch still on its way.
   */
  hold(outboxId: string): void {
    this.openEntries.add(outboxId);
    this.renewal ??= setInterval(() => void this.renewLeases(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.renewal.unref();
  }

  /** Gives up an entry whose batch failed before `accept`: its lease ends now, and a sweeper takes it. */
  release(outboxId: string): void {
    this.openEntries.delete(outboxId);
    this.options.stores.outbox.renew([outboxId], this.owner, new Date(0)).catch(() => undefined);
  }

  /** Stops renewing leases (the runtime's close): what is still open is the sweepers' once they expire. */
  stopRenewing(): void {
    clearInterval(this.renewal);
    this.renewal = undefined;
  }

  private async renewLeases(): Promise<void> {
    if (this.openEntries.size === 0) return;
    try {
      await this.options.stores.outbox.renew([...this.openEntries], this.owner, new Date(this.options.now().getTime() + this.leaseMs));
    } catch (error) {
      recordFailure('outbox_lease_renewal', error);
      this.options.logger.warn({ err: error }, 'outbox leases not renewed; will retry');
    }
  }

  /** Queues a stored batch for its profiles; waits first while too much is outstanding. */
  async accept(batch: AcceptedBatch): Promise<void> {
    this.hold(batch.outboxId);
    while (this.outstandingEvents >= this.maxOutstandingEvents) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    const events = batch.profiles.flatMap((entry) => entry.events);
    if (events.length === 0) {
      // Only repeats of stored messages: nothing is owed.
      await this.options.stores.outbox.close(batch.outboxId);
      this.release(batch.outboxId);
      return;
    }
    const toWrite = batch.profiles;
    const progress: BatchProgress = {
      outboxId: batch.outboxId,
      openedAt: batch.openedAt,
      events,
      unwritten: toWrite.length,
      failed: false,
      written: new Map(),
    };
    this.outstandingEvents += events.length;
    if (toWrite.length === 0) {
      this.finish(progress);
      return;
    }
    for (const { profileId, activities, events: ofProfile } of toWrite) {
      const parts = this.queued.get(profileId) ?? [];
      parts.push({ batch: progress, activities, events: ofProfile });
      this.queued.set(profileId, parts);
    }
    this.acceptedCount += 1;
    this.kick();
  }

  /** Resolves once every batch accepted before the call is applied to its profiles. */
  settled(): Promise<void> {
    const count = this.acceptedCount;
    if (this.appliedCount >= count) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push({ count, resolve }));
  }

  /**
   * As `settled`, waiting at most `timeoutMs`, and for other processes too: until every
   * outbox entry opened before the call by any process is applied (entries of other hosts
   * are waited for up to `clockSkewMs` past this host's clock). Answers the events still
   * unapplied at the bound: this process's, or else other processes' (0 when everything
   * was applied in time).
   */
  async settledWithin(timeoutMs: number): Promise<number> {
    const started = Date.now();
    const asked = this.options.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const outcome = await Promise.race([this.settled(), timedOut]);
    clearTimeout(timer);
    if (outcome === 'late') return this.outstandingEvents;
    return this.others.until(asked, Math.max(0, timeoutMs - (Date.now() - started)));
  }

  /** Resolves once everything accepted is applied and dispatched (or left to the sweeper). */
  async drain(): Promise<void> {
    await this.settled();
    while (this.dispatching.size > 0) await Promise.allSettled([...this.dispatching]);
  }

  /** Whether this process still works on the outbox entry. */
  holds(outboxId: string): boolean {
    return this.openEntries.has(outboxId);
  }

  private kick(): void {
    if (this.running) return;
    // A round applies many requests' events: its log lines belong to none of them.
    this.running = outsideRequest(() => this.run()).finally(() => {
      this.running = null;
      if (this.queued.size > 0) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (this.queued.size > 0) {
      const round = [...this.queued];
      const roundCount = this.acceptedCount;
      this.queued = new Map();
      // Read after the round's events were queued: a leaf whose cutoff they are past is in it (segments/recompute.ts).
      const segments = await this.segmentContext();
      await forEachInParallel(round, this.concurrency, ([profileId, queued]) => this.write(profileId, queued, segments));
      this.appliedCount = roundCount;
      this.settledWaiters = this.settledWaiters.filter((waiter) => {
        if (waiter.count > roundCount) return true;
        waiter.resolve();
        return false;
      });
    }
  }

  /** The segment engine's view of the rules for one round; a failure to read it fails the round's writes (the sweeper retries them). */
  private async segmentContext(): Promise<SegmentContext | null | Error> {
    try {
      return await this.options.changes.segmentContext();
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** One profile's queued parts, written at once through the profile-change pipeline. */
  private async write(profileId: string, parts: QueuedPart[], segments: SegmentContext | null | Error): Promise<void> {
    let profile: ProfileDoc | null = null;
    let failed = false;
    try {
      const batchParts = parts.map((part) => ({
        outboxId: part.batch.outboxId,
        activity: combineActivities(part.activities),
        events: part.events,
      }));
      ({ profile } = await this.options.changes.applyEvents(profileId, batchParts, { fold: segments }));
    } catch (error) {
      failed = true;
      recordFailure('profile_write', error);
      this.options.logger.warn({ err: error, profileId }, 'profile write failed; the outbox sweeper will apply these events');
    }
    for (const { batch } of parts) {
      batch.failed ||= failed;
      if (profile) batch.written.set(profile._id, profile);
      if (--batch.unwritten === 0) this.finish(batch);
    }
  }

  /**
   * Dispatches a batch once every batch other processes opened before it is applied, so
   * its journeys see what those said about the person (a consent given just before the
   * trigger, through another process). Bounded by two leases (a minute at least): a
   * process that died holding a batch delays dispatch until a sweeper applied it, and past
   * the bound dispatch goes on regardless, with a warning.
   */
  private async dispatchApplied(batch: BatchProgress): Promise<void> {
    await Promise.all([this.options.stores.outbox.markApplied(batch.outboxId, this.options.now()), this.dispatchInOrder(batch)]);
  }

  private async dispatchInOrder(batch: BatchProgress): Promise<void> {
    const late = await this.others.until(batch.openedAt, Math.max(2 * this.leaseMs, MIN_DISPATCH_WAIT_MS));
    if (late > 0) this.options.logger.warn({ outboxId: batch.outboxId, late }, 'dispatching before other processes applied earlier events');
    await this.options.changes.dispatch(batch.events, batch.written);
  }

  /**
   * A batch fully written: marked applied (reads on other processes wait for that) and
   * dispatched in the background, then its outbox entry closed. A batch that owes Temporal
   * nothing (no journey or consent concerns it) is closed at once: one write instead of
   * two, and no wait for other processes. A failed batch keeps its entry and gives up its
   * lease at once: a sweeper applies what is missing.
   */
  private finish(batch: BatchProgress): void {
    const { stores, logger, changes } = this.options;
    if (!batch.failed) {
      eventsAppliedBy(batch.events.length);
      observeWriterLag((this.options.now().getTime() - batch.openedAt.getTime()) / 1000);
    }
    const work = batch.failed
      ? stores.outbox.renew([batch.outboxId], this.owner, new Date(0)).catch(() => undefined)
      : changes
          .owesNothing(batch.events, batch.written)
          .then((nothing) => (nothing ? undefined : this.dispatchApplied(batch)))
          .then(() => stores.outbox.close(batch.outboxId))
          .catch((error: unknown) => {
            recordFailure('dispatch', error);
            logger.warn({ err: error, outboxId: batch.outboxId }, 'dispatch deferred to the outbox sweeper');
            return stores.outbox.renew([batch.outboxId], this.owner, new Date(0)).catch(() => undefined);
          });
    const tracked = work.finally(() => {
      this.dispatching.delete(tracked);
      this.openEntries.delete(batch.outboxId);
      this.outstandingEvents -= batch.events.length;
      for (let wake = this.roomWaiters.shift(); wake; wake = this.roomWaiters.shift()) wake();
    });
    this.dispatching.add(tracked);
  }
}
