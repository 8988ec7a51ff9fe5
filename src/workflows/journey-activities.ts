/**
 * The activities a journey run calls, as proxies: regular activities for sends (long
 * retries, heartbeats), and the short reads and writes either regular (runs started
 * before `journey-local-activities`) or local to the worker.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { DeliveryActivities, JourneyActivities } from '../activities/index.js';
import { sends as delivery } from './send-activities.js';

export const activities = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The same activities run in the worker's process (local activities): a marker in the
 * history each, and no task through the server. For the short reads and writes of a run
 * (its IR, admission, tags, conditions, the progress marks) this cuts the server's work per
 * run by two thirds; sends stay regular activities (long retries, heartbeats).
 */
const local = proxyLocalActivities<JourneyActivities & DeliveryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});


/** The activities a run calls, each local or not as the run's code version says. */
export type RunActivities = ReturnType<typeof runActivities>;

export function runActivities(shortOnesLocal: boolean) {
  const short = shortOnesLocal ? local : activities;
  return {
    loadJourney: short.loadJourney,
    admitToJourney: short.admitToJourney,
    judgeExitWhen: short.judgeExitWhen,
    leaveJourney: short.leaveJourney,
    eventMatches: short.eventMatches,
    tagProfile: short.tagProfile,
    untagProfile: short.untagProfile,
    setProfileTrait: short.setProfileTrait,
    evaluateCondition: short.evaluateCondition,
    millisUntilLocalTime: short.millisUntilLocalTime,
    holdForQuietHours: shortOnesLocal ? local.holdForQuietHours : delivery.holdForQuietHours,
    // Local since they first existed.
    journeyProgress: local.journeyProgress,
    // Runs before admission and delivery.
    enterJourney: activities.enterJourney,
    hasConsent: activities.hasConsent,
    queueMessage: activities.queueMessage,
    // Sends: long retries, heartbeats.
    deliverMessage: delivery.deliverMessage,
    abandonMessage: delivery.abandonMessage,
  };
}

/** Deny by default: every purpose granted and unexpired, checked one by one as runs always have. */
export async function hasEveryConsent(profileId: string, purposes: string[]): Promise<boolean> {
  for (const purpose of purposes) {
    if (!(await activities.hasConsent(profileId, purpose))) return false;
  }
  return true;
}
