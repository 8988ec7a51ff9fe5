/**
 * Stopping within a deadline. The graceful steps (the HTTP API, then the runtime: sweeper,
 * profile writer, worker, connections) run in order while time remains; the step still
 * running at the deadline is abandoned and the rest skipped. The final steps (stopping the
 * embedded servers) then run side by side whatever happened, told whether they are late. Nothing accepted is
 * lost by stopping short: an event is acknowledged only once its batch is in the outbox,
 * and the outbox sweeper finishes every batch left unapplied or undispatched on the next start.
 */
import { constants } from 'node:os';

export interface StopStep {
  name: string;
  /** `late`: the deadline has passed (final steps only); finish quickly. */
  run(late: boolean): Promise<void>;
}

export interface StopOutcome {
  /** 0 when every step finished in time, EXIT_STOP_INCOMPLETE otherwise. */
  exitCode: number;
  /** The graceful step still running at the deadline. */
  timedOut?: string;
  /** Graceful steps not started because the deadline had passed. */
  skipped: string[];
  failed: { step: string; error: unknown }[];
}

/**
 * A signal this soon after the first is the same Ctrl+C, not a second one: npm forwards to
 * `npm start` the SIGINT that the terminal sends it directly too.
 */
export const SAME_SIGNAL_MS = 1000;

/** Exit code of a stop that passed its deadline or had a step fail (a clean stop exits with 0). */
export const EXIT_STOP_INCOMPLETE = 1;

/** Exit code of a stop cut short by a second signal: 128 + its number, as shells report it (130, 143). */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

export async function stopWithin(
  plan: { graceful: StopStep[]; final: StopStep[]; deadlineMs: number },
  observe: { onStep?(name: string): void; onDeadline?(running: string): void; onFailure?(step: string, error: unknown): void } = {},
): Promise<StopOutcome> {
  const outcome: StopOutcome = { exitCode: 0, skipped: [], failed: [] };
  const fail = (step: string, error: unknown) => {
    outcome.failed.push({ step, error });
    observe.onFailure?.(step, error);
  };
  const deadline = Date.now() + plan.deadlineMs;
  for (const step of plan.graceful) {
    if (outcome.timedOut !== undefined) {
      outcome.skipped.push(step.name);
      continue;
    }
    observe.onStep?.(step.name);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), Math.max(0, deadline - Date.now()))));
    const finished = step.run(false).then(
      () => 'done' as const,
      (error: unknown) => {
        fail(step.name, error);
        return 'failed' as const;
      },
    );
    const result = await Promise.race([finished, expired]);
    clearTimeout(timer);
    if (result === 'expired') {
      outcome.timedOut = step.name;
      observe.onDeadline?.(step.name);
    }
  }
  const late = outcome.timedOut !== undefined;
  await Promise.all(
    plan.final.map((step) => {
      observe.onStep?.(step.name);
      return step.run(late).catch((error: unknown) => fail(step.name, error));
    }),
  );
  if (late || outcome.failed.length > 0) outcome.exitCode = EXIT_STOP_INCOMPLETE;
  return outcome;
}
