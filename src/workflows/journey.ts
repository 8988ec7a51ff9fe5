/**
 * The generic journey workflow: it interprets one journey of one deployed rules version
 * for one profile. No code is generated per rule; every read and write is an activity.
 * This module is the run's entry, admission and end; journey-run.ts the steps.
 */
import { CancellationScope, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { hasEveryConsent, runActivities } from './journey-activities.js';
import { ContinueAt, JourneyRun, REMEMBERED_EVENT_IDS, type ConsentWatch, type ExitWatch, type JourneyOutcome, type RunFeatures } from './journey-run.js';
import {
  consentWithdrawnSignal, exitConditionMetSignal, journeyStateQuery, profileEventSignal,
  type JourneyInput, type JourneyState, type ProfileEventSignal,
} from './messages.js';

export type { JourneyOutcome } from './journey-run.js';

/**
 * Runs started before this patch recorded themselves with `enterJourney` and took every
 * signal as it came; replaying their histories must issue the same commands, so they
 * keep doing that. Runs after it are admitted against the person's journey history and
 * take each event once. test/workflows/replay.test.ts replays a recorded history.
 */
export const ADMISSION_PATCH = 'journey-admission';

/**
 * Before this patch a send put its message in the outbox (`queueMessage`) and nothing
 * else; after it, the run sends it (`deliverMessage`), holding it through quiet hours.
 */
export const DELIVERY_PATCH = 'journey-delivery';

/** Before this patch `exit when` was compiled and ignored; after it, it is checked at entry and signalled on every change. */
export const EXIT_WHEN_PATCH = 'journey-exit-when';

/** After this patch a run counts each step it reaches and passes (the journey's funnel). */
export const PROGRESS_PATCH = 'journey-progress';

/** After this patch a run whose history grows long continues as new between two steps. */
export const CONTINUE_PATCH = 'journey-continue-as-new';

/** After this patch a run's short reads and writes are local activities (journey-activities.ts), and admission alone checks consent at entry. */
export const LOCAL_ACTIVITIES_PATCH = 'journey-local-activities';

/** After this patch the funnel's step marks go through a sink (no marker in the history, no activation each). */
export const PROGRESS_SINK_PATCH = 'journey-progress-sink';

export async function journeyWorkflow(input: JourneyInput): Promise<JourneyOutcome> {
  const usesAdmission = patched(ADMISSION_PATCH);
  const features: RunFeatures = {
    delivers: patched(DELIVERY_PATCH), exitsWhen: patched(EXIT_WHEN_PATCH), counts: patched(PROGRESS_PATCH), continues: patched(CONTINUE_PATCH),
    local: patched(LOCAL_ACTIVITIES_PATCH),
    countsBySink: patched(PROGRESS_SINK_PATCH),
  };
  const acts = runActivities(features.local);
  const { continued } = input;
  const state: JourneyState = {};
  setHandler(journeyStateQuery, () => state);
  const received: ProfileEventSignal[] = [...(continued?.received ?? [])];
  const receivedIds = new Set<string>(continued?.receivedIds ?? []);
  setHandler(profileEventSignal, (event) => {
    // A dispatch retried after a crash or an outage repeats its signals.
    if (usesAdmission && receivedIds.has(event.eventId)) return;
    receivedIds.add(event.eventId);
    received.push(event);
  });
  // A purpose of the person's that is no longer granted; the run ends if it requires it.
  const consent: ConsentWatch = { withdrawn: new Set(continued?.withdrawn ?? []), onWithdrawn: undefined };
  setHandler(consentWithdrawnSignal, ({ purpose }) => {
    consent.withdrawn.add(purpose);
    consent.onWithdrawn?.();
  });
  const exitWhen: ExitWatch = { met: continued?.exitConditionMet ?? false, onMet: undefined };
  setHandler(exitConditionMetSignal, () => {
    if (!features.exitsWhen) return;
    exitWhen.met = true;
    exitWhen.onMet?.();
  });

  const journey = await acts.loadJourney(input.rulesVersion, input.journey);
  if (!journey) return 'unknown-journey';
  // The first run id of the chain: a reset, retried or continued run keeps it, so it stays itself.
  const { workflowId, firstExecutionRunId: runId } = workflowInfo();
  const run = { workflowId, journey: journey.name, rulesVersion: input.rulesVersion };
  // A continued run was let in by the run it continues: nothing to check again.
  if (!continued) {
    // Admission checks the consents on the same read as the entry; older runs asked first.
    if (!features.local && !(await hasEveryConsent(input.profileId, journey.requiresConsent))) return 'no-consent';
    if (usesAdmission) {
      const verdict = await acts.admitToJourney(input.profileId, {
        ...run, runId, triggerEventId: input.triggerEventId, reentry: journey.reentry, requiresConsent: journey.requiresConsent, atMs: Date.now(),
      });
      if (verdict !== 'admitted') return verdict;
    } else {
      await acts.enterJourney(input.profileId, run);
    }
  }
  const steps = new JourneyRun({ journey, input, runKey: `${workflowId}:${runId}`, received, consent, exitWhen, features, state, acts });
  let outcome: JourneyOutcome = 'failed';
  let continuing = false;
  try {
    // Checked once the run is recorded on the profile: a change after this point is signalled.
    if (!continued && features.exitsWhen && journey.exitWhen && (await acts.judgeExitWhen(input.profileId, input.rulesVersion, journey.exitWhen))) {
      outcome = 'exited-when';
    } else {
      outcome = await steps.execute(continued);
    }
    return outcome;
  } catch (error) {
    if (!(error instanceof ContinueAt)) throw error;
    continuing = true;
    return await continueAsNew<typeof journeyWorkflow>({ ...input, continued: steps.carried(error.path, [...receivedIds].slice(-REMEMBERED_EVENT_IDS)) });
  } finally {
    // A run continuing as new is still in the journey.
    if (!continuing) {
      const ending = { journey: journey.name, rulesVersion: input.rulesVersion, outcome, ...(steps.atStep ? { atStep: steps.atStep } : {}) };
      await CancellationScope.nonCancellable(() =>
        features.counts ? acts.leaveJourney(input.profileId, workflowId, ending) : acts.leaveJourney(input.profileId, workflowId));
    }
  }
}
