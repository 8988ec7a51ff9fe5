/**
 * Dispatch: telling Temporal about a stored event. New runs start with signalWithStart
 * under a deterministic id; runs the profile is already in get the event as a signal.
 * Everything sent carries ids and the event name only.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { JourneyIR } from '../dsl/ir.js';
import { evaluatePropCondition } from '../dsl/predicate.js';
import type { EventDoc, ProfileDoc } from '../model.js';
import type { Stores } from '../store/index.js';
import { journeyWorkflowId, profileEventSignal, type JourneyInput } from '../workflows/messages.js';

export interface Dispatcher {
  /** Signals every journey the event concerns, then marks it dispatched. Throws if Temporal fails. */
  dispatch(event: EventDoc): Promise<void>;
}

export function createDispatcher(deps: { stores: Stores; temporal: Client; taskQueue: string; now: () => Date }): Dispatcher {
  const { stores, temporal, taskQueue, now } = deps;

  async function startTriggeredJourney(journey: JourneyIR, rulesVersion: number, event: EventDoc): Promise<void> {
    const input: JourneyInput = { journey: journey.name, rulesVersion, profileId: event.profileId, triggerEventId: event._id };
    try {
      await temporal.workflow.signalWithStart('journeyWorkflow', {
        taskQueue,
        workflowId: journeyWorkflowId(journey.name, rulesVersion, event.profileId),
        args: [input],
        signal: profileEventSignal,
        signalArgs: [{ eventId: event._id, event: event.event! }],
        // `reentry never`: a finished run's id may not be reused, so the person stays out.
        workflowIdReusePolicy:
          journey.reentry.kind === 'never' ? WorkflowIdReusePolicy.REJECT_DUPLICATE : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  async function signalRunningJourneys(profile: ProfileDoc, event: EventDoc, alreadySignalled: Set<string>): Promise<void> {
    for (const membership of Object.values(profile.journeys ?? {})) {
      if (alreadySignalled.has(membership.workflowId)) continue;
      try {
        await temporal.workflow.getHandle(membership.workflowId).signal(profileEventSignal, { eventId: event._id, event: event.event! });
      } catch (error) {
        // The run finished between reading the profile and signalling it.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
  }

  return {
    async dispatch(event) {
      if (event.type === 'track' && event.event !== undefined) {
        const rules = await stores.rules.active();
        const signalled = new Set<string>();
        for (const journey of rules?.ir.journeys ?? []) {
          const { trigger } = journey;
          if (trigger.kind !== 'performed' || trigger.event !== event.event) continue;
          if (trigger.where && !evaluatePropCondition(trigger.where, event.properties)) continue;
          await startTriggeredJourney(journey, rules!._id, event);
          signalled.add(journeyWorkflowId(journey.name, rules!._id, event.profileId));
        }
        const profile = await stores.profiles.findById(event.profileId);
        if (profile) await signalRunningJourneys(profile, event, signalled);
      }
      await stores.events.markDispatched(event._id, now());
    },
  };
}
