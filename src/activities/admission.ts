/**
 * Admission: whether a journey run that Temporal has started may go on, judged against
 * the person's history of that journey. Pure; the profile store applies the decision in
 * one write guarded by what it read (`decideAndSet`), so two runs starting at once, on any
 * processes, cannot both pass: the second decides again on the profile the first wrote.
 *
 * - A trigger event starts at most one run: a dispatch repeated after a crash or a
 *   Temporal outage finds its event in the history and the new run ends at once.
 * - A person is in at most one run of a journey: a run of another rules version (or of a
 *   profile merged into this one) still going keeps a new one out; the running one gets
 *   the event as a signal instead.
 * - `reentry` is kept per journey name, across rules versions: deploying a new version
 *   does not let everyone who finished the journey in again.
 * - A retried admission of the same run (the activity timed out after its write) passes,
 *   even once the run has left: a workflow task that failed after its local activities
 *   ran (a signal arriving as it completed) runs them again, admission and leaving included.
 * - Its `requires consent` purposes are granted at this moment: decided on the same read
 *   as the entry, so a withdrawal either comes first (no entry) or finds the run in the
 *   profile's `journeys` and ends it.
 */
import type { ReentryIR } from '../dsl/ir.js';
import { consentState } from '../conditions/predicate.js';
import { REMEMBERED_TRIGGERS, type JourneyHistory, type JourneyMembership, type ProfileDoc } from '../model.js';
import type { ProfileSet } from '../store/profiles.js';

export interface AdmissionRequest {
  workflowId: string;
  /**
   * The run's identity: Temporal's first run id of the execution chain, which a reset or
   * a retry keeps, so a reset run is still recognised as itself.
   */
  runId: string;
  journey: string;
  rulesVersion: number;
  triggerEventId?: string;
  reentry: ReentryIR;
  /** Purposes that must be granted (absent on runs whose workflow code predates the check). */
  requiresConsent?: string[];
  /** The moment of admission on the workflow's clock (milliseconds): replay-safe, and skipped in tests. */
  atMs: number;
}

export type AdmissionVerdict =
  'admitted' | 'already-triggered' | 'already-in-journey' | 'reentry-refused' | 'no-consent' | 'journey-paused' | 'restricted';

export interface Admission {
  verdict: AdmissionVerdict;
  /** Fields to set on the profile: present only when a run is let in for the first time. */
  set?: ProfileSet;
  /**
   * Holds while nobody else has let a run of this journey in since the profile was read:
   * every admission counts `entries` up, so two processes cannot both pass on one read.
   */
  guard?: Record<string, unknown>;
}

function unchangedHistory(journey: string, history: JourneyHistory | undefined): Record<string, unknown> {
  return { [`journeyHistory.${journey}.entries`]: history ? history.entries : { $exists: false } };
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

export function decideAdmission(
  profile: Pick<ProfileDoc, 'journeys' | 'journeyHistory'> & Partial<Pick<ProfileDoc, 'consents' | 'restricted'>>,
  request: AdmissionRequest,
): Admission {
  if (profile.journeys?.[request.workflowId]?.runId === request.runId) return { verdict: 'admitted' };
  if (profile.journeyHistory?.[request.journey]?.lastRunId === request.runId) return { verdict: 'admitted' };
  // Restricted (art. 18): kept, not processed.
  if (profile.restricted) return { verdict: 'restricted' };
  const at = new Date(request.atMs);
  if ((request.requiresConsent ?? []).some((purpose) => consentState(profile.consents ?? {}, purpose, at) !== 'granted'))
    return { verdict: 'no-consent' };
  const history = profile.journeyHistory?.[request.journey];
  if (request.triggerEventId !== undefined && history?.triggerEventIds.includes(request.triggerEventId)) {
    return { verdict: 'already-triggered' };
  }
  const inAnotherRun = Object.values(profile.journeys ?? {}).some(
    (run) => run.journey === request.journey && run.workflowId !== request.workflowId,
  );
  if (inAnotherRun) return { verdict: 'already-in-journey' };
  if (history && !reentryAllows(request.reentry, history.lastEnteredAt, at)) return { verdict: 'reentry-refused' };

  const membership: JourneyMembership = {
    workflowId: request.workflowId,
    journey: request.journey,
    rulesVersion: request.rulesVersion,
    runId: request.runId,
    enteredAt: at,
  };
  const triggers = [...(history?.triggerEventIds ?? []), ...(request.triggerEventId === undefined ? [] : [request.triggerEventId])];
  const entered: JourneyHistory = {
    entries: (history?.entries ?? 0) + 1,
    lastEnteredAt: at,
    triggerEventIds: triggers.slice(-REMEMBERED_TRIGGERS),
    lastRunId: request.runId,
  };
  return {
    verdict: 'admitted',
    set: { [`journeys.${request.workflowId}`]: membership, [`journeyHistory.${request.journey}`]: entered },
    guard: {
      ...unchangedHistory(request.journey, history),
      ...unchangedConsents(profile, request.requiresConsent ?? []),
      restricted: null,
    },
  };
}

/** Holds while no consent the run requires has changed state since the profile was read. */
function unchangedConsents(profile: Partial<Pick<ProfileDoc, 'consents'>>, purposes: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    purposes.map((purpose) => [`consents.${purpose}.state`, profile.consents?.[purpose]?.state ?? { $exists: false }]),
  );
}
