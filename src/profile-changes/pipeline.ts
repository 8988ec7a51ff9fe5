/**
 * What happens when a profile changes, written once. Every change of a profile goes
 * through here, whoever makes it: events the profile writer applies (and the sweeper
 * recovers), tags and traits a journey writes, an admin's rectification or restriction, an
 * erasure. Each takes the same steps, in this order:
 *
 * 1. **record**: the one store write that makes the change (guarded or atomic, so other
 *    processes' writes in between are kept);
 * 2. **follow merges**: the write lands on the survivor when the person was merged
 *    meanwhile, and what the change brought (its events) follows; a person erased
 *    meanwhile gets nothing, and what they sent goes too;
 * 3. **apply consent**: the consent the events carry goes to the ledger and the profile;
 * 4. **judge segments**: the segment engine folds the change into the person's facts and
 *    membership (its membership changes start and end journeys through the engine's hooks);
 * 5. **dispatch**: Temporal hears of it: journey triggers and signals, consent lifecycles,
 *    the person's runs ended by a restriction.
 *
 * The rules that keep this exact across processes (each batch counted once, guarded
 * writes, the order of dispatch) live in the steps' own modules; this file only fixes the
 * order, so a new kind of change cannot skip or reorder a step.
 */
import { applyConsents, consentEventsOf } from '../consent/apply.js';
import type { EventDoc, ProfileDoc } from '../model.js';
import { changeOfEvents } from '../segments/changes.js';
import type { SegmentContext } from '../segments/context.js';
import type { SegmentEngine } from '../segments/engine.js';
import type { ProfileChange } from '../segments/plan.js';
import type { FactSource } from '../store/events.js';
import type { Stores } from '../store/index.js';
import type { ProfileActivity } from '../store/profiles.js';
import { judgedAs, recordEdit, type ProfileEdit } from './edits.js';

export type { ProfileEdit } from './edits.js';

/** What tells Temporal about applied events (src/ingest/dispatch.ts). */
export interface EventDispatch {
  dispatch(events: readonly EventDoc[], profiles?: ReadonlyMap<string, ProfileDoc>): Promise<void>;
  /** True when `dispatch` would tell Temporal nothing about these events. */
  owesNothing(events: readonly EventDoc[], profiles: ReadonlyMap<string, ProfileDoc>): Promise<boolean>;
}

/** Ends a person's journey runs (a restriction); whether the run was still going. */
export interface RunTerminator {
  terminate(workflowId: string, reason: string): Promise<boolean>;
}

export interface ProfileChangesDeps {
  stores: Stores;
  now: () => Date;
  /** Keeps segment membership; without it, none is kept (nothing is judged). */
  segments?: SegmentEngine;
  /** Without it, applied events are not dispatched (a process that never dispatches: tests of the store alone). */
  journeys?: EventDispatch;
  /** Without it, a restriction ends no run. */
  runs?: RunTerminator;
}

/** One batch's events for one profile: counted once on the profile (by the batch's outbox id). */
export interface BatchPart {
  outboxId: string;
  /** What the events add to the profile (counters, traits, first/last seen). */
  activity: ProfileActivity;
  events: EventDoc[];
}

/**
 * How the segment step sees the events: folded into the facts kept (live: the writer reads
 * the rules once per round and passes them, or the error reading them failed with), or the
 * facts rebuilt from every stored event (recovery: what was folded before a crash is unknown).
 */
export type EventJudging = { fold: SegmentContext | null | Error } | { rebuild: true };

export interface AppliedEvents {
  /** The profile as it ends up (the survivor, if merged meanwhile); null when the person is gone. */
  profile: ProfileDoc | null;
  /** The events this call applied (a batch another process applied meanwhile is its to judge and dispatch). */
  events: EventDoc[];
}

export interface EditOutcome {
  /** The profile the edit landed on: the survivor, if the person was merged. */
  profileId: string;
  /** Whether the edit changed anything (a repeated restriction does not). */
  changed: boolean;
  /** Runs the change ended (a restriction). */
  endedRuns: number;
  /** The profile as a guarded edit read it, before its write (a restriction's). */
  before?: ProfileDoc;
}

export type ProfileChanges = ReturnType<typeof createProfileChanges>;

export function createProfileChanges(deps: ProfileChangesDeps) {
  const { stores, now, segments } = deps;

  /** Step 2 for events: the events of a person merged meanwhile move to the survivor; those of a person erased meanwhile go. */
  async function followMerges(profileId: string, profile: ProfileDoc | null, events: EventDoc[]): Promise<EventDoc[]> {
    if (!profile) {
      // Erased meanwhile, and this process still knew one of their identifiers: what they
      // sent goes too (the erasure's verify step would find it otherwise).
      await stores.events.deleteByIds(events.map((event) => event._id));
      stores.identities.forgetCachedOwner(profileId);
      return [];
    }
    if (profile._id !== profileId) {
      for (const event of events) {
        await stores.events.assignProfile(event._id, profile._id);
        event.profileId = profile._id;
      }
    }
    return events;
  }

  /** Step 4 for events: folded into the facts kept, or the facts rebuilt from the stored events. */
  async function judgeEvents(profile: ProfileDoc, events: EventDoc[], judging: EventJudging, appliedBatch?: string): Promise<ProfileDoc> {
    if (!segments) return profile;
    if ('fold' in judging) {
      if (judging.fold instanceof Error) throw judging.fold;
      if (!judging.fold) return profile;
      // The profile as just written: judged without reading it again.
      return (await segments.refresh(profile._id, { ...changeOfEvents(events), events }, judging.fold, profile))?.profile ?? profile;
    }
    const stored: FactSource[] = [];
    for await (const event of stores.events.factSourcesOf(profile._id)) stored.push(event);
    const owedElsewhere = await stillOwedElsewhere(stores, profile, stored, appliedBatch);
    const rebuild = stored.filter((event) => !owedElsewhere.has(event._id));
    return (await segments.refresh(profile._id, { ...changeOfEvents(events), rebuild }))?.profile ?? profile;
  }

  /**
   * Steps 1 to 4 in one profile write, where nothing comes between the record and the
   * judgement: live folding, no consent carried, the person neither merged nor erased
   * meanwhile, and no batch applied elsewhere (`applyAndRefresh` answers `as-before`
   * otherwise, having written nothing). With segments deployed, the profile is then written
   * once per round instead of twice. Null when the steps must go one by one.
   */
  async function applyAndJudgeInOneWrite(
    profileId: string,
    parts: readonly BatchPart[],
    judging: EventJudging,
  ): Promise<AppliedEvents | null> {
    if (!segments || !('fold' in judging) || !judging.fold || judging.fold instanceof Error) return null;
    const events = parts.flatMap((part) => part.events);
    if (consentEventsOf(events).length > 0) return null;
    const batches = parts.map(({ outboxId, activity }) => ({ outboxId, activity }));
    const judged = await segments.applyAndRefresh(profileId, batches, { ...changeOfEvents(events), events }, judging.fold);
    if (judged === 'as-before') return null;
    // `outcome` is null only when the person was erased between the write and its copies.
    return { profile: judged.outcome?.profile ?? (await stores.profiles.findById(profileId)), events };
  }

  /** The segment engine's view of the active rules, read once for many changes. */
  async function segmentContext(): Promise<SegmentContext | null> {
    return (await segments?.context()) ?? null;
  }

  return {
    /** The segment engine's view of the active rules, read once for many changes (a writer's round). */
    segmentContext,

    /**
     * Steps 1 to 4 for one profile's share of one or more batches: each batch counted once
     * (a batch another process applied meanwhile is left out of what follows), merges
     * followed, consent applied, segments judged. Dispatch (step 5) is per batch, once all
     * of a batch's profiles are applied: `dispatch` below.
     */
    async applyEvents(profileId: string, parts: readonly BatchPart[], judging: EventJudging): Promise<AppliedEvents> {
      const inOneWrite = await applyAndJudgeInOneWrite(profileId, parts, judging);
      if (inOneWrite) return inOneWrite;
      const written = await stores.profiles.applyBatches(
        profileId,
        parts.map(({ outboxId, activity }) => ({ outboxId, activity })),
        now(),
      );
      const appliedHere = new Set(written?.applied ?? []);
      const recorded = parts.filter((part) => !written || appliedHere.has(part.outboxId)).flatMap((part) => part.events);
      const events = await followMerges(profileId, written?.profile ?? null, recorded);
      if (!written) return { profile: null, events };
      // A recovery applies the consent of all its batch's events, counted here or not: the
      // process that counted them may have died before this step. Consent is idempotent
      // (each record is keyed by its event), so what was applied already is not applied again.
      const consentOf = 'rebuild' in judging ? parts.flatMap((part) => part.events) : events;
      let profile = (await applyConsents(stores, written.profile._id, consentOf, now())) ?? written.profile;
      const recovered = 'rebuild' in judging && parts.length === 1 ? parts[0]!.outboxId : undefined;
      profile = await judgeEvents(profile, events, judging, recovered);
      return { profile, events };
    },

    /** Step 5 for applied events: journeys triggered and signalled, consent lifecycles started. */
    async dispatch(events: readonly EventDoc[], profiles?: ReadonlyMap<string, ProfileDoc>): Promise<void> {
      await deps.journeys?.dispatch(events, profiles);
    },

    /**
     * Whether step 5 has nothing to do for these events (`profiles`: their people as just
     * written): then a batch needs no place in the order of dispatch, and closes at once.
     */
    async owesNothing(events: readonly EventDoc[], profiles: ReadonlyMap<string, ProfileDoc>): Promise<boolean> {
      return !deps.journeys || (await deps.journeys.owesNothing(events, profiles));
    },

    /**
     * A change that is not an event (a journey's tag or trait, a rectification, a
     * restriction): recorded, judged, and what it owes the person's runs done. Null when the
     * profile is gone (erased): an edit never brings a person back.
     */
    async edit(profileId: string, edit: ProfileEdit): Promise<EditOutcome | null> {
      return editJudgedBy(profileId, edit, undefined);
    },

    /**
     * Edits made together, as a journey's row of instant steps makes them (tag, send, untag…
     * in one activity): the segment engine's view of the active rules is read once for all
     * of them, beside the first edit's write, as the profile writer reads it once per round;
     * `edit` alone reads it after each write. One row is milliseconds long: a deploy in
     * between is the same race as one just after the row, which the deploy's recompute
     * settles (it judges everyone).
     */
    editsTogether(): (profileId: string, edit: ProfileEdit) => Promise<EditOutcome | null> {
      let context: Promise<SegmentContext | null> | undefined;
      return (profileId, edit) => {
        context ??= segmentContext();
        return editJudgedBy(profileId, edit, context);
      };
    },

    /**
     * Folds the person's segment facts again from their stored events (a deploy whose leaf
     * cutoff was acknowledged late: src/segments/recompute.ts). Nothing when they are gone.
     */
    async rebuildSegmentFacts(profileId: string): Promise<void> {
      const profile = await stores.profiles.findById(profileId);
      if (profile) await judgeEvents(profile, [], { rebuild: true });
    },

    /** Judges the person's segments again with no change of theirs (a run that starts watching its `exit when`). */
    async judge(profileId: string, change: ProfileChange = {}): Promise<void> {
      await segments?.refresh(profileId, { change, reason: { kind: 'profile update' } });
    },

    /** An erasure's step: the person leaves every segment and their segment history goes. */
    async forget(profileId: string, absorbed: readonly string[]): Promise<{ memberships: number; history: number }> {
      return (await segments?.forget(profileId, absorbed)) ?? { memberships: 0, history: 0 };
    },
  };

  /** An edit recorded and judged; by `context` when given (read beside the write), else by the rules read after it. */
  async function editJudgedBy(
    profileId: string,
    edit: ProfileEdit,
    context: Promise<SegmentContext | null> | undefined,
  ): Promise<EditOutcome | null> {
    const [recorded, known] = await Promise.all([recordEdit(stores, profileId, edit, now()), context]);
    if (!recorded) return null;
    const judged = await segments?.refresh(recorded.profileId, judgedAs(edit), known);
    // A repeated restriction ends any run still left, as the first did.
    const endedRuns = edit.kind === 'restrict' ? await endRuns(judged?.profile ?? recorded.profile!) : 0;
    return {
      profileId: recorded.profileId,
      changed: recorded.changed,
      endedRuns,
      ...(recorded.profile ? { before: recorded.profile } : {}),
    };
  }

  /** The restriction's effect on the person's runs: ended (outcome `restricted`), not paused; lifting it does not restart them. */
  async function endRuns(profile: ProfileDoc): Promise<number> {
    let ended = 0;
    for (const run of Object.values(profile.journeys ?? {})) {
      if (await deps.runs?.terminate(run.workflowId, 'processing restricted (privacy request)')) {
        stores.journeyStats.count(run.journey, run.rulesVersion, 'ended.restricted');
        ended += 1;
      }
      await stores.profiles.leaveJourney(profile._id, run.workflowId);
    }
    return ended;
  }
}

/**
 * The events of `profile` that a segment rebuild leaves out: those of other batches still
 * open and not yet counted on the profile, which their own writer (or recovery) folds in.
 */
async function stillOwedElsewhere(
  stores: Stores,
  profile: ProfileDoc,
  events: readonly FactSource[],
  outboxId: string | undefined,
): Promise<Set<string>> {
  const batches = [
    ...new Set(
      events
        .map((event) => event.outboxId)
        .filter((id) => id !== undefined && id !== outboxId && profile.appliedBatches?.[id] === undefined),
    ),
  ] as string[];
  const open = await stores.outbox.openAmong(batches);
  return new Set(events.filter((event) => event.outboxId !== undefined && open.has(event.outboxId)).map((event) => event._id));
}
