/**
 * The activities a journey run calls (src/workflows/journey-activities.ts), implemented
 * over the simulation's in-memory person: the real workflow runs unchanged and these
 * answer it. Nothing is written and nothing is sent; templates and destinations are read
 * (read only) to say what a send would be. Each call is recorded on the run's timeline at
 * the workflow's virtual time.
 *
 * A run finds its simulation by its workflow id (the activity's context): one worker
 * serves every simulation, each with its own person.
 */
import { Context } from '@temporalio/activity';
import type { DeliveryActivities, JourneyActivities } from '../activities/index.js';
import type { InstantAction, InstantOutcome, RunEnding } from '../activities/journeys.js';
import { decideAdmission, type AdmissionRequest } from '../activities/admission.js';
import type { Entry, EntryRequest } from '../activities/journeys.js';
import type { DeliveryOutcome } from '../channels/deliver.js';
import { renderTemplate } from '../channels/templates.js';
import { consentState, evaluatePropCondition } from '../conditions/predicate.js';
import type { ConditionIR, JourneyIR, PropConditionIR, SegmentIR } from '../dsl/ir.js';
import type { MessageRequest } from '../model.js';
import type { Stores } from '../store/index.js';
import { millisUntilLocalTime, millisUntilQuietHoursEnd } from '../util/local-time.js';
import type { SimulationClock } from './clock.js';
import { editPerson, holdsFor, type SimulatedPerson } from './person.js';
import type { TimedEvent } from './request.js';
import type { TimelineRecorder } from './timeline.js';

/** One simulated run: its journey, its person, its clock and its timeline. */
export interface SimulationSession {
  journey: JourneyIR;
  segments: readonly SegmentIR[];
  person: SimulatedPerson;
  timeline: TimelineRecorder;
  /** The simulation's calendar over the server's virtual clock; admission tells it when the run's timers start. */
  clock: SimulationClock;
  /** The simulated instant now (epoch ms): the server's virtual clock on the simulation's calendar. */
  now(): Promise<number>;
  /** The simulation's events by id, for `where` clauses. */
  events: ReadonlyMap<string, TimedEvent>;
  /** Read only: what a send would use. */
  stores: Pick<Stores, 'templates' | 'destinations'>;
  defaultTimeZone: string;
  /** Tells the run that its `exit when` holds (as the segment engine does after a change). */
  exitConditionMet(): void;
}

/** What the simulated activities implement: every activity a journey run calls. */
type RunActivityNames =
  | 'loadJourneyAndAdmit'
  | 'loadJourney'
  | 'admitToJourney'
  | 'judgeExitWhen'
  | 'leaveJourney'
  | 'eventMatches'
  | 'tagProfile'
  | 'untagProfile'
  | 'setProfileTrait'
  | 'evaluateCondition'
  | 'millisUntilLocalTime'
  | 'holdForQuietHours'
  | 'applyStepsNow'
  | 'deliverMessage'
  | 'abandonMessage';

export type SimulatedActivities = Pick<JourneyActivities & DeliveryActivities, RunActivityNames>;

type Edit = { kind: 'tag' | 'untag'; tag: string } | { kind: 'trait'; path: string; value: string | number | boolean | null };

/** The `exit when` of a session, judged after each change once the run has judged it at entry. */
const exitWhenWatched = new WeakSet<SimulationSession>();

export function createSimulatedActivities(sessions: ReadonlyMap<string, SimulationSession>): SimulatedActivities {
  const session = (): SimulationSession => {
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
    const found = sessions.get(workflowId);
    if (!found) throw new Error(`no simulation for run ${workflowId}`);
    return found;
  };
  const timeZoneOf = ({ person, defaultTimeZone }: SimulationSession) => {
    const zone = person.profile.traits.timezone;
    return typeof zone === 'string' ? zone : defaultTimeZone;
  };

  async function admit(run: SimulationSession, request: AdmissionRequest): Promise<Entry['verdict']> {
    run.clock.admittedAt(request.atMs);
    const atMs = await run.now();
    const { profile } = run.person;
    const admission = decideAdmission(profile, { ...request, atMs });
    // What the profile store would write, on the copy: the run, and the journey's history.
    for (const [path, value] of Object.entries(admission.set ?? {})) {
      const [field, key] = path.split(/\.(.*)/s) as ['journeys' | 'journeyHistory', string];
      profile[field] = { ...profile[field], [key]: value } as never;
    }
    run.timeline.admitted(atMs, admission.verdict);
    return admission.verdict;
  }

  async function edit(run: SimulationSession, change: Edit, inRow: boolean, atMs?: number): Promise<void> {
    const at = atMs ?? (await run.now());
    editPerson(run.person, change);
    run.timeline.edited(at, change, inRow);
    rejudgeExitWhen(run, at);
  }

  /** What the real deliverer would decide before sending (src/channels/deliver.ts), without sending. */
  async function send(run: SimulationSession, request: MessageRequest, inRow: boolean, atMs?: number): Promise<DeliveryOutcome> {
    const at = atMs ?? (await run.now());
    const { problem, subject } = await wouldSend(run, request, at);
    run.timeline.sent(
      at,
      {
        step: request.step,
        channel: request.channel,
        name: request.name,
        ...(subject === undefined ? {} : { subject }),
        ...(problem ? { problem } : {}),
      },
      inRow,
    );
    return problem ? { status: 'skipped', detail: problem } : { status: 'sent', detail: 'simulated' };
  }

  return {
    async loadJourney(): Promise<JourneyIR | null> {
      return session().journey;
    },

    async admitToJourney(_profileId: string, request: AdmissionRequest) {
      return admit(session(), request);
    },

    async loadJourneyAndAdmit(_profileId: string, request: EntryRequest): Promise<Entry | null> {
      const run = session();
      const { journey } = run;
      const verdict = await admit(run, { ...request, reentry: journey.reentry, requiresConsent: journey.requiresConsent });
      return { journey, verdict };
    },

    async judgeExitWhen(_profileId: string, _rulesVersion: number, condition: ConditionIR): Promise<boolean> {
      const run = session();
      const atMs = await run.now();
      const held = holdsFor(run.person, run.segments, condition, new Date(atMs));
      run.timeline.judged(atMs, condition, held, 'exit when');
      exitWhenWatched.add(run);
      return held;
    },

    async leaveJourney(_profileId: string, workflowId: string, ending: RunEnding): Promise<void> {
      const run = session();
      delete run.person.profile.journeys[workflowId];
      exitWhenWatched.delete(run);
      run.timeline.ended(await run.now(), ending.outcome, ending.atStep);
    },

    async eventMatches(eventId: string, where: PropConditionIR): Promise<boolean> {
      const run = session();
      const event = run.events.get(eventId);
      const matches = event !== undefined && evaluatePropCondition(where, event.properties);
      if (matches) run.timeline.matched(eventId);
      return matches;
    },

    async tagProfile(_profileId: string, tag: string): Promise<void> {
      await edit(session(), { kind: 'tag', tag }, false);
    },

    async untagProfile(_profileId: string, tag: string): Promise<void> {
      await edit(session(), { kind: 'untag', tag }, false);
    },

    async setProfileTrait(_profileId: string, path: string, value: string | number | boolean | null): Promise<void> {
      await edit(session(), { kind: 'trait', path, value }, false);
    },

    async evaluateCondition(_profileId: string, _rulesVersion: number, condition: ConditionIR): Promise<boolean> {
      const run = session();
      const atMs = await run.now();
      const held = holdsFor(run.person, run.segments, condition, new Date(atMs));
      run.timeline.judged(atMs, condition, held, 'if');
      return held;
    },

    async millisUntilLocalTime(_profileId: string, time: string): Promise<number> {
      const run = session();
      const atMs = await run.now();
      const ms = millisUntilLocalTime(new Date(atMs), time, timeZoneOf(run), run.defaultTimeZone);
      run.timeline.held(atMs, 'wait until', ms);
      return ms;
    },

    async holdForQuietHours(_request: MessageRequest, window: { start: string; end: string }): Promise<number> {
      const run = session();
      const atMs = await run.now();
      const ms = millisUntilQuietHoursEnd(new Date(atMs), window, timeZoneOf(run), run.defaultTimeZone);
      run.timeline.held(atMs, 'quiet hours', ms);
      return ms;
    },

    async applyStepsNow(_profileId: string, actions: InstantAction[]): Promise<InstantOutcome> {
      const run = session();
      // One instant for the row, as one local activity takes it.
      const atMs = await run.now();
      for (const action of actions) {
        if (action.kind === 'send') await send(run, action.message, true, atMs);
        else await edit(run, action, true, atMs);
      }
      return { done: actions.length };
    },

    async deliverMessage(request: MessageRequest): Promise<DeliveryOutcome> {
      return send(session(), request, false);
    },

    async abandonMessage(_request: MessageRequest, reason: string): Promise<DeliveryOutcome> {
      return { status: 'failed', detail: reason };
    },
  };
}

/** The segment engine signals a run whose `exit when` a change made true; so does the simulation. */
export function rejudgeExitWhen(run: SimulationSession, atMs: number): void {
  const condition = run.journey.exitWhen;
  if (!condition || !exitWhenWatched.has(run)) return;
  if (!holdsFor(run.person, run.segments, condition, new Date(atMs))) return;
  exitWhenWatched.delete(run);
  run.timeline.judged(atMs, condition, true, 'exit when');
  run.exitConditionMet();
}

async function wouldSend(run: SimulationSession, request: MessageRequest, atMs: number): Promise<{ problem?: string; subject?: string }> {
  const { profile } = run.person;
  if (profile.restricted) return { problem: 'restricted' };
  const missing = (request.consents ?? []).find((purpose) => consentState(profile.consents, purpose, new Date(atMs)) !== 'granted');
  if (missing !== undefined) return { problem: `consent ${missing}` };
  if (request.channel === 'webhook') {
    return (await run.stores.destinations.get(request.name)) ? {} : { problem: 'destination missing' };
  }
  const template = await run.stores.templates.get(request.name);
  if (!template) return { problem: 'template missing' };
  let subject: string;
  try {
    ({ subject } = await renderTemplate(template, { traits: profile.traits, with: request.with, profile_id: profile._id }));
  } catch {
    return { problem: 'template error' };
  }
  const email = profile.traits.email;
  const address = (typeof email === 'string' && email.includes('@')) || (profile.identities.email?.length ?? 0) > 0;
  return address ? { subject } : { subject, problem: 'no address' };
}
