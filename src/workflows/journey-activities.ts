/**
 * The activities a journey run calls, as proxies: its short reads and writes local to the
 * worker; a send's first attempt local too, its retries regular activities (long
 * backoff, heartbeats).
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

/**
 * A send's first attempt, in the worker's process: no activity task through the server and
 * no workflow task to hear its result, which is most of what a send costs Temporal. One
 * attempt: a receiver that fails it (SMTP 4xx, a webhook 5xx, the network) gets the
 * regular activity's retries (send-activities.ts), which a local activity must not hold
 * a workflow task for. The delivery store keeps it once either way (src/channels/deliver.ts).
 */
const firstAttempt = proxyLocalActivities<DeliveryActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
});

/**
 * A lean run's row of instant steps (journey-run.ts): profile edits and sends in one local
 * activity, retried whole (each step is safe to take again). A minute, as a send's first
 * attempt has; a receiver that fails stops the row instead of failing it.
 */
const rows = proxyLocalActivities<JourneyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** The activities a run calls. */
export type RunActivities = ReturnType<typeof runActivities>;

export function runActivities() {
  return {
    loadJourneyAndAdmit: local.loadJourneyAndAdmit,
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
    applyStepsNow: rows.applyStepsNow,
    deliverMessageNow: firstAttempt.deliverMessage,
    // Sends' retries: long backoff, heartbeats.
    deliverMessage: delivery.deliverMessage,
    abandonMessage: delivery.abandonMessage,
  };
}
