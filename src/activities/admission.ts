/**
 * Admission: whether a journey run that Temporal has started may go on, judged against
 * the person's history of that journey. Pure; the profile store applies the decision
 * under the profile's write lock, so two runs starting at once cannot both pass.
 *
 * - A trigger event starts at most one run: a dispatch repeated after a crash or a
 *   Temporal outage finds its event in the history and the new run ends at once.
 * - `reentry` is kept per journey name, across rules versions: deploying a new version
 *   does not let everyone who finished the journey in again.
 * - A retried admission of the same run (the activity timed out after its write) passes.
 */
import type { ReentryIR } from '../dsl/ir.js';
import { REMEMBERED_TRIGGERS, type JourneyHistory, type JourneyMembership, type ProfileDoc } from '../model.js';

export interface AdmissionRequest {
  workflowId: string;
  runId: string;
  journey: string;
  rulesVersion: number;
  triggerEventId?: string;
  reentry: ReentryIR;
  /** The run's start on the workflow's clock (milliseconds), so time-skipping tests hold. */
  atMs: number;
}

export type AdmissionVerdict = 'admitted' | 'already-triggered' | 'reentry-refused';

export interface Admission {
  verdict: AdmissionVerdict;
  /** Fields to set on the profile: present only when a run is let in for the first time. */
  set?: Record<string, unknown>;
}

function reentryAllows(reentry: ReentryIR, lastEnteredAt: Date, at: Date): boolean {
  switch (reentry.kind) {
    case 'never':
      return false;
    case 'always':
      return true;
    case 'after':
      return at.getTime() - new Date(lastEnteredAt).getTime() >= reentry.ms;
  }
}

export function decideAdmission(profile: Pick<ProfileDoc, 'journeys' | 'journeyHistory'>, request: AdmissionRequest): Admission {
  if (profile.journeys?.[request.workflowId]?.runId === request.runId) return { verdict: 'admitted' };
  const history = profile.journeyHistory?.[request.journey];
  if (request.triggerEventId !== undefined && history?.triggerEventIds.includes(request.triggerEventId)) {
    return { verdict: 'already-triggered' };
  }
  const at = new Date(request.atMs);
  if (history && !reentryAllows(request.reentry, history.lastEnteredAt, at)) return { verdict: 'reentry-refused' };

  const membership: JourneyMembership = {
    workflowId: request.workflowId, journey: request.journey, rulesVersion: request.rulesVersion, runId: request.runId, enteredAt: at,
  };
  const triggers = [...(history?.triggerEventIds ?? []), ...(request.triggerEventId === undefined ? [] : [request.triggerEventId])];
  const entered: JourneyHistory = { entries: (history?.entries ?? 0) + 1, lastEnteredAt: at, triggerEventIds: triggers.slice(-REMEMBERED_TRIGGERS) };
  return {
    verdict: 'admitted',
    set: { [`journeys.${request.workflowId}`]: membership, [`journeyHistory.${request.journey}`]: entered },
  };
}
