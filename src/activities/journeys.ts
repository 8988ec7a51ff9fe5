/** Activities a journey run needs besides profile changes and sends: its IR, admission, leaving, events. */
import { RetryableDelivery } from '../channels/deliver.js';
import type { JourneyIR, PropConditionIR } from '../dsl/ir.js';
import type { MessageRequest } from '../model.js';
import { evaluatePropCondition } from '../conditions/predicate.js';
import { decideAdmission, type AdmissionRequest, type AdmissionVerdict } from './admission.js';
import type { ActivityDeps } from './profiles.js';
import { journeyRunAdmitted, journeyRunEnded, journeyRunRefused } from '../metrics/index.js';

/** How a run ended, for the journey's counts: ids and codes only. */
export interface RunEnding {
  journey: string;
  rulesVersion: number;
  outcome: string;
  /** The innermost step it was in when it ended (not passed), if any. */
  atStep?: string;
}

/** A step a lean run takes without waiting for anything (journey-run.ts): a profile edit or a send. */
export type InstantAction =
  | { kind: 'tag' | 'untag'; tag: string }
  | { kind: 'trait'; path: string; value: string | number | boolean | null }
  | { kind: 'send'; message: MessageRequest };

/**
 * How far a run of instant steps got: `done` of them. A send it stopped at is `held`: by
 * its channel's frequency cap (try again in `retryInMs`), or by a receiver that failed
 * for now (`retry`), which the regular send activity's retries take over.
 */
export interface InstantOutcome {
  done: number;
  held?: { retryInMs: number } | { retry: string };
  /** The run left the profile after its steps (asked to, and all of them done). */
  left?: boolean;
}

/** A run that ends with its steps leaves in the same activity: its workflow id and how it ended. */
export interface LeavingAfter {
  workflowId: string;
  ending: RunEnding;
}

/** A new run's entry: who it is, for whom, and on what trigger; the journey's own rules come from its IR. */
export type EntryRequest = Omit<AdmissionRequest, 'reentry' | 'requiresConsent'>;

/** What a new run learns on entry: its journey's IR, and whether it is let in. */
export interface Entry {
  journey: JourneyIR;
  verdict: AdmissionVerdict | 'no-profile';
}

export function createJourneyActivities({ stores, changes, deliverer }: ActivityDeps) {
  async function loadJourney(rulesVersion: number, journey: string): Promise<JourneyIR | null> {
    const rules = await stores.rules.get(rulesVersion);
    return rules?.ir.journeys.find((j) => j.name === journey) ?? null;
  }

  /**
   * Lets the run in, or not (see admission.ts); when it does, the run and the person's
   * journey history are recorded on the profile in one write.
   */
  async function admitToJourney(profileId: string, request: AdmissionRequest): Promise<AdmissionVerdict | 'no-profile'> {
    // Paused (POST /v1/journeys/:name/pause): no new runs; those running go on.
    if (await stores.journeyControls.isPaused(request.journey)) {
      stores.journeyStats.count(request.journey, request.rulesVersion, 'refused.journey-paused');
      journeyRunRefused('journey-paused');
      return 'journey-paused';
    }
    const admission = await stores.profiles.decideAndSet(profileId, (profile) => decideAdmission(profile, request));
    const verdict = admission?.verdict ?? 'no-profile';
    // A retried admission of the same run passes without writing: counted once, when written.
    if (admission?.set) {
      stores.journeyStats.count(request.journey, request.rulesVersion, 'entered');
      journeyRunAdmitted();
    } else if (verdict !== 'admitted') {
      stores.journeyStats.count(request.journey, request.rulesVersion, `refused.${verdict}`);
      journeyRunRefused(verdict);
    }
    return verdict;
  }

  /** Takes the run off the profile and counts how it ended, once: a retried call finds the run gone. */
  async function leaveJourney(profileId: string, workflowId: string, ending: RunEnding): Promise<void> {
    const left = await stores.profiles.leaveJourney(profileId, workflowId);
    if (!left) return;
    stores.journeyStats.count(ending.journey, ending.rulesVersion, `ended.${ending.outcome}`);
    journeyRunEnded(ending.outcome);
    if (ending.atStep) stores.journeyStats.count(ending.journey, ending.rulesVersion, `steps.${ending.atStep}.left`);
  }

  return {
    loadJourney,
    admitToJourney,
    leaveJourney,

    /**
     * A new run's journey and its admission in one local activity: one marker in the
     * history and one workflow activation instead of two. Null for a journey its rules
     * version does not have.
     */
    async loadJourneyAndAdmit(profileId: string, request: EntryRequest): Promise<Entry | null> {
      const journey = await loadJourney(request.rulesVersion, request.journey);
      if (!journey) return null;
      const verdict = await admitToJourney(profileId, {
        ...request,
        reentry: journey.reentry,
        requiresConsent: journey.requiresConsent,
      });
      return { journey, verdict };
    },

    /**
     * Takes a run's instant steps in order, in one local activity: one marker in the history
     * and one workflow activation instead of one per step. Each step is safe to take again
     * (tags and traits are set, not added; a send is kept once by its delivery key), so a
     * retry of the whole after a failure part-way changes nothing twice. With `leaving`, a
     * run whose steps end it then leaves the profile, once all are done (leaving is safe to
     * repeat too): one local activity instead of two.
     */
    async applyStepsNow(profileId: string, actions: InstantAction[], leaving?: LeavingAfter): Promise<InstantOutcome> {
      // The row's edits are judged by one read of the active rules, not one each.
      const edit = changes.editsTogether();
      for (const [done, action] of actions.entries()) {
        switch (action.kind) {
          case 'tag':
          case 'untag':
            await edit(profileId, { kind: action.kind, tag: action.tag });
            break;
          case 'trait':
            await edit(profileId, { kind: 'trait', path: action.path, value: action.value });
            break;
          case 'send': {
            if (!deliverer) throw new Error('message delivery is not wired into these activities');
            try {
              const { retryInMs } = await deliverer.deliver(action.message);
              if (retryInMs !== undefined) return { done, held: { retryInMs } };
            } catch (error) {
              if (error instanceof RetryableDelivery) return { done, held: { retry: error.reason } };
              throw error;
            }
          }
        }
      }
      if (!leaving) return { done: actions.length };
      await leaveJourney(profileId, leaving.workflowId, leaving.ending);
      return { done: actions.length, left: true };
    },

    /** Whether the stored event's properties satisfy a `where` clause; false when it is gone. */
    async eventMatches(eventId: string, where: PropConditionIR): Promise<boolean> {
      const event = await stores.events.findById(eventId);
      return event !== null && evaluatePropCondition(where, event.properties);
    },
  };
}
