/**
 * The profile writer: applies accepted events to their profiles, then tells journeys.
 *
 * Ingestion acknowledges a batch once its events and its outbox entry are stored; this
 * writer does the rest behind the response. It works in rounds: each round takes every
 * profile with queued events and writes each of them once, with the combined effect of
 * all its queued events. Under load, a person's events from many requests fold into one
 * write, so profile writes grow with the number of people active, not of events — on the
 * embedded FerretDB, where each write is its own fsynced transaction, that is the
 * difference between hundreds and thousands of events a second.
 *
 * Reads stay real-time: a profile read first waits for `settled()`, that is, until every
 * event accepted before the read is applied. Journeys are signalled only after their
 * events are applied, so a journey never sees a profile without the event that woke it.
 * When a batch is applied and dispatched its outbox entry is closed; whatever a crash or a
 * Temporal outage leaves open, the sweeper finishes (sweeper.ts).
 */
import { applyConsents } from '../consent/apply.js';
import type { Logger } from '../logger.js';
import type { EventDoc, ProfileDoc } from '../model.js';
import type { Stores } from '../store/index.js';
import type { ProfileActivity } from '../store/profiles.js';
import type { SegmentContext, SegmentEngine } from '../segments/engine.js';
import { changeOfEvents } from '../segments/changes.js';
import type { Dispatcher } from './dispatch.js';
import { forEachInParallel } from '../util/in-parallel.js';

/**
 * One accepted batch: its outbox entry and, per profile, what its new events add, or
 * (`written`) the profile already written with them, as for a person created by the batch.
 */
export interface AcceptedBatch {
  outboxId: string;
  profiles: { profileId: string; activities: ProfileActivity[]; events: EventDoc[]; written?: ProfileDoc }[];
}

interface BatchProgress {
  outboxId: string;
  events: EventDoc[];
  /** Profiles of the batch not yet written. */
  unwritten: number;
  /** A write failed: the outbox entry stays open for the sweeper. */
  failed: boolean;
  /** The profiles as written, for dispatch. */
  written: Map<string, ProfileDoc>;
}

interface QueuedProfile {
  activities: ProfileActivity[];
  events: EventDoc[];
  batches: BatchProgress[];
}

export interface ProfileWriterOptions {
  stores: Stores;
  dispatcher: Dispatcher;
  logger: Logger;
  now: () => Date;
  /** Keeps segment membership as events are applied; without it, none is kept. */
  segments?: SegmentEngine;
  /** Profile writes in flight at once. */
  concurrency?: number;
  /** Accepted events not yet applied and dispatched beyond which `accept` waits (back-pressure). */
  maxOutstandingEvents?: number;
  /** Batches waiting for room beyond which the writer is `saturated`: new requests are refused (503) rather than queued. */
  maxWaitingBatches?: number;
}

/** Several events' effects as one update: later traits win, counters add up. */
export function combineActivities(activities: readonly ProfileActivity[]): ProfileActivity {
  const [first, ...rest] = activities;
  if (!first) throw new Error('combineActivities needs at least one activity');
  return rest.reduce<ProfileActivity>((sum, next) => ({
    firstAt: next.firstAt < sum.firstAt ? next.firstAt : sum.firstAt,
    lastAt: next.lastAt > sum.lastAt ? next.lastAt : sum.lastAt,
    traits: { ...sum.traits, ...next.traits },
    counters: [...(sum.counters ?? []), ...(next.counters ?? [])],
    groupIds: [...new Set([...(sum.groupIds ?? []), ...(next.groupIds ?? [])])],
  }), first);
}

export class ProfileWriter {
  private queued = new Map<string, QueuedProfile>();
  private outstandingEvents = 0;
  private acceptedCount = 0;
  private appliedCount = 0;
  private settledWaiters: { count: number; resolve: () => void }[] = [];
  private roomWaiters: (() => void)[] = [];
  private exclusiveTasks: (() => Promise<void>)[] = [];
  private running: Promise<void> | null = null;
  /** Outbox entries this process is still working on: the sweeper leaves them alone. */
  private readonly openEntries = new Set<string>();
  private readonly dispatching = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly maxOutstandingEvents: number;
  private readonly maxWaitingBatches: number;

  constructor(private readonly options: ProfileWriterOptions) {
    this.concurrency = options.concurrency ?? 8;
    this.maxOutstandingEvents = options.maxOutstandingEvents ?? 20_000;
    this.maxWaitingBatches = options.maxWaitingBatches ?? 32;
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
   * Claims an outbox entry this process has just opened: from now until the batch is
   * applied and dispatched (or `release`d), the sweeper leaves it alone, however long the
   * batch takes to be stored and accepted. Without the claim, a batch waiting for room
   * longer than a sweep interval looked abandoned: the sweeper recomputed its profiles'
   * counters (a scan of every event of each person) and then this writer added the same
   * events again.
   */
  hold(outboxId: string): void {
    this.openEntries.add(outboxId);
  }

  /** Gives up the claim of an entry whose batch failed before `accept`: it is the sweeper's now. */
  release(outboxId: string): void {
    this.openEntries.delete(outboxId);
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
    // A new person's profile was written with its events, all but their consent (which
    // needs the ledger) and their segments: those profiles are queued again with no
    // activity, for the consent and the segments only.
    const toWrite = batch.profiles
      .filter((entry) => !entry.written || this.options.segments !== undefined || entry.events.some((event) => event.consent))
      .map((entry) => (entry.written ? { ...entry, activities: [] } : entry));
    const progress: BatchProgress = { outboxId: batch.outboxId, events, unwritten: toWrite.length, failed: false, written: new Map() };
    for (const { written } of batch.profiles) if (written) progress.written.set(written._id, written);
    this.outstandingEvents += events.length;
    if (toWrite.length === 0) {
      this.finish(progress);
      return;
    }
    for (const { profileId, activities, events: ofProfile } of toWrite) {
      const entry = this.queued.get(profileId) ?? { activities: [], events: [], batches: [] };
      entry.activities.push(...activities);
      entry.events.push(...ofProfile);
      entry.batches.push(progress);
      this.queued.set(profileId, entry);
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
   * As `settled`, waiting at most `timeoutMs`: the events accepted before the call and
   * still unapplied then (0 when everything was applied in time).
   */
  async settledWithin(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const outcome = await Promise.race([this.settled(), timedOut]);
    clearTimeout(timer);
    return outcome === 'late' ? this.outstandingEvents : 0;
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

  /**
   * Runs `task` between rounds, given the ids of events accepted but not yet applied: the
   * sweeper recomputes counters from stored events, and must leave out those this writer
   * is about to add, or they would count twice.
   */
  exclusive(task: (unapplied: ReadonlySet<string>) => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.exclusiveTasks.push(async () => {
        const unapplied = new Set([...this.queued.values()].flatMap((entry) => entry.events.map((event) => event._id)));
        await task(unapplied).then(resolve, reject);
      });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.queued.size > 0 || this.exclusiveTasks.length > 0) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (this.queued.size > 0 || this.exclusiveTasks.length > 0) {
      for (let task = this.exclusiveTasks.shift(); task; task = this.exclusiveTasks.shift()) await task();
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
      return (await this.options.segments?.context()) ?? null;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private async write(profileId: string, queued: QueuedProfile, segments: SegmentContext | null | Error): Promise<void> {
    const { stores, logger, now } = this.options;
    let profile: ProfileDoc | null = null;
    let failed = false;
    // A new person queued again only for segments, with none deployed: nothing to do, nothing to read.
    const nothingOwed = queued.activities.length === 0 && segments === null && !queued.events.some((event) => event.consent);
    try {
      if (nothingOwed) profile = null;
      else profile = queued.activities.length > 0
        ? await stores.profiles.recordActivity(profileId, combineActivities(queued.activities), now())
        : await stores.profiles.findById(profileId);
      // Erased meanwhile, and this process still knew one of their identifiers: what they
      // sent goes too (the erasure's verify step would find it otherwise).
      if (!profile && queued.activities.length > 0) {
        await stores.events.deleteByIds(queued.events.map((event) => event._id));
        stores.identities.forgetCachedOwner(profileId);
        queued.events = [];
      }
      // Merged meanwhile: the events follow their person to the surviving profile.
      if (profile && profile._id !== profileId) {
        for (const event of queued.events) {
          await stores.events.assignProfile(event._id, profile._id);
          event.profileId = profile._id;
        }
      }
      if (profile) profile = (await applyConsents(stores, profile._id, queued.events, now())) ?? profile;
      if (segments instanceof Error) throw segments;
      if (profile && segments && this.options.segments) {
        const refreshed = await this.options.segments.refresh(profile._id, { ...changeOfEvents(queued.events), events: queued.events }, segments);
        profile = refreshed?.profile ?? profile;
      }
    } catch (error) {
      failed = true;
      logger.warn({ err: error, profileId }, 'profile write failed; the outbox sweeper will apply these events');
    }
    for (const batch of queued.batches) {
      batch.failed ||= failed;
      if (profile) batch.written.set(profile._id, profile);
      if (--batch.unwritten === 0) this.finish(batch);
    }
  }

  /** A batch fully written: dispatch it in the background and close its outbox entry. */
  private finish(batch: BatchProgress): void {
    const { stores, dispatcher, logger } = this.options;
    const work = batch.failed
      ? Promise.resolve()
      : dispatcher
        .dispatch(batch.events, batch.written)
        .then(() => stores.outbox.close(batch.outboxId))
        .catch((error: unknown) => logger.warn({ err: error, outboxId: batch.outboxId }, 'dispatch deferred to the outbox sweeper'));
    const tracked = work.finally(() => {
      this.dispatching.delete(tracked);
      this.openEntries.delete(batch.outboxId);
      this.outstandingEvents -= batch.events.length;
      for (let wake = this.roomWaiters.shift(); wake; wake = this.roomWaiters.shift()) wake();
    });
    this.dispatching.add(tracked);
  }
}
