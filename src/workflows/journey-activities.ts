/**
 * The activities a journey run calls, as proxies: its short reads and writes local to the
 * worker, its sends regular activities (long retries, heartbeats).
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import type { DeliveryActivities, JourneyActivities } from '../activities/index.js';
import { sends as delivery } from './send-activities.js';

/**
 * Run in the worker's process (local activities): a marker in the history each, and no
 * task through the server. For the short reads and writes of a run (its IR, admission,
 * tags, conditions) this cuts the server's work per run by two thirds.
 */
const local = proxyLocalActivities<JourneyActivities & DeliveryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** The activities a run calls. */
export type RunActivities = ReturnType<typeof runActivities>;

export function runActivities() {
  return {
    loadJourney: local.loadJourney,
    admitToJourney: local.admitToJourney,
    judgeExitWhen: local.judgeExitWhen,
    leaveJourney: local.leaveJourney,
    eventMatches: local.eventMatches,
    tagProfile: local.tagProfile,
    untagProfile: local.untagProfile,
    setProfileTrait: local.setProfileTrait,
    evaluateCondition: local.evaluateCondition,
    millisUntilLocalTime: local.millisUntilLocalTime,
    holdForQuietHours: local.holdForQuietHours,
    // Sends: long retries, heartbeats.
    deliverMessage: delivery.deliverMessage,
    abandonMessage: delivery.abandonMessage,
  };
}
