/**
 * Temporal's client retries a failed call from a timer. A timer that fires after the
 * connection is closed makes gRPC throw ("Channel has been shut down") inside the timer,
 * where nothing can catch it, and the process dies of an uncaught exception: a known flaw
 * of the SDK, met when Itinera stops while Temporal is unreachable. These retry options
 * behave as the SDK's defaults until `quiesce()`: from then on no call is retried, and
 * `quiesce()` resolves once every retry already scheduled has run, so the connection can
 * then be closed safely.
 */
import { defaultGrpcRetryOptions, type GrpcRetryOptions } from '@temporalio/client';

export interface QuiescingRetries {
  options: GrpcRetryOptions;
  /** Stops retrying; resolves when no retry timer is left (at most the longest backoff). */
  quiesce(): Promise<void>;
  /** When the last retry scheduled so far fires (epoch ms; 0 before any). */
  lastRetryAt(): number;
}

export function quiescingRetries(): QuiescingRetries {
  const defaults = defaultGrpcRetryOptions();
  let quiescing = false;
  /** When the last retry scheduled so far fires. */
  let lastRetryAt = 0;
  return {
    options: {
      retryableDecider: (attempt, status) => !quiescing && defaults.retryableDecider(attempt, status),
      delayFunction(attempt, status) {
        const delay = defaults.delayFunction(attempt, status);
        lastRetryAt = Math.max(lastRetryAt, Date.now() + delay);
        return delay;
      },
    },
    lastRetryAt: () => lastRetryAt,
    async quiesce() {
      quiescing = true;
      const wait = lastRetryAt - Date.now();
      // A few milliseconds more: the timer's callback has run once its time is past.
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 20));
    },
  };
}
