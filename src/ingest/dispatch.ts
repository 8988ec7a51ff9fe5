/**
 * Dispatch: what Temporal is to be told about a stored event. New runs start with
 * signalWithStart under a deterministic id; runs the profile is already in get the event
 * as a signal; consent changes start, end and signal the processes they concern. This
 * module decides; the calls themselves are the workflows' clients' (src/workflows/
 * *.client.ts). Everything sent carries ids and the event name only.
 */
import { consentRecordId, purposesOf } from '../consent/decide.js';
import type { JourneyIR } from '../dsl/ir.js';
import { evaluatePropCondition } from '../conditions/predicate.js';
import { eventsUsedBy } from './journey-events.js';
import type { EventDoc, JourneyMembership, ProfileDoc, SegmentChange } from '../model.js';
import type { RulesDoc } from '../store/rules.js';
import type { JourneyHooks } from '../segments/engine.js';
import type { Stores } from '../store/index.js';
import { journeyWorkflowId } from '../util/workflow-ids.js';
import { startConsentConfirmation } from '../workflows/consent-confirmation.client.js';
import { startConsentLifecycle, stopConsentLifecycle } from '../workflows/consent.client.js';
import type { WorkflowStarter } from '../workflows/idempotent.client.js';
import { signalConsentWithdrawn, signalExitConditionMet, signalJourneyEvent, startJourneyRun } from '../workflows/journey.client.js';
import type { ProfileEventSignal } from '../workflows/messages.js';
import { forEachInParallel } from '../util/in-parallel.js';
import { journeyRunStarted } from '../metrics/index.js';

/** Also what journeys make of segment changes and `exit when` (JourneyHooks). */
export interface Dispatcher extends JourneyHooks {
  /**
   * Signals every journey these events concern, one profile's events in order. `profiles`
   * may hold the events' profiles as just written, which saves reading them again. Throws
   * if Temporal fails; nothing is recorded here, and a retry repeats the same idempotent
   * starts (deterministic workflow ids).
   */
  dispatch(events: readonly EventDoc[], profiles?: ReadonlyMap<string, ProfileDoc>): Promise<void>;
  /**
   * True when `dispatch` would tell Temporal nothing: no consent change, no journey the
   * events trigger, and no run of their people (read from `profiles`, their people as just
   * written; an event of someone not there is owed something, to be safe).
   */
  owesNothing(events: readonly EventDoc[], profiles: ReadonlyMap<string, ProfileDoc>): Promise<boolean>;
}

/** The events dispatch looks at: named tracks (journeys) and consent changes. */
const isDispatched = (event: EventDoc) => (event.type === 'track' && event.event !== undefined) || event.consent !== undefined;

/** Profiles whose events are dispatched at once: overlaps Temporal round trips, bounded. */
const PROFILE_CONCURRENCY = 8;

/**
 * `deploymentId` goes into the ids of consent lifecycles and confirmations (see
 * src/util/workflow-ids.ts); without it they have the ids they had before deployment ids.
 */
export function createDispatcher({
  stores,
  workflows,
  deploymentId,
}: {
  stores: Stores;
  workflows: WorkflowStarter;
  deploymentId?: string;
}): Dispatcher {
  /** A run of the journey for the person, with the event that triggered it when there is one. */
  async function startRun(
    journey: JourneyIR,
    rulesVersion: number,
    profileId: string,
    triggerEventId: string,
    signal?: ProfileEventSignal,
  ): Promise<void> {
    await startJourneyRun(workflows, { journey: journey.name, rulesVersion, profileId, triggerEventId }, signal);
    journeyRunStarted();
  }

  /** The journey a run of the person's interprets, from the run's own rules version. */
  async function journeyOfRun(run: JourneyMembership): Promise<JourneyIR | undefined> {
    return (await stores.rules.get(run.rulesVersion))?.ir.journeys.find((journey) => journey.name === run.journey);
  }

  /** Whether the change starts the journey: `initial` entries (members already when the segment was first computed) only with `when in segment`. */
  function startsOn(journey: JourneyIR, change: SegmentChange): boolean {
    const { trigger } = journey;
    if (trigger.kind === 'entersSegment')
      return (
        change.change === 'entered' && trigger.segment === change.segment && (!change.initial || trigger.includeCurrentMembers === true)
      );
    if (trigger.kind === 'exitsSegment') return change.change === 'exited' && trigger.segment === change.segment;
    return false;
  }

  /** Signals the person's runs whose journey (of the run's own rules version) can use the event. */
  async function signalRunningJourneys(profile: ProfileDoc, event: EventDoc, alreadySignalled: Set<string>): Promise<void> {
    for (const membership of Object.values(profile.journeys ?? {})) {
      if (alreadySignalled.has(membership.workflowId)) continue;
      const journey = await journeyOfRun(membership);
      if (journey && !eventsUsedBy(journey).has(event.event!)) continue;
      // A run that finished between reading the profile and signalling it is skipped.
      await signalJourneyEvent(workflows, membership.workflowId, { eventId: event._id, event: event.event! });
    }
  }

  /** Ends the person's runs whose journey requires the purpose (each decides with its own rules version). */
  async function withdrawFromRuns(profile: ProfileDoc, purpose: string): Promise<void> {
    for (const membership of Object.values(profile.journeys ?? {})) {
      const journey = await journeyOfRun(membership);
      if (!journey?.requiresConsent.includes(purpose)) continue;
      await signalConsentWithdrawn(workflows, membership.workflowId, purpose);
    }
  }

  /**
   * What an applied consent change owes Temporal, for each purpose whose current state
   * the event set: the timers of the grant it replaced stop, a grant that expires gets
   * its lifecycle, a pending request its confirmation e-mail, and anything but a grant
   * ends the runs that required the purpose. A state set by a later event is that
   * event's to dispatch. Idempotent, like every start and signal here.
   */
  async function dispatchConsent(event: EventDoc, rules: RulesDoc | null, profile: ProfileDoc): Promise<void> {
    const { consent } = event;
    if (!consent) return;
    for (const purpose of purposesOf(consent, rules?.ir.consents ?? [])) {
      const current = profile.consents?.[purpose];
      const recordId = consentRecordId(event._id, purpose);
      const recorded = current?.recordId === recordId;
      // A request to renew a grant that holds is recorded without becoming current: it is
      // mailed all the same. Only an event that wrote a record (listed on the profile) reads it.
      if (
        !recorded &&
        profile.consentLog?.includes(recordId) &&
        rules?.ir.consents.some((declared) => declared.name === purpose && declared.confirmTemplate !== undefined)
      ) {
        if ((await stores.consents.findById(recordId))?.state === 'pending')
          await startConsentConfirmation(workflows, { profileId: profile._id, purpose, recordId }, deploymentId);
      }
      const lapsed = consent.expire?.purpose === purpose && current?.recordId === consent.expire.recordId && current.state === 'expired';
      if (!current || !(recorded || lapsed)) continue;
      if (recorded) {
        const replaces = (await stores.consents.findById(current.recordId!))?.replaces;
        if (replaces) await stopConsentLifecycle(workflows, replaces, current.recordId!, deploymentId);
      }
      if (current.state === 'granted') {
        if (current.expiresAt)
          await startConsentLifecycle(
            workflows,
            { profileId: profile._id, purpose, recordId: current.recordId! },
            current.remindAt ?? current.expiresAt,
            deploymentId,
          );
      } else {
        if (current.state === 'pending')
          await startConsentConfirmation(workflows, { profileId: profile._id, purpose, recordId: current.recordId! }, deploymentId);
        await withdrawFromRuns(profile, purpose);
      }
    }
  }

  async function dispatchOne(event: EventDoc, rules: RulesDoc | null, profile: ProfileDoc | null): Promise<void> {
    if (profile && event.consent) await dispatchConsent(event, rules, profile);
    if (event.type !== 'track' || event.event === undefined) return;
    const signalled = new Set<string>();
    for (const journey of rules?.ir.journeys ?? []) {
      const { trigger } = journey;
      if (trigger.kind !== 'performed' || trigger.event !== event.event) continue;
      if (trigger.where && !evaluatePropCondition(trigger.where, event.properties)) continue;
      await startRun(journey, rules!._id, event.profileId, event._id, { eventId: event._id, event: event.event! });
      signalled.add(journeyWorkflowId(journey.name, rules!._id, event.profileId));
    }
    if (profile) await signalRunningJourneys(profile, event, signalled);
  }

  return {
    async segmentsChanged(changes) {
      // An erasure's exits are the person leaving for good: nothing starts for them.
      const live = changes.filter((change) => change.reason.kind !== 'erasure');
      if (live.length === 0) return;
      const rules = await stores.rules.active();
      const triggered = rules?.ir.journeys.filter((journey) => journey.trigger.kind !== 'performed') ?? [];
      for (const change of live) {
        // The change's id is the trigger: copying the change again starts nothing new.
        for (const journey of triggered)
          if (startsOn(journey, change)) await startRun(journey, rules!._id, change.profileId, `segment-change:${change._id}`);
      }
    },

    async exitConditionMet(workflowId) {
      await signalExitConditionMet(workflows, workflowId);
    },

    async owesNothing(events, profiles) {
      const owing = events.filter(isDispatched);
      if (owing.length === 0) return true;
      if (owing.some((event) => event.consent !== undefined)) return false;
      const rules = await stores.rules.active();
      const triggers = new Set(rules?.ir.journeys.flatMap(({ trigger }) => (trigger.kind === 'performed' ? [trigger.event] : [])));
      return owing.every((event) => {
        const profile = profiles.get(event.profileId);
        return !triggers.has(event.event!) && profile !== undefined && Object.keys(profile.journeys ?? {}).length === 0;
      });
    },

    async dispatch(events, profiles) {
      const tracked = events.filter(isDispatched);
      if (tracked.length === 0) return;
      const rules = await stores.rules.active();
      const byProfile = new Map<string, EventDoc[]>();
      for (const event of tracked) {
        const ofProfile = byProfile.get(event.profileId) ?? [];
        ofProfile.push(event);
        byProfile.set(event.profileId, ofProfile);
      }
      await forEachInParallel(byProfile, PROFILE_CONCURRENCY, async ([profileId, ofProfile]) => {
        const profile = profiles?.get(profileId) ?? (await stores.profiles.findById(profileId));
        for (const event of ofProfile) await dispatchOne(event, rules, profile);
      });
    },
  };
}
