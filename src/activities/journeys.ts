/** Activities a journey run needs besides profile changes: its IR, membership, events, messages. */
import type { JourneyIR, PropConditionIR } from '../dsl/ir.js';
import { consentState, evaluatePropCondition } from '../dsl/predicate.js';
import type { QueuedMessage } from '../model.js';
import { decideAdmission, recordLegacyEntry, type AdmissionRequest, type AdmissionVerdict } from './admission.js';
import type { ActivityDeps } from './profiles.js';

/** How a run ended, for the journey's counts: ids and codes only. */
export interface RunEnding {
  journey: string;
  rulesVersion: number;
  outcome: string;
  /** The innermost step it was in when it ended (not passed), if any. */
  atStep?: string;
}

export function createJourneyActivities({ stores, now }: ActivityDeps) {
  return {
    async loadJourney(rulesVersion: number, journey: string): Promise<JourneyIR | null> {
      const rules = await stores.rules.get(rulesVersion);
      return rules?.ir.journeys.find((j) => j.name === journey) ?? null;
    },

    /**
     * Lets the run in, or not (see admission.ts); when it does, the run and the person's
     * journey history are recorded on the profile in one write.
     */
    async admitToJourney(profileId: string, request: AdmissionRequest): Promise<AdmissionVerdict | 'no-profile'> {
      // Paused (POST /v1/journeys/:name/pause): no new runs; those running go on.
      if (await stores.journeyControls.isPaused(request.journey)) {
        stores.journeyStats.count(request.journey, request.rulesVersion, 'refused.journey-paused');
        return 'journey-paused';
      }
      const admission = await stores.profiles.decideAndSet(profileId, (profile) => decideAdmission(profile, request));
      const verdict = admission?.verdict ?? 'no-profile';
      // A retried admission of the same run passes without writing: counted once, when written.
      if (admission?.set) stores.journeyStats.count(request.journey, request.rulesVersion, 'entered');
      else if (verdict !== 'admitted') stores.journeyStats.count(request.journey, request.rulesVersion, `refused.${verdict}`);
      return verdict;
    },

    /** Kept for runs started before admission existed: their histories replay through it. */
    async enterJourney(profileId: string, run: { workflowId: string; journey: string; rulesVersion: number }): Promise<void> {
      await stores.profiles.decideAndSet(profileId, (profile) => recordLegacyEntry(profile, { ...run, enteredAt: now() }));
    },

    /**
     * Takes the run off the profile. With how it ended (runs since the progress patch), the
     * ending is counted, once: a retried call finds the run gone.
     */
    async leaveJourney(profileId: string, workflowId: string, ending?: RunEnding): Promise<void> {
      const left = await stores.profiles.leaveJourney(profileId, workflowId);
      if (!left || !ending) return;
      stores.journeyStats.count(ending.journey, ending.rulesVersion, `ended.${ending.outcome}`);
      if (ending.atStep) stores.journeyStats.count(ending.journey, ending.rulesVersion, `steps.${ending.atStep}.left`);
    },

    /** A run reached or passed a step: the journey's funnel (GET /v1/journeys/:name). */
    async journeyProgress(journey: string, rulesVersion: number, step: string, mark: 'reached' | 'passed'): Promise<void> {
      stores.journeyStats.count(journey, rulesVersion, `steps.${step}.${mark}`);
    },

    /** Whether the stored event's properties satisfy a `where` clause; false when it is gone. */
    async eventMatches(eventId: string, where: PropConditionIR): Promise<boolean> {
      const event = await stores.events.findById(eventId);
      return event !== null && evaluatePropCondition(where, event.properties);
    },

    /**
     * Only runs started before the `journey-delivery` patch (src/workflows/journey.ts) call
     * this, replaying what they did then: the message is recorded in `deliveries` as
     * `queued`, once per key, and nothing sends it. Later runs send with `deliverMessage`
     * (delivery.ts).
     */
    async queueMessage(message: QueuedMessage): Promise<void> {
      // An erased profile's run may still be winding down; it must not leave new traces.
      const profile = await stores.profiles.findById(message.profileId);
      if (!profile) return;
      // Checked again at the moment of sending: a withdrawal on its way to the run as a
      // signal already keeps this message from leaving.
      if ((message.consents ?? []).some((purpose) => consentState(profile.consents, purpose, now()) !== 'granted')) return;
      await stores.deliveries.queue(message, now());
    },
  };
}
