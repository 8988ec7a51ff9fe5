/**
 * A simulation of one journey for one person: the draft compiled, the person read or
 * described, the real journey workflow run on the time-skipping server with the simulated
 * activities (activities.ts), the person's events delivered as the run's signals at their
 * simulated instants, and the run's timeline returned. Nothing is written, nothing is sent.
 *
 * The run starts at its trigger: the first event matching `when performed` (events
 * before it are the person's history: they count for `performed` conditions, the run
 * never hears them), or the simulation's start for a segment trigger.
 */
import { evaluatePropCondition } from '../conditions/predicate.js';
import { compile } from '../dsl/index.js';
import type { Diagnostic } from '../dsl/diagnostics.js';
import type { JourneyIR, SegmentIR } from '../dsl/ir.js';
import { eventsUsedBy } from '../ingest/journey-events.js';
import type { Stores } from '../store/index.js';
import { journeyWorkflowId } from '../util/workflow-ids.js';
import type { journeyWorkflow } from '../workflows/journey.js';
import type { JourneyOutcome } from '../workflows/journey-run.js';
import { signalExitConditionMet, signalJourneyEvent, startJourneyRun } from '../workflows/journey.client.js';
import { journeyStateQuery, type JourneyInput } from '../workflows/messages.js';
import { rejudgeExitWhen, type SimulationSession } from './activities.js';
import { SimulationClock } from './clock.js';
import { SIMULATION_TASK_QUEUE, type SimulationEnvironment, type WarmSimulation } from './environment.js';
import { personOf, type SimulatedPerson } from './person.js';
import { timedEvents, type SimulationRequest, type TimedEvent } from './request.js';
import { TimelineRecorder, type TimelineEntry } from './timeline.js';

/** A run that has not ended after this long (real time) is stopped: a simulation answers in seconds. */
const RUN_LIMIT_MS = 60_000;

export interface SimulationDeps {
  stores: Stores;
  environment: SimulationEnvironment;
  now: () => Date;
  defaultTimeZone: string;
}

/** A timeline entry as the API gives it: instants as ISO-8601, and the offset from the run's start. */
export type SimulatedEntry = (TimelineEntry extends infer E
  ? E extends unknown
    ? Omit<E, 'atMs' | 'untilMs' | 'endedMs'>
    : never
  : never) & {
  at: string;
  offsetMs: number;
  until?: string;
  ended?: string;
};

export interface SimulationResult {
  journey: string;
  /** When the run starts: its trigger event's instant, or the simulation's start. */
  startedAt: string;
  /** How the run ended (the workflow's outcome), or `not-triggered`. */
  outcome: JourneyOutcome | 'not-triggered';
  timeline: SimulatedEntry[];
  /** The person's tags when the run ended. */
  tags: string[];
}

export type SimulationAnswer =
  | { kind: 'simulated'; result: SimulationResult }
  | { kind: 'invalid-program'; diagnostics: Diagnostic[] }
  | { kind: 'unknown-journey'; journeys: string[] };

export async function simulate(deps: SimulationDeps, request: SimulationRequest): Promise<SimulationAnswer> {
  const { ir, diagnostics } = compile(request.source);
  if (!ir) return { kind: 'invalid-program', diagnostics };
  const journey = ir.journeys.find((j) => j.name === request.journey);
  if (!journey) return { kind: 'unknown-journey', journeys: ir.journeys.map((j) => j.name) };

  const startMs = request.start ? Date.parse(request.start) : deps.now().getTime();
  const person = await personOf(deps.stores, request.person, startMs);
  const given =
    request.events ?? (journey.trigger.kind === 'performed' ? [{ event: journey.trigger.event, properties: {}, at: '+0s' }] : []);
  const events = timedEvents(given, startMs);
  const trigger = triggerOf(journey, events);
  const runStartMs = trigger?.atMs ?? startMs;
  const timeline = new TimelineRecorder(journey, person.profile._id, runStartMs);
  // Before the run: the person's history. The trigger too: it is stored before the run starts.
  const before = events.filter((event) => event.atMs < runStartMs || event === trigger);
  for (const event of before) {
    person.events.push({ type: 'track', event: event.event, properties: event.properties, timestamp: new Date(event.atMs) });
    timeline.happened(event.atMs, event, event === trigger, event === trigger);
  }
  const result = (outcome: SimulationResult['outcome']): SimulationAnswer => {
    timeline.finished(outcome);
    return {
      kind: 'simulated',
      result: {
        journey: journey.name,
        startedAt: new Date(runStartMs).toISOString(),
        outcome,
        timeline: timeline.sorted().map((entry) => forTheApi(entry, runStartMs)),
        tags: [...person.profile.tags],
      },
    };
  };
  if (journey.trigger.kind === 'performed' && !trigger) {
    timeline.admitted(
      runStartMs,
      `not triggered: no "${journey.trigger.event}" event${journey.trigger.where ? ' matching its where' : ''}`,
    );
    return result('not-triggered');
  }

  const later = events.filter((event) => !before.includes(event));
  const run = { journey, segments: ir.segments, person, timeline, events, trigger, later, runStartMs };
  return result(await deps.environment.run((warm) => runOnServer(warm, deps, run)));
}

/** Numbers the runs of this process: each run's workflow id is its own. */
let runs = 0;

interface PreparedRun {
  journey: JourneyIR;
  segments: SegmentIR[];
  person: SimulatedPerson;
  timeline: TimelineRecorder;
  events: TimedEvent[];
  trigger: TimedEvent | undefined;
  later: TimedEvent[];
  runStartMs: number;
}

/** Starts the run as the dispatcher starts one (the trigger as its signal), then sees it to its end. */
async function runOnServer(warm: WarmSimulation, deps: SimulationDeps, run: PreparedRun): Promise<JourneyOutcome> {
  const { journey, person, trigger, runStartMs } = run;
  runs += 1;
  const input: JourneyInput = {
    journey: journey.name,
    rulesVersion: runs,
    profileId: person.profile._id,
    ...(trigger ? { triggerEventId: trigger.eventId } : {}),
  };
  const workflowId = journeyWorkflowId(journey.name, input.rulesVersion, input.profileId);
  const starter = { temporal: warm.client, taskQueue: SIMULATION_TASK_QUEUE };
  const clock = new SimulationClock(runStartMs, await warm.env.currentTimeMs());
  const session: SimulationSession = {
    journey,
    segments: run.segments,
    person,
    timeline: run.timeline,
    clock,
    now: async () => clock.simulated(await warm.env.currentTimeMs()),
    events: new Map(run.events.map((event) => [event.eventId, event])),
    stores: deps.stores,
    defaultTimeZone: deps.defaultTimeZone,
    exitConditionMet: () => void signalExitConditionMet(starter, workflowId).catch(() => undefined),
  };
  warm.sessions.set(workflowId, session);
  try {
    await startJourneyRun(starter, input, trigger ? { eventId: trigger.eventId, event: trigger.event } : undefined);
    return await runToEnd(warm, { workflowId, session, later: run.later });
  } finally {
    warm.sessions.delete(workflowId);
  }
}

/** The first event that triggers a `when performed` journey; undefined for a segment trigger or none. */
function triggerOf(journey: JourneyIR, events: TimedEvent[]): TimedEvent | undefined {
  const { trigger } = journey;
  if (trigger.kind !== 'performed') return undefined;
  return events.find(
    (event) => event.event === trigger.event && (!trigger.where || evaluatePropCondition(trigger.where, event.properties)),
  );
}

interface RunningSimulation {
  workflowId: string;
  session: SimulationSession;
  /** The events after the trigger, in order. */
  later: TimedEvent[];
}

/**
 * Moves the server's clock by hand, to the run's next timer or the next event, whichever
 * comes first, and only once the run is idle (its workflow task done: a query is answered
 * after it). The server would otherwise move its clock while a workflow task is in
 * progress (past the task's timeout, or past the next event), and the run would see the
 * wrong time. An event is delivered as the dispatcher delivers it: stored on the person,
 * and signalled to the run when the journey uses its name.
 */
async function runToEnd(warm: WarmSimulation, running: RunningSimulation): Promise<JourneyOutcome> {
  const { env, client } = warm;
  const { workflowId, session } = running;
  const { clock } = session;
  const pending = [...running.later];
  const starter = { temporal: client, taskQueue: SIMULATION_TASK_QUEUE };
  const handle = client.workflow.getHandle<typeof journeyWorkflow>(workflowId);
  let ended = false;
  const outcome = handle.result().finally(() => (ended = true));
  outcome.catch(() => undefined);
  const used = eventsUsedBy(session.journey);
  const began = Date.now();
  while (!ended) {
    if (Date.now() - began > RUN_LIMIT_MS) {
      await handle.terminate('simulation stopped').catch(() => undefined);
      throw new Error(`the simulated run did not end within ${RUN_LIMIT_MS / 1000} s`);
    }
    const state = await handle.query(journeyStateQuery).catch(() => undefined);
    if (ended) break;
    const now = await env.currentTimeMs();
    const event = pending[0];
    const eventAt = event ? clock.virtual(event.atMs) : Infinity;
    const timerAt = state?.waiting?.untilMs ?? Infinity;
    if (event && eventAt <= timerAt) {
      if (eventAt > now) {
        await env.sleep(eventAt - now);
        clock.jumpedTo(eventAt);
      }
      pending.shift();
      session.person.events.push({ type: 'track', event: event.event, properties: event.properties, timestamp: new Date(event.atMs) });
      session.timeline.happened(event.atMs, event, used.has(event.event));
      if (used.has(event.event)) await signalJourneyEvent(starter, workflowId, { eventId: event.eventId, event: event.event });
      rejudgeExitWhen(session, event.atMs);
    } else if (timerAt !== Infinity) {
      // A millisecond past the timer: the server fires timers that are due, not those due at the very instant.
      await env.sleep(Math.max(timerAt - now, 0) + 1);
      clock.jumpedTo(timerAt);
    } else {
      // Neither waiting nor anything to deliver: the run is finishing.
      await Promise.race([outcome.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  }
  return outcome;
}

function forTheApi(entry: TimelineEntry, runStartMs: number): SimulatedEntry {
  const { atMs, ...rest } = entry;
  const out: Record<string, unknown> = { at: new Date(atMs).toISOString(), offsetMs: atMs - runStartMs, ...rest };
  if ('untilMs' in entry) {
    delete out.untilMs;
    out.until = new Date(entry.untilMs).toISOString();
  }
  if ('endedMs' in entry && entry.endedMs !== undefined) {
    delete out.endedMs;
    out.ended = new Date(entry.endedMs).toISOString();
  }
  return out as SimulatedEntry;
}
