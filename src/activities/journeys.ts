/** Activities a journey run needs besides profile changes: its IR, membership, events, messages. */
import type { JourneyIR, PropConditionIR } from '../dsl/ir.js';
import { consentState, evaluatePropCondition } from '../dsl/predicate.js';
import type { QueuedMessage } from '../model.js';
import { decideAdmission, recordLegacyEntry, type AdmissionRequest, type AdmissionVerdict } from './admission.js';
import type { ActivityDeps } from './profiles.js';

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
      const admission = await stores.profiles.decideAndSet(profileId, (profile) => decideAdmission(profile, request));
      return admission?.verdict ?? 'no-profile';
    },

    /** Kept for runs started before admission existed: their histories replay through it. */
    async enterJourney(profileId: string, run: { workflowId: string; journey: string; rulesVersion: number }): Promise<void> {
      await stores.profiles.decideAndSet(profileId, (profile) => recordLegacyEntry(profile, { ...run, enteredAt: now() }));
    },

    async leaveJourney(profileId: string, workflowId: string): Promise<void> {
      await stores.profiles.leaveJourney(profileId, workflowId);
    },

    /** Whether the stored event's properties satisfy a `where` clause; false when it is gone. */
    async eventMatches(eventId: string, where: PropConditionIR): Promise<boolean> {
      const event = await stores.events.findById(eventId);
      return event !== null && evaluatePropCondition(where, event.properties);
    },

    /**
     * Puts a message in the delivery outbox, once per key. Delivery through SMTP and
     * webhooks reads that outbox (a later milestone); the journey only decides to send.
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
