/**
 * The segment engine: keeps every person's membership stored and exact as their profile
 * changes, at a cost bounded by the change, not by the person's history.
 *
 * A change (events applied, a tag or trait written, a consent, a merge, the person's
 * clock ringing) is folded into the person's facts, the segments that can depend on it
 * are judged again, and the difference is written with the membership in one profile
 * update: the new membership, the changes (pending), and the instant the person's clock
 * must ring next. The pending changes are then copied to the person's history, the
 * segments' member lists and the hourly stats, and removed; each copy is harmless to
 * repeat, so a crash in between only delays them until the person's next refresh.
 */
import type { Logger } from '../logger.js';
import type { ProfileDoc, SegmentChange, SegmentChangeReason } from '../model.js';
import type { Stores } from '../store/index.js';
import type { BatchActivity, SegmentStateSet } from '../store/profiles.js';
import { evaluateCondition } from '../conditions/predicate.js';
import { forEachInParallel } from '../util/in-parallel.js';
import { observeSegmentEntryLag, recordFailure, recordSystemFailure } from '../metrics/index.js';
import type { SegmentContext } from './context.js';
import { factMeasure, type Facts } from './facts.js';
import { SegmentChangeCopier } from './copy-changes.js';
import { canonicalJson } from './leaves.js';
import { judgeMembership, nextChangeOf, type MembershipJudgement } from './membership.js';
import { lacksCutoff, setMissingCutoffs } from './leaf-cutoffs.js';
import {
  LEAVES_MOVED_ON,
  computeShares,
  computingLeaves,
  ownShareKnown,
  passShares,
  type PassBackfill,
  type Shares,
} from './own-backfill.js';
import { absorbBackfill, foldLive, judgedFacts, rebuildLive, type FoldedEvent } from './person-facts.js';
import { affects, planOf, type PlannedSegment, type ProfileChange, type SegmentPlan } from './plan.js';

/** People judged at once by a clock's ring: the database pool's size, so none waits for a connection. */
const CLOCK_RING_CONCURRENCY = 8;
/** How soon a person whose ring failed is rung again. */
const CLOCK_RETRY_MS = 10_000;

/** Sets a person's durable clock (a Temporal timer in a clock shard, src/workflows/segment-clocks.ts). */
export interface SegmentClock {
  ringAt(profileId: string, at: Date): Promise<void>;
}

/**
 * What journeys make of the engine's judgements (the dispatcher, src/ingest/dispatch.ts):
 * runs start from membership changes, and runs end when their `exit when` holds. Both are
 * idempotent, so a change copied twice, or a condition judged true twice, does no harm.
 */
export interface JourneyHooks {
  segmentsChanged(changes: readonly SegmentChange[]): Promise<void>;
  exitConditionMet(workflowId: string): Promise<void>;
}

export interface Refresh {
  change: ProfileChange;
  reason: SegmentChangeReason;
  /** Events newly applied to the profile: folded into its facts. */
  events?: readonly FoldedEvent[];
  /** The refresh is the clock's own: the clock moves to the returned instant by itself. */
  fromClock?: boolean;
  /** Segments computed for the first time: who enters them was a member already (`initial`). */
  initial?: readonly string[];
  /**
   * A deploy's pass (recompute.ts): the backfill it folded for this person, judged by and
   * written with this judgement, in the one write (own-backfill.ts `passShares`).
   */
  backfill?: PassBackfill;
  /**
   * Where the pending changes go instead of being copied now: a deploy's pass copies the
   * changes of many people together (more people per member bucket's write), before its
   * checkpoint. Should it die first, its retry judges them again, which copies them.
   */
  copyLater?: SegmentChange[];
  /**
   * Where the person's next instant goes instead of setting their clock now (with
   * `copyLater`, for a deploy's pass: `ringLater`): always, when there is one, even if the
   * clock is set to it already, so that a retried pass sets again whatever a pass that died
   * before setting it left unset.
   */
  ringLater?: [profileId: string, at: Date][];

  /**
   * Every stored event of the person that is applied: the facts are rebuilt from them
   * instead of folded (the sweeper's recovery, where what was folded is unknown).
   */
  rebuild?: readonly FoldedEvent[];
}

export interface RefreshOutcome {
  profile: ProfileDoc;
  /** When the person's clock must ring next, if ever. */
  nextAt?: Date;
}

export interface SegmentEngineOptions {
  stores: Stores;
  now: () => Date;
  logger: Logger;
  clock?: SegmentClock;
  journeys?: JourneyHooks;
}

export class SegmentEngine {
  private readonly plans = new Map<number, SegmentPlan>();
  /** Rules versions whose segments were all seen `ready`: the catalog need not be read for them again. */
  private readonly computed = new Set<number>();
  private readonly copier: SegmentChangeCopier;

  constructor(private readonly options: SegmentEngineOptions) {
    this.copier = new SegmentChangeCopier(options.stores, options.journeys);
  }

  /** The active rules as the engine needs them; null when they hold nothing it keeps. */
  async context(): Promise<SegmentContext | null> {
    const { stores } = this.options;
    const version = await stores.rules.activeVersion();
    if (version === null) return null;
    const plan = await this.planOf(version);
    if (!plan || (plan.segments.length === 0 && plan.leaves.size === 0 && plan.exits.size === 0)) return null;
    // Two reads that need nothing of each other.
    const [computing, stored] = await Promise.all([this.computingSegments(version, plan), stores.segments.leaves()]);
    let leaves = stored;
    // Rules just deployed, whose recompute has not prepared their new leaves yet: set their cutoffs now (leaf-cutoffs.ts).
    if (lacksCutoff(plan, leaves)) leaves = await setMissingCutoffs(stores, plan, this.options.now);
    return { version, plan, leaves, ...computing };
  }

  /**
   * The segments of this version still computing, and those of them in their first
   * computation. The small catalog is read while any segment of the version may still
   * compute; once all are seen `ready` (a version's segments never compute again: a new
   * definition, or a rollback, is a new version), never again.
   */
  private async computingSegments(version: number, plan: SegmentPlan): Promise<Pick<SegmentContext, 'computing' | 'firstComputation'>> {
    if (this.computed.has(version) || plan.segments.length === 0) return {};
    const catalog = new Map((await this.options.stores.segments.all()).map((doc) => [doc._id, doc]));
    const computing = new Set<string>();
    const first = new Set<string>();
    for (const segment of plan.segments) {
      const doc = catalog.get(segment.name);
      if (doc?.state === 'ready' && doc.def === segment.def) continue;
      computing.add(segment.name);
      if (doc?.firstComputation && doc.def === segment.def) first.add(segment.name);
    }
    if (computing.size === 0) this.computed.add(version);
    return { ...(computing.size > 0 ? { computing } : {}), ...(first.size > 0 ? { firstComputation: first } : {}) };
  }

  async planOf(version: number): Promise<SegmentPlan | null> {
    const cached = this.plans.get(version);
    if (cached) return cached;
    const rules = await this.options.stores.rules.get(version);
    if (!rules) return null;
    const plan = planOf(rules.ir);
    this.plans.set(version, plan);
    return plan;
  }

  /**
   * Applies one change to the person's facts and membership. Null when the profile is
   * gone (erased) or nothing is deployed that keeps anything.
   */
  async refresh(profileId: string, refresh: Refresh, known?: SegmentContext | null, loaded?: ProfileDoc): Promise<RefreshOutcome | null> {
    // `loaded`: the profile as the caller just read or wrote it, judged without reading it again.
    return this.refreshWritten(profileId, refresh, known, (decide) =>
      this.options.stores.profiles.decideSegmentState(profileId, decide, loaded),
    );
  }

  /**
   * Events applied and judged in one profile write (`ProfileStore.applyBatchesDeciding`):
   * the batches' activity and the membership decided on the profile with it, where the
   * two-step way writes the profile twice. `as-before` when they cannot go as one (the
   * person merged or erased meanwhile, a batch applied elsewhere): nothing is written, and
   * the caller applies and refreshes in two steps.
   */
  async applyAndRefresh(
    profileId: string,
    batches: readonly BatchActivity[],
    refresh: Refresh,
    context: SegmentContext,
  ): Promise<{ outcome: RefreshOutcome | null; applied: string[] } | 'as-before'> {
    let applied: string[] | undefined;
    const outcome = await this.refreshWritten(profileId, refresh, context, async (decide) => {
      const written = await this.options.stores.profiles.applyBatchesDeciding(profileId, batches, this.options.now(), decide);
      if (written === 'as-before') return null;
      applied = written.applied;
      return written.decision;
    });
    return applied ? { outcome, applied } : 'as-before';
  }

  private async refreshWritten(
    profileId: string,
    refresh: Refresh,
    known: SegmentContext | null | undefined,
    write: <T extends { set?: SegmentStateSet }>(decide: (profile: ProfileDoc) => Promise<T>) => Promise<T | null>,
  ): Promise<RefreshOutcome | null> {
    const { now, clock } = this.options;
    const context = known === undefined ? await this.context() : known;
    if (!context) return null;
    const decided = await write((profile) => this.decide(profile, refresh, context, now()));
    if (!decided) return null;
    // Judged by leaf states out of date (own-backfill.ts `LEAVES_MOVED_ON`): again, on the states as they are now.
    if ('leavesMovedOn' in decided) return this.refresh(profileId, refresh);
    const { profile, pending, nextAt, ring, exits } = decided;
    // A run of a rules version this process has not read yet: its `exit when` is known once read, so judge again.
    const unread = [...new Set(Object.values(profile.journeys ?? {}).map((run) => run.rulesVersion))].filter(
      (version) => !this.plans.has(version),
    );
    if (unread.length > 0) {
      for (const version of unread)
        if (!(await this.planOf(version)))
          this.plans.set(version, { segments: [], byName: new Map(), exits: new Map(), leaves: new Map() });
      return this.refresh(profileId, refresh, context);
    }
    if (pending.length > 0 && refresh.copyLater) refresh.copyLater.push(...pending);
    if (nextAt && refresh.ringLater) refresh.ringLater.push([profile._id, nextAt]);
    // The copy (history, members, sizes) and the clock (its shard) touch nothing of each other,
    // and each leaves its own retry behind when it fails: both at once, each a gathered write
    // that may wait for the one before it.
    await Promise.all([
      pending.length > 0 && !refresh.copyLater ? this.copyChanges(pending) : undefined,
      ring && nextAt && clock && !refresh.ringLater ? this.ringClock(profile._id, nextAt) : undefined,
    ]);
    if (pending.length > 0 && refresh.events && refresh.events.length > 0) observeSegmentEntryLag(this.entryLagSeconds(refresh.events));
    for (const workflowId of exits) await this.options.journeys?.exitConditionMet(workflowId);
    return { profile, ...(nextAt ? { nextAt } : {}) };
  }

  /** From the earliest of these events received to now, when the membership they changed is written. */
  private entryLagSeconds(events: readonly FoldedEvent[]): number {
    let earliest = Infinity;
    for (const event of events) earliest = Math.min(earliest, event.receivedAt.getTime());
    return (this.options.now().getTime() - earliest) / 1000;
  }

  /**
   * A clock shard's ring (src/workflows/segment-clocks.ts): judges each person as time has
   * moved, the active rules read once for all of them, and returns each one's next instant
   * (epoch ms), or null when time alone can no longer change anything of theirs. A person
   * whose judgement fails (the database down, say) is logged and rung again a little
   * later, so one person's trouble neither stops the shard nor is lost.
   */
  async ringClocks(profileIds: readonly string[]): Promise<(number | null)[]> {
    const { now, logger } = this.options;
    const context = await this.context();
    const next = new Map<string, number | null>();
    await forEachInParallel(new Set(profileIds), CLOCK_RING_CONCURRENCY, async (profileId) => {
      try {
        const outcome = await this.refresh(
          profileId,
          { change: { time: true }, reason: { kind: 'time window' }, fromClock: true },
          context,
        );
        next.set(profileId, outcome?.nextAt?.getTime() ?? null);
      } catch (error) {
        recordFailure('segment_clock_ring', error);
        logger.warn({ err: error, profileId }, 'segment clock: judging a person failed; ringing them again shortly');
        next.set(profileId, now().getTime() + CLOCK_RETRY_MS);
      }
    });
    return profileIds.map((profileId) => next.get(profileId) ?? null);
  }

  /**
   * The person's runs whose journey's `exit when` holds now, and the next instant at which
   * time alone can change one of them. A condition is judged only once every event count
   * it reads is kept by the active rules (a run of a superseded version may read one the
   * new rules dropped); until then it waits for the next deploy that keeps it.
   */
  private judgeExits(
    profile: ProfileDoc,
    facts: Facts,
    segments: ProfileDoc['segments'],
    context: SegmentContext,
    now: Date,
  ): { exits: string[]; nextAt?: number } {
    const runs = Object.values(profile.journeys ?? {});
    // Most people are in no run: nothing to judge on every event of theirs.
    if (runs.length === 0) return { exits: [] };
    const exits: string[] = [];
    const instants: number[] = [];
    const subject = { profile, measure: factMeasure(facts), segmentMembership: (name: string) => Object.hasOwn(segments ?? {}, name) };
    for (const run of runs) {
      const exit = this.plans.get(run.rulesVersion)?.exits.get(run.journey);
      if (!exit || !exit.leaves.every((key) => context.plan.leaves.has(key) && ownShareKnown(profile, key, context))) continue;
      if (evaluateCondition(exit.condition, subject, now)) exits.push(run.workflowId);
      else if (exit.time) {
        const instant = nextChangeOf(exit.condition, profile, facts, context.plan, now);
        if (instant !== undefined) instants.push(instant);
      }
    }
    return { exits, ...(instants.length > 0 ? { nextAt: Math.min(...instants) } : {}) };
  }

  /**
   * Sets the clock. Should that fail (Temporal unreachable), the instant written with the
   * membership is taken back, so the retry of whatever called this (the sweeper, an
   * activity's retry) sees the clock unset and rings it.
   */
  async ringClock(profileId: string, at: Date): Promise<void> {
    try {
      await this.options.clock!.ringAt(profileId, at);
    } catch (error) {
      recordSystemFailure('temporal', 'segment_clock_set');
      await this.options.stores.profiles.decideSegmentState(profileId, (profile) =>
        profile.segmentClockAt?.getTime() === at.getTime() ? { set: { segmentClockAt: null } } : {},
      );
      throw error;
    }
  }

  private async decide(profile: ProfileDoc, refresh: Refresh, context: SegmentContext, now: Date) {
    const { plan } = context;
    // Time has passed since the last judgement too, except for a recompute, which judges only its segments.
    const merged = profile.segmentMergedFrom ?? [];
    // While segments compute, every refresh judges them too: a person the deploy's pass has
    // not reached yet is judged on the first change of theirs, whatever it touches.
    const computing = context.computing ? [...context.computing] : [];
    // A person never judged (no write of the engine yet) is judged for every segment: one their
    // first change does not touch may hold for them all the same (`performed "X" exactly 0 times`).
    const change =
      merged.length > 0 || profile.segmentVersion === undefined
        ? { all: true }
        : refresh.change.segments
          ? refresh.change
          : { ...refresh.change, time: true, ...(computing.length > 0 ? { segments: computing } : {}) };
    const reason: SegmentChangeReason = merged.length > 0 ? { kind: 'merge', profileId: merged[0]! } : refresh.reason;
    // Leaves a deploy is still backfilling: the person's own share is computed here, so the
    // segments reading them are judged now rather than once the backfill ends (own-backfill.ts).
    // A deploy's pass hands in the shares it folded; the rest are computed from the person's events.
    const passed = passShares(profile, refresh.backfill, now);
    const known: ProfileDoc = passed ? { ...profile, segmentBackfill: { ...profile.segmentBackfill, ...passed.shares } } : profile;
    const own = await this.ownShares(known, refresh, context, change, merged.length > 0, now);
    if (own === LEAVES_MOVED_ON) return { profile, pending: [], ring: false, exits: [], leavesMovedOn: true };
    const shares: Shares | undefined =
      passed || own ? { shares: { ...passed?.shares, ...own?.shares }, before: { ...passed?.shares, ...own?.before } } : undefined;
    const subject: ProfileDoc = shares ? { ...profile, segmentBackfill: { ...profile.segmentBackfill, ...shares.shares } } : profile;
    const subjectBefore: ProfileDoc = shares ? { ...profile, segmentBackfill: { ...profile.segmentBackfill, ...shares.before } } : profile;

    const live = refresh.rebuild
      ? { facts: rebuildLive(profile, refresh.rebuild, context, now), folded: true }
      : foldLive(profile.segmentFacts ?? {}, refresh.events ?? [], context, now);
    const facts = judgedFacts(subject, live.facts, context, now);
    const usable = (segment: PlannedSegment) => segment.leaves.every((key) => ownShareKnown(subject, key, context));
    const judged = judgeMembership({ plan, profile, facts, usable, change, now });
    const initial = this.initialEntries(subjectBefore, judged, refresh, context, now);

    let count = profile.segmentChangeCount ?? 0;
    const record = (segment: string, kind: SegmentChange['change']): SegmentChange => ({
      _id: `${profile._id}:${count++}`,
      profileId: profile._id,
      segment,
      change: kind,
      at: now,
      reason,
      ...(kind === 'entered' && initial.has(segment) ? { initial: true as const } : {}),
    });
    const fresh = [...judged.exited.map((name) => record(name, 'exited')), ...judged.entered.map((name) => record(name, 'entered'))];
    // Changes this process copied already are dropped from the profile at its next write.
    const stored = profile.segmentChanges ?? [];
    const pending = [...stored.filter((change) => !this.copier.hasCopied(change._id)), ...fresh];

    const set: SegmentStateSet = {};
    if (judged.changed) set.segments = judged.segments;
    if (fresh.length > 0) Object.assign(set, { segmentChanges: pending, segmentChangeCount: count });
    if (merged.length > 0) set.segmentMergedFrom = [];

    const watched = this.judgeExits(subject, facts, judged.segments, context, now);
    const instants = [judged.nextAt, watched.nextAt].filter((instant): instant is number => instant !== undefined);
    const nextAt = instants.length === 0 ? undefined : new Date(Math.min(...instants));
    const exits = watched.exits;
    const setFor = profile.segmentClockAt instanceof Date ? profile.segmentClockAt.getTime() : undefined;
    // The clock rings at `setFor` and moves itself on from there; it needs telling only
    // when it must ring earlier, or when it is not set (or has rung and stopped). A
    // recovery (rebuild) tells it anyway: a crash may have come between writing `setFor`
    // and setting the clock.
    const ring =
      !refresh.fromClock &&
      nextAt !== undefined &&
      (refresh.rebuild !== undefined || setFor === undefined || setFor <= now.getTime() || nextAt.getTime() < setFor);
    if (refresh.fromClock ? (nextAt?.getTime() ?? null) !== (setFor ?? null) : ring) set.segmentClockAt = nextAt ?? null;

    // Facts are written when events changed them, or with anything else: a window merely
    // moving on is not worth a write (the next judgement drops what left it anyway).
    // A share of no event (the pass's, for someone without any) is not worth a write of its
    // own: absent, it reads the same once the leaf is ready.
    if (live.folded || own || passed?.folded || Object.keys(set).length > 0) {
      const absorbed = absorbBackfill(subject, live.facts, context, now);
      if (canonicalJson(absorbed.facts) !== canonicalJson(profile.segmentFacts ?? {})) set.segmentFacts = absorbed.facts;
      if (canonicalJson(absorbed.backfill) !== canonicalJson(profile.segmentBackfill ?? {})) set.segmentBackfill = absorbed.backfill;
    }
    if (pending.length !== stored.length && !set.segmentChanges && Object.keys(set).length > 0) set.segmentChanges = pending;

    if (Object.keys(set).length === 0) return { profile, pending, nextAt, ring, exits };
    // Another process (several on one MongoDB) writing the same person's segments in between
    // makes this write match nothing, and the decision is made again on what it wrote.
    set.segmentVersion = (profile.segmentVersion ?? 0) + 1;
    const guard = {
      ...(profile.segmentVersion === undefined ? { segmentVersion: { $exists: false } } : { segmentVersion: profile.segmentVersion }),
      // The backfill writes its fields with no segment version of its own: a write of the
      // person's shares is guarded by every write (`rev`), so it never overwrites one of them.
      ...(set.segmentBackfill && shares ? (profile.rev === undefined ? { rev: { $exists: false } } : { rev: profile.rev }) : {}),
    };
    const written: ProfileDoc = { ...profile, ...(set as Partial<ProfileDoc>) };
    return { set, guard, profile: written, pending, nextAt, ring, exits };
  }

  /**
   * The person's own shares of the leaves being backfilled that this refresh must compute
   * (own-backfill.ts): for the leaves of the segments and `exit when`s the change can affect.
   */
  private async ownShares(
    profile: ProfileDoc,
    refresh: Refresh,
    context: SegmentContext,
    change: ProfileChange,
    mergedSince: boolean,
    now: Date,
  ): Promise<Shares | typeof LEAVES_MOVED_ON | undefined> {
    const computing = computingLeaves(context);
    if (computing.length === 0) return undefined;
    const wanted = new Set<string>();
    for (const segment of context.plan.segments) if (affects(change, segment)) for (const key of segment.leaves) wanted.add(key);
    for (const run of Object.values(profile.journeys ?? {}))
      for (const key of this.plans.get(run.rulesVersion)?.exits.get(run.journey)?.leaves ?? []) wanted.add(key);
    // A deploy's pass needs every share it did not hand in (a person merged into: passShares).
    for (const { key } of refresh.backfill?.leaves ?? []) wanted.add(key);
    // A recovery computes every share again (from the stored events, as it rebuilds the live facts).
    const question = { profile, computing, wanted, events: refresh.events ?? [], recompute: mergedSince || refresh.rebuild !== undefined };
    return computeShares(this.options.stores, question, now);
  }

  /**
   * Which entries are `initial`. The deploy's pass names its first computations (those
   * people were members when the segment was defined). A person judged live before the
   * pass reaches them enters a segment in its first computation as `initial` when they
   * already met its condition before this change's events, on the facts of their history
   * (their share of the backfill and what was folded before) and their profile as it is:
   * only an entry that this change's events brought about is a real one, which starts
   * `when enters segment`. A trait, tag or consent that changed after the deploy cannot be
   * told from the one the person had at it: such an entry counts as initial, as the pass
   * would count it.
   */
  private initialEntries(
    before: ProfileDoc,
    judged: MembershipJudgement,
    refresh: Refresh,
    context: SegmentContext,
    now: Date,
  ): ReadonlySet<string> {
    if (refresh.initial) return new Set(refresh.initial);
    const first = context.firstComputation;
    const candidates = first ? judged.entered.filter((name) => first.has(name)) : [];
    if (candidates.length === 0) return new Set();
    // The live facts as stored (this refresh's events not folded), with the shares as they were before them.
    const facts = judgedFacts(before, foldLive(before.segmentFacts ?? {}, [], context, now).facts, context, now);
    const members = judged.segments;
    const beforeSubject = {
      profile: before,
      measure: factMeasure(facts),
      segmentMembership: (name: string) => Object.hasOwn(members, name),
    };
    return new Set(
      candidates.filter((name) => {
        const segment = context.plan.byName.get(name);
        return segment !== undefined && evaluateCondition(segment.condition, beforeSubject, now);
      }),
    );
  }

  /**
   * Takes an erased person out of every segment (member lists, sizes, stats) and deletes
   * their segment history and that of every profile merged into them. Safe to repeat.
   */
  async forget(profileId: string, absorbed: readonly string[]): Promise<{ memberships: number; history: number }> {
    const { stores, now } = this.options;
    const profile = await stores.profiles.findExact(profileId);
    let memberships = 0;
    if (profile) {
      if (profile.segmentChanges?.length) await this.copyChanges(profile.segmentChanges);
      let count = profile.segmentChangeCount ?? 0;
      const exits: SegmentChange[] = Object.keys(profile.segments ?? {}).map((segment) => ({
        _id: `${profileId}:${count++}`,
        profileId,
        segment,
        change: 'exited',
        at: now(),
        reason: { kind: 'erasure' },
      }));
      memberships = exits.length;
      await this.copyChanges(exits);
    }
    let history = 0;
    for (const id of [profileId, ...absorbed]) history += await stores.segmentHistory.deleteOfProfile(id);
    return { memberships, history };
  }

  /**
   * Sets many people's clocks at once (the instants a deploy's pass gathered: `ringLater`),
   * one signal per clock shard for all of them.
   */
  async ringLater(instants: readonly [profileId: string, at: Date][]): Promise<void> {
    const { clock } = this.options;
    if (clock) await Promise.all(instants.map(([profileId, at]) => clock.ringAt(profileId, at)));
  }

  /** Copies changes to the history, member lists, sizes, stats and journeys (copy-changes.ts). */
  copyChanges(changes: readonly SegmentChange[]): Promise<void> {
    return this.copier.copy(changes);
  }
}
