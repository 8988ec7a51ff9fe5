/**
 * The generic journey workflow: it interprets one journey of one deployed rules version
 * for one profile. No code is generated per rule; every read and write is an activity.
 * This module is the run's entry, admission and end (with its `on exit` steps);
 * journey-run.ts the steps.
 */
import { CancellationScope, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { runActivities } from './journey-activities.js';
import { ContinueAt, JourneyRun, REMEMBERED_EVENT_IDS, type ConsentWatch, type ExitWatch, type JourneyOutcome } from './journey-run.js';
import {
  consentWithdrawnSignal,
  exitConditionMetSignal,
  journeyStateQuery,
  profileEventSignal,
  type JourneyInput,
  type JourneyState,
  type ProfileEventSignal,
} from './messages.js';

export type { JourneyOutcome } from './journey-run.js';

/**
 * Today's shape of a run, decided once at its start (step 1 of Temporal's patching
 * sequence, `patched()`): its journey and admission in one local activity, a row of
 * instant steps in one more, a send's first attempt local, the funnel's marks counted
 * without a turn of the event loop. A drip run of three chapters makes 6 local activities
 * and no regular one instead of 9 and 3 (docs/messages.md, "Figures"). Runs of release
 * 0.1.0, which lack its marker, replay as they ran.
 *
 * The patches of the development builds before 0.1.0 (`journey-admission` …
 * `journey-progress-sink`) were at step 2 (`deprecatePatch`) in 0.1.0 and are gone now
 * (step 3): a run no longer records their seven markers, runs that recorded them as
 * deprecated (0.1.0's) replay, and runs of the development builds before 0.1.0 do not
 * (docs/architecture.md, "Workflow versions: the support window").
 */
export const LEAN_RUN_PATCH = 'journey-lean-run';

/**
 * A lean run that leaves in its last local activity (step 1 of the patching sequence,
 * decided once at the start, instead of LEAN_RUN_PATCH's marker): the row of instant steps
 * that ends the journey (one step is enough) takes the run off the profile too, and so do
 * the `on exit` steps, so a drip run's closing "untag" and its leaving are one local
 * activity, not two. Lean runs recorded before it replay as they ran.
 */
export const LEAVE_IN_ROW_PATCH = 'journey-leave-in-row';

export async function journeyWorkflow(input: JourneyInput): Promise<JourneyOutcome> {
  const acts = runActivities();
  const { continued } = input;
  const state: JourneyState = {};
  setHandler(journeyStateQuery, () => state);
  const received: ProfileEventSignal[] = [...(continued?.received ?? [])];
  const receivedIds = new Set<string>(continued?.receivedIds ?? []);
  setHandler(profileEventSignal, (event) => {
    // A dispatch retried after a crash or an outage repeats its signals.
    if (receivedIds.has(event.eventId)) return;
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
    exitWhen.met = true;
    exitWhen.onMet?.();
  });

  // A new run records one marker: the newest shape's. A run recorded before it has the older marker, or none (0.1.0).
  const leavesInRow = patched(LEAVE_IN_ROW_PATCH);
  const lean = leavesInRow || patched(LEAN_RUN_PATCH);
  // The first run id of the chain: a reset, retried or continued run keeps it, so it stays itself.
  const { workflowId, firstExecutionRunId: runId } = workflowInfo();
  const entry = {
    workflowId,
    journey: input.journey,
    rulesVersion: input.rulesVersion,
    runId,
    triggerEventId: input.triggerEventId,
    atMs: Date.now(),
  };
  let journey;
  if (lean && !continued) {
    // Admission checks the consents on the same read as the entry.
    const entered = await acts.loadJourneyAndAdmit(input.profileId, entry);
    if (!entered) return 'unknown-journey';
    if (entered.verdict !== 'admitted') return entered.verdict;
    journey = entered.journey;
  } else {
    journey = await acts.loadJourney(input.rulesVersion, input.journey);
    if (!journey) return 'unknown-journey';
    // A continued run was let in by the run it continues: nothing to check again.
    if (!continued) {
      const verdict = await acts.admitToJourney(input.profileId, {
        ...entry,
        journey: journey.name,
        reentry: journey.reentry,
        requiresConsent: journey.requiresConsent,
      });
      if (verdict !== 'admitted') return verdict;
    }
  }
  const steps = new JourneyRun({
    journey,
    input,
    runKey: `${workflowId}:${runId}`,
    workflowId,
    received,
    consent,
    exitWhen,
    state,
    acts,
    lean,
    leavesInRow,
  });
  let outcome: JourneyOutcome = 'failed';
  let continuing = false;
  try {
    // Checked once the run is recorded on the profile: a change after this point is signalled.
    if (!continued && journey.exitWhen && (await acts.judgeExitWhen(input.profileId, input.rulesVersion, journey.exitWhen))) {
      outcome = 'exited-when';
    } else {
      outcome = await steps.execute(continued);
    }
    return outcome;
  } catch (error) {
    if (!(error instanceof ContinueAt)) throw error;
    continuing = true;
    return await continueAsNew<typeof journeyWorkflow>({
      ...input,
      continued: steps.carried(error.path, [...receivedIds].slice(-REMEMBERED_EVENT_IDS)),
    });
  } finally {
    // A run continuing as new is still in the journey: its `on exit` waits for the chain's end.
    if (!continuing) {
      const ending = {
        journey: journey.name,
        rulesVersion: input.rulesVersion,
        outcome,
        ...(steps.atStep ? { atStep: steps.atStep } : {}),
      };
      // Whatever ended it (an erasure terminates the run: this does not run then). Only a
      // journey with `on exit` makes these commands, and rules versions compiled before it
      // existed have none, so the histories of their runs replay unchanged. A run that
      // leaves in its rows has left already when its last row ended it, or leaves with its
      // `on exit` steps.
      let left = steps.left;
      if (!left && journey.onExit?.length) left = await CancellationScope.nonCancellable(() => steps.runOnExit(ending));
      if (!left) await CancellationScope.nonCancellable(() => acts.leaveJourney(input.profileId, workflowId, ending));
    }
  }
}
