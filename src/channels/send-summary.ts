/**
 * The worker's per-minute line of what it sent, for operators: counts by channel and
 * outcome (`[{ channel: 'email', status: 'sent', count: 120 }, …]`), written only for
 * a minute that had sends, so an idle worker's log stays quiet. Counts only: nothing of
 * the people or the messages.
 *
 * The deliverer is wrapped (`counting`), so every kind of send is counted wherever it comes
 * from (journey runs, broadcasts, consent confirmations), without the activities knowing.
 * A send the channel will retry counts as `retrying`; an attempt that finds its message
 * already sent counts again as what it found (a retried activity), which a per-minute
 * figure can afford. The tally lives in this process only: it is a log line, not a record
 * (the deliveries collection is that).
 */
import type { Logger } from '../logger.js';
import type { OutgoingMessage } from '../model.js';
import { RetryableDelivery, type Deliverer, type DeliveryOutcome } from './deliver.js';
import { sendCounted } from '../metrics/index.js';

export const SEND_SUMMARY_INTERVAL_MS = 60_000;

/** Channel → outcome → how many. */
type SendCounts = Record<string, Record<string, number>>;

/** One row per channel and outcome: a channel's name as a key (`email`) would be censored by the log's redaction. */
export interface SendCount {
  channel: string;
  status: string;
  count: number;
}

const rows = (counts: SendCounts): SendCount[] =>
  Object.entries(counts).flatMap(([channel, statuses]) => Object.entries(statuses).map(([status, count]) => ({ channel, status, count })));

export interface SendSummary {
  /** The deliverer, its outcomes counted. */
  counting(deliverer: Deliverer): Deliverer;
  /** Writes the line for what was counted since the last one, if anything was. */
  flush(): void;
  /** Stops the timer and writes what is left: call at shutdown, after the worker has stopped. */
  stop(): void;
}

export function startSendSummary(logger: Logger, intervalMs = SEND_SUMMARY_INTERVAL_MS): SendSummary {
  let counts: SendCounts = {};
  let total = 0;
  let since = Date.now();

  const record = (channel: string, status: string) => {
    const perChannel = (counts[channel] ??= {});
    perChannel[status] = (perChannel[status] ?? 0) + 1;
    total += 1;
    // The metric counts what this line counts, at the same place: the two always agree.
    sendCounted(channel, status);
  };

  const counted = async (message: OutgoingMessage, send: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> => {
    try {
      const outcome = await send();
      record(message.channel, outcome.status);
      return outcome;
    } catch (error) {
      if (error instanceof RetryableDelivery) record(message.channel, 'retrying');
      throw error;
    }
  };

  const flush = () => {
    const at = Date.now();
    if (total > 0) logger.info({ sends: rows(counts), total, periodMs: at - since }, 'send summary');
    counts = {};
    total = 0;
    since = at;
  };

  // The timer never holds the process open: stopping is the shutdown's business, not its.
  const timer = setInterval(flush, intervalMs);
  timer.unref();

  return {
    counting: (deliverer) => ({
      deliver: (request) => counted(request, () => deliverer.deliver(request)),
      defer: (request, until) => deliverer.defer(request, until),
      deliverMany: async (requests, options) => {
        const outcomes = await deliverer.deliverMany(requests, options);
        outcomes.forEach((outcome, i) => outcome && record(requests[i]!.channel, outcome.status));
        return outcomes;
      },
      abandon: (request, reason) => counted(request, () => deliverer.abandon(request, reason)),
      confirm: (request, linkExpiresAt) => counted(request, () => deliverer.confirm(request, linkExpiresAt)),
    }),
    flush,
    stop() {
      clearInterval(timer);
      flush();
    },
  };
}
