/**
 * The generic journey workflow: it interprets one journey of one deployed rules version
 * for one profile. No code is generated per rule; every read and write is an activity.
 */
import { CancellationScope, condition, isCancellation, patched, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { assertNever } from '../dsl/assert-never.js';
import type { EventMatchIR, JourneyIR, StepIR } from '../dsl/ir.js';
import type { AdmissionVerdict, JourneyActivities } from '../activities/index.js';
import { cohortPercentile, pickBranch } from './cohort.js';
import { consentWithdrawnSignal, profileEventSignal, type JourneyInput, type ProfileEventSignal } from './messages.js';

const activities = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export type JourneyOutcome =
  | 'completed' | 'exited' | 'exited-on-event' | 'no-consent' | 'consent-withdrawn' | 'unknown-journey' | 'no-profile'
  | Exclude<AdmissionVerdict, 'admitted'>;

/**
 * Runs started before this patch recorded themselves with `enterJourney` and took every
 * signal as it came; replaying their histories must issue the same commands, so they
 * keep doing that. Runs after it are admitted against the person's journey history and
 * take each event once. test/workflows/replay.test.ts replays a recorded history.
 */
export const ADMISSION_PATCH = 'journey-admission';

export async function journeyWorkflow(input: JourneyInput): Promise<JourneyOutcome> {
  const usesAdmission = patched(ADMISSION_PATCH);
  const received: ProfileEventSignal[] = [];
  const receivedIds = new Set<string>();
  setHandler(profileEventSignal, (event) => {
    // A dispatch retried after a crash or an outage repeats its signals.
    if (usesAdmission && receivedIds.has(event.eventId)) return;
    receivedIds.add(event.eventId);
    received.push(event);
  });
  // A purpose of the person's that is no longer granted; the run ends if it requires it.
  const consent: ConsentWatch = { withdrawn: new Set(), onWithdrawn: undefined };
  setHandler(consentWithdrawnSignal, ({ purpose }) => {
    consent.withdrawn.add(purpose);
    consent.onWithdrawn?.();
  });

  const journey = await activities.loadJourney(input.rulesVersion, input.journey);
  if (!journey) return 'unknown-journey';
  for (const purpose of journey.requiresConsent) {
    if (!(await activities.hasConsent(input.profileId, purpose))) return 'no-consent';
  }

  // The first run id of the chain: a reset or retried run keeps it, so it stays itself.
  const { workflowId, firstExecutionRunId: runId } = workflowInfo();
  const run = { workflowId, journey: journey.name, rulesVersion: input.rulesVersion };
  if (usesAdmission) {
    const verdict = await activities.admitToJourney(input.profileId, {
      ...run, runId, triggerEventId: input.triggerEventId, reentry: journey.reentry, requiresConsent: journey.requiresConsent, atMs: Date.now(),
    });
    if (verdict !== 'admitted') return verdict;
  } else {
    await activities.enterJourney(input.profileId, run);
  }
  const steps = new JourneyRun(journey, input, `${workflowId}:${runId}`, received, consent);
  try {
    return await steps.execute();
  } finally {
    await CancellationScope.nonCancellable(() => activities.leaveJourney(input.profileId, workflowId));
  }
}

/** Purposes withdrawn while the run goes on, as the `consentWithdrawn` signal reports them. */
interface ConsentWatch {
  withdrawn: Set<string>;
  onWithdrawn: (() => void) | undefined;
}

class JourneyRun {
  constructor(
    private readonly journey: JourneyIR,
    private readonly input: JourneyInput,
    /** Names this run in delivery keys: a later run of the same workflow id sends again. */
    private readonly runKey: string,
    private readonly received: ProfileEventSignal[],
    private readonly consent: ConsentWatch,
  ) {}

  async execute(): Promise<JourneyOutcome> {
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
    // Events that arrived before the run began (the trigger itself) never end it.
    const watcher = this.journey.exitOn.length === 0 ? undefined : this.watchExitEvents(this.received.length, () => {
      exitedOnEvent = true;
      steps.cancel();
    });
    try {
      const result = await steps.run(() => this.runSteps(this.journey.steps));
      return result === 'exit' ? 'exited' : 'completed';
    } catch (error) {
      if (withdrawn && isCancellation(error)) return 'consent-withdrawn';
      if (exitedOnEvent && isCancellation(error)) return 'exited-on-event';
      throw error;
    } finally {
      watcher?.stop();
      this.consent.onWithdrawn = undefined;
    }
  }

  private watchExitEvents(from: number, onExit: () => void): { stop(): void } {
    let stopped = false;
    let cursor = from;
    void (async () => {
      while (!stopped) {
        await condition(() => stopped || this.received.length > cursor);
        while (!stopped && cursor < this.received.length) {
          const event = this.received[cursor++]!;
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
    return match.where === undefined || activities.eventMatches(event.eventId, match.where);
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

  private async runSteps(steps: StepIR[]): Promise<'continue' | 'exit'> {
    const { profileId } = this.input;
    for (const step of steps) {
      switch (step.kind) {
        case 'tag':
          await activities.tagProfile(profileId, step.tag);
          break;
        case 'untag':
          await activities.untagProfile(profileId, step.tag);
          break;
        case 'setTrait':
          await activities.setProfileTrait(profileId, step.path, step.value);
          break;
        case 'sendEmail':
          await activities.queueMessage({
            key: `${this.runKey}:${step.id}`, profileId, channel: 'email', name: step.template, with: step.with, consents: this.journey.requiresConsent,
          });
          break;
        case 'sendWebhook':
          await activities.queueMessage({
            key: `${this.runKey}:${step.id}`, profileId, channel: 'webhook', name: step.name, with: step.with, consents: this.journey.requiresConsent,
          });
          break;
        case 'wait':
          await sleep(step.ms);
          break;
        case 'waitUntil':
          await sleep(await activities.millisUntilLocalTime(profileId, step.time));
          break;
        case 'waitFor': {
          const arrived = await this.waitForEvent(step, step.timeoutMs);
          if ((await this.runSteps(arrived ? step.then : step.otherwise)) === 'exit') return 'exit';
          break;
        }
        case 'if': {
          const holds = await activities.evaluateCondition(profileId, this.input.rulesVersion, step.condition);
          if ((await this.runSteps(holds ? step.then : step.else)) === 'exit') return 'exit';
          break;
        }
        case 'split': {
          const percentile = cohortPercentile(profileId, this.journey.name, step.id);
          const branch = step.branches[pickBranch(percentile, step.branches.map((b) => b.percent))];
          if (branch && (await this.runSteps(branch.steps)) === 'exit') return 'exit';
          break;
        }
        case 'exit':
          return 'exit';
        default:
          return assertNever(step, 'journey step');
      }
    }
    return 'continue';
  }
}
