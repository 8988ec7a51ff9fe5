/**
 * One journey run's steps: the interpreter of a journey's IR for one person, with what
 * ends a run early (`exit on`, `exit when`, a withdrawn consent), what it waits for (its
 * state, the `journeyState` query) and where it is when it continues as new.
 */
import {
  ActivityFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxySinks,
  sleep,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import { assertNever } from '../dsl/assert-never.js';
import type { EventMatchIR, JourneyIR, StepIR } from '../dsl/ir.js';
import type { AdmissionVerdict, JourneyActivities } from '../activities/index.js';
import type { DeliveryOutcome } from '../channels/deliver.js';
import type { MessageRequest } from '../model.js';
import { cohortPercentile, pickBranch } from './cohort.js';
import type { RunActivities } from './journey-activities.js';
import type { ContinuedRun, JourneyInput, JourneySinks, JourneyState, ProfileEventSignal, RunPosition } from './messages.js';

const { journeyStats } = proxySinks<JourneySinks>();

export type JourneyOutcome =
  | 'completed'
  | 'exited'
  | 'exited-on-event'
  | 'exited-when'
  | 'no-consent'
  | 'failed'
  | 'consent-withdrawn'
  | 'unknown-journey'
  | 'no-profile'
  | Exclude<AdmissionVerdict, 'admitted'>;

/** Steps that change the profile or send, and wait for nothing: a lean run takes a row of them in one local activity. */
type InstantStep = Extract<StepIR, { kind: 'tag' | 'untag' | 'setTrait' | 'sendEmail' | 'sendWebhook' }>;

/** One of them as the row's activity takes it (src/activities/journeys.ts). */
type InstantAction = Parameters<JourneyActivities['applyStepsNow']>[1][number];

const isInstant = (step: StepIR): step is InstantStep =>
  step.kind === 'tag' || step.kind === 'untag' || step.kind === 'setTrait' || step.kind === 'sendEmail' || step.kind === 'sendWebhook';

/** Continue as new past this many history events, unless Temporal suggests it sooner. */
const HISTORY_LIMIT = 10_000;

/** How many received event ids a continued run keeps for dropping repeats. */
export const REMEMBERED_EVENT_IDS = 500;

/** Thrown up from the step about to start when the run must continue as new; each block on the way adds its level. */
export class ContinueAt extends Error {
  constructor(readonly path: RunPosition[]) {
    super('continue as new');
  }
}

/** Whether the `exitConditionMet` signal came. */
export interface ExitWatch {
  met: boolean;
  onMet: (() => void) | undefined;
}

/** Purposes withdrawn while the run goes on, as the `consentWithdrawn` signal reports them. */
export interface ConsentWatch {
  withdrawn: Set<string>;
  onWithdrawn: (() => void) | undefined;
}

/** What a run is made of: the journey, what it was started with, and what it watches. */
export interface JourneyRunParts {
  journey: JourneyIR;
  input: JourneyInput;
  /** Names this run in delivery keys: a later run of the same workflow id sends again. */
  runKey: string;
  /** The run's workflow id, under which the profile records it (leaving takes it off). */
  workflowId: string;
  received: ProfileEventSignal[];
  consent: ConsentWatch;
  exitWhen: ExitWatch;
  state: JourneyState;
  acts: RunActivities;
  /**
   * A run of today's shape (journey.ts, LEAN_RUN_PATCH): a row of instant steps is one
   * local activity, a send's first attempt is local, and the funnel's marks are counted
   * without a turn of the event loop. False for a run recorded before it, which replays as
   * it ran.
   */
  lean: boolean;
  /**
   * A lean run that leaves in its last local activity (journey.ts, LEAVE_IN_ROW_PATCH): the
   * row that ends the journey, or its `on exit` steps, take it off the profile too.
   */
  leavesInRow: boolean;
}

/** How a run ended, as leaving records it (src/activities/journeys.ts). */
type RunEnding = NonNullable<Parameters<JourneyActivities['applyStepsNow']>[2]>['ending'];

export class JourneyRun {
  private readonly journey: JourneyIR;
  private readonly input: JourneyInput;
  private readonly runKey: string;
  private readonly received: ProfileEventSignal[];
  private readonly consent: ConsentWatch;
  private readonly exitWhen: ExitWatch;
  private readonly state: JourneyState;
  private readonly acts: RunActivities;
  private readonly lean: boolean;
  private readonly workflowId: string;
  private readonly leavesInRow: boolean;

  /** Whether the run has left the profile already, in its last row (a run that leaves in its rows). */
  left = false;

  constructor(parts: JourneyRunParts) {
    ({ journey: this.journey, input: this.input, runKey: this.runKey, received: this.received, consent: this.consent } = parts);
    ({ exitWhen: this.exitWhen, state: this.state, acts: this.acts, lean: this.lean } = parts);
    ({ workflowId: this.workflowId, leavesInRow: this.leavesInRow } = parts);
  }

  async execute(continued?: ContinuedRun): Promise<JourneyOutcome> {
    if (continued) this.waitCursor = continued.waitCursor;
    const steps = new CancellationScope();
    let exitedOnEvent = false;
    // Withdrawal of a required purpose ends the run where it is: nothing more is sent.
    const requiredWithdrawn = () => this.journey.requiresConsent.some((purpose) => this.consent.withdrawn.has(purpose));
    if (requiredWithdrawn()) return 'consent-withdrawn';
    let withdrawn = false;
    this.consent.onWithdrawn = () => {
      if (withdrawn || !requiredWithdrawn()) return;
      withdrawn = true;
      steps.cancel();
    };
    if (this.exitWhen.met) return 'exited-when';
    let exitedWhen = false;
    this.exitWhen.onMet = () => {
      if (exitedWhen || withdrawn) return;
      exitedWhen = true;
      steps.cancel();
    };
    // Events that arrived before the run began (the trigger itself) never end it.
    const watcher =
      this.journey.exitOn.length === 0
        ? undefined
        : this.watchExitEvents(continued?.exitCursor ?? this.received.length, () => {
            exitedOnEvent = true;
            steps.cancel();
          });
    try {
      const result = await steps.run(() => this.runSteps(this.journey.steps, continued?.at ?? [], true));
      return result === 'exit' ? 'exited' : 'completed';
    } catch (error) {
      if (withdrawn && isCancellation(error)) return 'consent-withdrawn';
      if (exitedOnEvent && isCancellation(error)) return 'exited-on-event';
      if (exitedWhen && isCancellation(error)) return 'exited-when';
      throw error;
    } finally {
      watcher?.stop();
      this.consent.onWithdrawn = undefined;
      this.exitWhen.onMet = undefined;
    }
  }

  /** How far the `exit on` watcher has checked `received` (undefined without `exit on`). */
  private exitCursor: number | undefined;

  private watchExitEvents(from: number, onExit: () => void): { stop(): void } {
    let stopped = false;
    this.exitCursor = from;
    void (async () => {
      while (!stopped) {
        await condition(() => stopped || this.received.length > this.exitCursor!);
        while (!stopped && this.exitCursor! < this.received.length) {
          const event = this.received[this.exitCursor!]!;
          this.exitCursor! += 1;
          for (const match of this.journey.exitOn) {
            if (await this.matches(match, event)) {
              onExit();
              return;
            }
          }
        }
      }
    })();
    return { stop: () => (stopped = true) };
  }

  private async matches(match: EventMatchIR, event: ProfileEventSignal): Promise<boolean> {
    if (match.event !== event.event) return false;
    return match.where === undefined || this.acts.eventMatches(event.eventId, match.where);
  }

  /**
   * Events a `wait for` may use: those that arrived after the previous `wait for` ended
   * (after entry, for the first), so an order placed a moment before the run reached the
   * wait still counts. The trigger event itself never does.
   */
  private waitCursor = 0;

  /** Waits for a matching event; false on timeout. */
  private async waitForEvent(match: EventMatchIR, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.state.waiting = { reason: 'wait for', untilMs: deadline };
    try {
      return await this.nextMatching(match, deadline);
    } finally {
      delete this.state.waiting;
    }
  }

  private async nextMatching(match: EventMatchIR, deadline: number): Promise<boolean> {
    for (;;) {
      while (this.waitCursor < this.received.length) {
        const event = this.received[this.waitCursor++]!;
        if (event.eventId !== this.input.triggerEventId && (await this.matches(match, event))) return true;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !(await condition(() => this.received.length > this.waitCursor, remaining))) {
        this.waitCursor = this.received.length;
        return false;
      }
    }
  }

  /** Sleeps, showing what the run waits for in its state (the `journeyState` query). */
  private async waitAs(reason: NonNullable<JourneyState['waiting']>['reason'], ms: number): Promise<void> {
    this.state.waiting = { reason, untilMs: Date.now() + ms };
    try {
      await sleep(ms);
    } finally {
      delete this.state.waiting;
    }
  }

  /** A send: held through quiet hours, then delivered once; out of retries, recorded as failed. */
  private async send(request: MessageRequest): Promise<void> {
    const { quietHours } = this.journey;
    for (;;) {
      if (quietHours) {
        const holdMs = await this.acts.holdForQuietHours(request, quietHours);
        if (holdMs > 0) await this.waitAs('quiet hours', holdMs);
      }
      const outcome = await this.deliver(request);
      // Held by the channel's frequency cap: the next calendar day may have room.
      if (outcome?.retryInMs === undefined) return;
      await this.waitAs('frequency cap', outcome.retryInMs);
    }
  }

  /**
   * Delivers the message: a first attempt in the worker's process, then, if it failed,
   * the regular activity's retries for up to a day. Undefined when they ran out: the
   * message is then recorded as failed.
   */
  private async deliver(request: MessageRequest): Promise<DeliveryOutcome | undefined> {
    if (this.lean) {
      try {
        return await this.acts.deliverMessageNow(request);
      } catch (error) {
        // A local activity's failure comes as its cause (an ApplicationFailure, a TimeoutFailure), not wrapped.
        if (isCancellation(error) || !(error instanceof TemporalFailure)) throw error;
      }
    }
    return this.deliverDurably(request);
  }

  /** The regular activity's retries, for up to a day; undefined when they ran out (recorded as failed). */
  private async deliverDurably(request: MessageRequest): Promise<DeliveryOutcome | undefined> {
    try {
      return await this.acts.deliverMessage(request);
    } catch (error) {
      if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
      await this.acts.abandonMessage(request, 'retries exhausted');
      return undefined;
    }
  }

  /**
   * The row of instant steps starting at `index` that a lean run takes together: two or
   * more, sends included unless the journey has quiet hours (each send then checks them
   * first). None for a run of the older shape, or once the history is long. A run that
   * leaves in its rows takes a row that ends the journey (`last`: nothing follows the
   * block) even of one step, leaving with it.
   */
  private instantRowAt(steps: StepIR[], index: number, last: boolean): InstantStep[] {
    // A history at its limit continues after each step, so a row would be one step anyway.
    if (!this.lean || this.journey.quietHours || this.historyFull()) return [];
    const row: InstantStep[] = [];
    for (let at = index; at < steps.length && isInstant(steps[at]!); at++) row.push(steps[at] as InstantStep);
    return row.length > 1 || (row.length === 1 && this.leavesAfter(steps, index, row, last)) ? row : [];
  }

  /** Whether this row ends the run, which then leaves in it: a run that leaves in its rows, a journey without `on exit`. */
  private leavesAfter(steps: StepIR[], index: number, row: InstantStep[], last: boolean): boolean {
    return this.leavesInRow && last && index + row.length === steps.length && !this.journey.onExit?.length;
  }

  /** What leaving records when the run ends completed after its last row. */
  private completedEnding(): RunEnding {
    return { journey: this.journey.name, rulesVersion: this.input.rulesVersion, outcome: 'completed' };
  }

  private actionOf(step: InstantStep): InstantAction {
    switch (step.kind) {
      case 'tag':
      case 'untag':
        return { kind: step.kind, tag: step.tag };
      case 'setTrait':
        return { kind: 'trait', path: step.path, value: step.value };
      case 'sendEmail':
      case 'sendWebhook':
        return { kind: 'send', message: this.messageOf(step) };
    }
  }

  /**
   * Takes a row of instant steps in one local activity: one marker and one workflow
   * activation instead of one per step. Signals that come meanwhile are heard after the
   * row, as they were after its steps' local activities, which ran in one workflow task
   * too. A send the activity stopped at (a frequency cap, a receiver that failed for now)
   * is finished on its own, as any send; the steps after it are the next row's. Returns
   * how many steps were taken.
   */
  private async runRow(row: InstantStep[], leaving: boolean): Promise<number> {
    this.state.step = row[0]!.id;
    this.inside.push(row[0]!.id);
    const actions = row.map((step) => this.actionOf(step));
    // The arguments of a row that does not leave are as lean runs recorded them. A row that
    // left counted the run `completed`; should an `exit on` cancel the steps as it returns,
    // the run still ends as that event says, and leaving again finds it gone (no second count).
    const { done, held, left } = await (leaving
      ? this.acts.applyStepsNow(this.input.profileId, actions, { workflowId: this.workflowId, ending: this.completedEnding() })
      : this.acts.applyStepsNow(this.input.profileId, actions));
    if (left) this.left = true;
    this.inside.pop();
    // A row is a lean run's alone: its marks return nothing to wait for.
    for (const step of row.slice(0, done)) {
      void this.mark(step.id, 'reached');
      void this.mark(step.id, 'passed');
    }
    this.started += done;
    if (!held) return done;
    const stopped = row[done] as Extract<InstantStep, { kind: 'sendEmail' | 'sendWebhook' }>;
    this.state.step = stopped.id;
    this.inside.push(stopped.id);
    this.started += 1;
    void this.mark(stopped.id, 'reached');
    const request = this.messageOf(stopped);
    if ('retryInMs' in held) {
      await this.waitAs('frequency cap', held.retryInMs);
      await this.send(request);
    } else {
      await this.deliverDurably(request);
    }
    this.inside.pop();
    void this.mark(stopped.id, 'passed');
    return done + 1;
  }

  /**
   * The journey's `on exit` steps, once, as the run ends (journey.ts): in a lean run one
   * local activity, as a row of steps, which in a run that leaves in its rows takes the run
   * off the profile too (then true); otherwise a local activity per step, as steps were
   * then. Called outside the steps' scope and never cancelled: a run ended by a withdrawn
   * consent or an `exit on` event still takes them.
   */
  async runOnExit(ending: RunEnding): Promise<boolean> {
    const steps = this.journey.onExit ?? [];
    if (steps.length === 0) return false;
    const { profileId } = this.input;
    let left = false;
    if (this.leavesInRow) {
      // The run leaves with them: one local activity, not two.
      const actions = steps.map((step) => this.actionOf(step));
      left = (await this.acts.applyStepsNow(profileId, actions, { workflowId: this.workflowId, ending })).left === true;
    } else if (this.lean) {
      await this.acts.applyStepsNow(
        profileId,
        steps.map((step) => this.actionOf(step)),
      );
    } else {
      for (const step of steps) await this.runStep(step, 0, undefined, false);
    }
    for (const step of steps) {
      void this.mark(step.id, 'reached');
      void this.mark(step.id, 'passed');
    }
    return left;
  }

  private messageOf(step: Extract<StepIR, { kind: 'sendEmail' | 'sendWebhook' }>): MessageRequest {
    const messages = this.journey.messages;
    return {
      key: `${this.runKey}:${step.id}`,
      profileId: this.input.profileId,
      channel: step.kind === 'sendEmail' ? 'email' : 'webhook',
      name: step.kind === 'sendEmail' ? step.template : step.name,
      with: step.with,
      consents: this.journey.requiresConsent,
      // Only from rules that say it: a run of an older rules version sends as it did (messageKindOf).
      ...(messages ? { messages } : {}),
      journey: this.journey.name,
      rulesVersion: this.input.rulesVersion,
      step: step.id,
    };
  }

  /** The steps the run is inside, outermost first (an `if`, then a step of its branch). */
  private readonly inside: string[] = [];

  /** The innermost step in progress, if the run is in one. */
  get atStep(): string | undefined {
    return this.inside.at(-1);
  }

  /** What a continued run needs of this one: where it is, and the events it may still use. */
  carried(at: RunPosition[], receivedIds: string[]): ContinuedRun {
    const exitCursor = this.exitCursor ?? this.received.length;
    const from = Math.min(this.waitCursor, exitCursor);
    return {
      at,
      received: this.received.slice(from),
      waitCursor: this.waitCursor - from,
      exitCursor: exitCursor - from,
      receivedIds,
      withdrawn: [...this.consent.withdrawn],
      exitConditionMet: this.exitWhen.met,
    };
  }

  /** Steps this run (this execution of the chain) has started: it continues only after one. */
  private started = 0;

  /** Between two steps, once the history is long: a new run takes over from here. */
  private mustContinue(): boolean {
    // At least one step per run, however low the limit: a chain always moves on.
    return this.started > 0 && this.historyFull();
  }

  private historyFull(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (this.input.historyLimit ?? HISTORY_LIMIT);
  }

  /**
   * Runs a block from `resume` (a continued run's position in it): at its first level the
   * step to start from; a container there is entered at the block it was in, without
   * judging its condition or waiting again. `last`: nothing follows the block, so the run
   * ends with it.
   */
  private async runSteps(steps: StepIR[], resume: RunPosition[], last: boolean): Promise<'continue' | 'exit'> {
    const [here, ...deeper] = resume;
    for (let index = here?.index ?? 0; index < steps.length; index++) {
      const step = steps[index]!;
      const within = index === here?.index && here.block !== undefined ? { block: here.block, resume: deeper } : undefined;
      if (!within) {
        if (this.mustContinue()) throw new ContinueAt([{ index }]);
        const row = this.instantRowAt(steps, index, last);
        if (row.length > 0) {
          // The loop's own step moves past the last of the row taken.
          index += (await this.runRow(row, this.leavesAfter(steps, index, row, last))) - 1;
          continue;
        }
        this.started += 1;
      }
      this.state.step = step.id;
      this.inside.push(step.id);
      const reached = within ? undefined : this.mark(step.id, 'reached');
      if (reached) await reached;
      const next = await this.runStep(step, index, within, last && index === steps.length - 1);
      this.inside.pop();
      const passed = next === 'continue' ? this.mark(step.id, 'passed') : undefined;
      if (passed) await passed;
      if (next === 'exit') return 'exit';
    }
    return 'continue';
  }

  /**
   * Counts a step reached or passed for the journey's funnel, through a sink: nothing in the
   * history. A run recorded before LEAN_RUN_PATCH awaits a resolved promise here, as it
   * always did, so its coroutines interleave as recorded; a lean run goes straight on
   * (every promise a workflow makes costs the SDK a stack trace).
   */
  private mark(step: string, mark: 'reached' | 'passed'): Promise<void> | undefined {
    journeyStats.count(this.journey.name, this.input.rulesVersion, `steps.${step}.${mark}`);
    return this.lean ? undefined : Promise.resolve();
  }

  /** A container's block; a continue-as-new from inside it learns which block this level is in. */
  private async inBlock(
    index: number,
    block: number,
    steps: StepIR[],
    resume: RunPosition[] = [],
    last = false,
  ): Promise<'continue' | 'exit'> {
    try {
      return await this.runSteps(steps, resume, last);
    } catch (error) {
      if (error instanceof ContinueAt) error.path.unshift({ index, block });
      throw error;
    }
  }

  /** `last`: the step ends its block and nothing follows the block (a container's blocks then end the run). */
  private async runStep(
    step: StepIR,
    index: number,
    within: { block: number; resume: RunPosition[] } | undefined,
    last: boolean,
  ): Promise<'continue' | 'exit'> {
    const { profileId } = this.input;
    switch (step.kind) {
      case 'tag':
        await this.acts.tagProfile(profileId, step.tag);
        break;
      case 'untag':
        await this.acts.untagProfile(profileId, step.tag);
        break;
      case 'setTrait':
        await this.acts.setProfileTrait(profileId, step.path, step.value);
        break;
      case 'sendEmail':
      case 'sendWebhook':
        await this.send(this.messageOf(step));
        break;
      case 'wait':
        await this.waitAs('wait', step.ms);
        break;
      case 'waitUntil':
        await this.waitAs('wait until', await this.acts.millisUntilLocalTime(profileId, step.time));
        break;
      case 'waitFor': {
        const block = within?.block ?? ((await this.waitForEvent(step, step.timeoutMs)) ? 0 : 1);
        return this.inBlock(index, block, block === 0 ? step.then : step.otherwise, within?.resume, last);
      }
      case 'if': {
        const block = within?.block ?? ((await this.acts.evaluateCondition(profileId, this.input.rulesVersion, step.condition)) ? 0 : 1);
        return this.inBlock(index, block, block === 0 ? step.then : step.else, within?.resume, last);
      }
      case 'split': {
        const block =
          within?.block ??
          pickBranch(
            cohortPercentile(profileId, this.journey.name, step.id),
            step.branches.map((b) => b.percent),
          );
        const branch = step.branches[block];
        return branch ? this.inBlock(index, block, branch.steps, within?.resume, last) : 'continue';
      }
      case 'exit':
        return 'exit';
      default:
        return assertNever(step, 'journey step');
    }
    return 'continue';
  }
}
