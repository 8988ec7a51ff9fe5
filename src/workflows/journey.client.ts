/**
 * The journey workflow's client side (journey.ts is the workflow): starting a person's
 * run and telling a running one what happened. Which journeys an event concerns is the
 * dispatcher's to decide (src/ingest/dispatch.ts). Everything sent carries ids and the
 * event's name only.
 */
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { journeyWorkflowId } from '../util/workflow-ids.js';
import { ignoringEnded, startOnce, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';
import {
  consentWithdrawnSignal,
  exitConditionMetSignal,
  profileEventSignal,
  type JourneyInput,
  type ProfileEventSignal,
} from './messages.js';

/**
 * Starts a run of the journey for the person under its deterministic id, with the event
 * that triggered it as a signal when there is one (signalWithStart: a run already going
 * gets the event). A run already going is the person's one run: admission's rules hold.
 */
export async function startJourneyRun(
  { temporal, taskQueue }: WorkflowStarter,
  input: JourneyInput,
  signal?: ProfileEventSignal,
): Promise<void> {
  const options = {
    taskQueue,
    workflowId: journeyWorkflowId(input.journey, input.rulesVersion, input.profileId),
    args: [input] as [JourneyInput],
    // A finished run's id is reused whatever `reentry` says: admission judges it from the
    // person's journey history, and a run that was never let in (no consent, paused)
    // must not keep the person out for good.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  };
  // Typed against the workflow the worker loads (a type-only import): a renamed workflow
  // or a changed signature fails to compile.
  const workflow = 'journeyWorkflow' satisfies keyof typeof workflows;
  await startOnce(() =>
    signal
      ? temporal.workflow.signalWithStart<typeof workflows.journeyWorkflow, [ProfileEventSignal]>(workflow, {
          ...options,
          signal: profileEventSignal,
          signalArgs: [signal],
        })
      : temporal.workflow.start<typeof workflows.journeyWorkflow>(workflow, options),
  );
}

/** Hands a running run an event of its person; a run that finished meanwhile is owed nothing. */
export async function signalJourneyEvent({ temporal }: WorkflowStarter, workflowId: string, event: ProfileEventSignal): Promise<void> {
  await ignoringEnded(() => temporal.workflow.getHandle(workflowId).signal(profileEventSignal, event));
}

/** A purpose the run requires is no longer granted: the run ends itself. */
export async function signalConsentWithdrawn({ temporal }: WorkflowStarter, workflowId: string, purpose: string): Promise<void> {
  await ignoringEnded(() => temporal.workflow.getHandle(workflowId).signal(consentWithdrawnSignal, { purpose }));
}

/** The run's `exit when` holds. */
export async function signalExitConditionMet({ temporal }: WorkflowStarter, workflowId: string): Promise<void> {
  await ignoringEnded(() => temporal.workflow.getHandle(workflowId).signal(exitConditionMetSignal));
}
