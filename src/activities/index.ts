/**
 * All activities, built from their dependencies. Workflows import only the types below,
 * never this module's values.
 */
import { createBroadcastActivities } from './broadcasts.js';
import { createConsentActivities } from './consent.js';
import { createDeliveryActivities } from './delivery.js';
import { createJourneyActivities } from './journeys.js';
import { createPrivacyActivities } from './privacy.js';
import { createProfileActivities, type ActivityDeps } from './profiles.js';
import { createSegmentActivities } from './segments.js';

export type { ActivityDeps };
export type { AdmissionVerdict } from './admission.js';
export type { BatchResult, BroadcastPlan } from './broadcasts.js';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createProfileActivities(deps),
    ...createJourneyActivities(deps),
    ...createDeliveryActivities(deps),
    ...createPrivacyActivities(deps),
    ...createConsentActivities(deps),
    ...createSegmentActivities(deps),
    ...createBroadcastActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type JourneyActivities = ReturnType<typeof createProfileActivities> & ReturnType<typeof createJourneyActivities>;
export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
export type PrivacyActivities = ReturnType<typeof createPrivacyActivities>;
export type ConsentActivities = ReturnType<typeof createConsentActivities>;
export type SegmentActivities = ReturnType<typeof createSegmentActivities>;
export type BroadcastActivities = ReturnType<typeof createBroadcastActivities>;
