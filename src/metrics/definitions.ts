/**
 * Every metric Itinera exports, and the small functions the rest of the code calls to move
 * them (docs/ops/metrics.md describes each family and what to alert on). The functions
 * are synchronous and allocate nothing beyond a label lookup: they sit on hot paths (each
 * accepted batch, each profile write, each HTTP request).
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { code } from './labels.js';
import { PREFIX, registry } from './registry.js';

const registers = [registry];

/** Seconds, from a few milliseconds (a quiet writer) to minutes (a backlog). */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Ingestion.

const eventsAccepted = new Counter({
  name: `${PREFIX}events_accepted_total`,
  help: 'Messages acknowledged to their sender (stored, owed to their profile by an outbox entry); repeats of a stored messageId included.',
  registers,
});
const eventsApplied = new Counter({
  name: `${PREFIX}events_applied_total`,
  help: 'New events applied to their profiles, by the profile writer or the outbox sweeper.',
  registers,
});
const eventsRefused = new Counter({
  name: `${PREFIX}events_refused_total`,
  help: 'Messages refused, by reason: invalid, too_large, unauthorized, forbidden_origin, overloaded, suppressed, error.',
  labelNames: ['reason'] as const,
  registers,
});
const writerLag = new Histogram({
  name: `${PREFIX}profile_writer_lag_seconds`,
  help: 'From a batch acknowledged to all its events applied to their profiles.',
  buckets: LAG_BUCKETS,
  registers,
});
const outboxDepth = new Gauge({
  name: `${PREFIX}outbox_entries`,
  help: 'Open outbox entries (batches not yet applied and dispatched), read at scrape time.',
  registers,
});
const outboxOldestAge = new Gauge({
  name: `${PREFIX}outbox_oldest_entry_age_seconds`,
  help: 'Age of the oldest open outbox entry at scrape time (0 when the outbox is empty).',
  registers,
});
const outboxReadSeconds = new Gauge({
  name: `${PREFIX}outbox_read_duration_seconds`,
  help: "How long the scrape's read of the outbox took (the price of the two gauges above).",
  registers,
});

const REFUSAL_REASONS = ['invalid', 'too_large', 'unauthorized', 'forbidden_origin', 'overloaded', 'suppressed', 'error'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];
// Every reason from zero, so that `rate()` sees the first refusal of each.
for (const reason of REFUSAL_REASONS) eventsRefused.inc({ reason }, 0);

export function eventsAcceptedBy(count: number): void {
  if (count > 0) eventsAccepted.inc(count);
}

export function eventsAppliedBy(count: number): void {
  if (count > 0) eventsApplied.inc(count);
}

export function eventsRefusedBy(reason: RefusalReason, count: number): void {
  if (count > 0) eventsRefused.inc({ reason }, count);
}

export function observeWriterLag(seconds: number): void {
  writerLag.observe(Math.max(0, seconds));
}

// The outbox, read when scraped.

/** What the outbox holds now: entries, and when the oldest was opened. */
export interface OutboxSummary {
  entries: number;
  oldestAt: Date | null;
}

let outboxProbe: (() => Promise<OutboxSummary>) | undefined;

/** The wiring names how to read the outbox; returns the function that forgets it (a runtime closing). */
export function setOutboxProbe(probe: () => Promise<OutboxSummary>): () => void {
  outboxProbe = probe;
  return () => {
    if (outboxProbe === probe) outboxProbe = undefined;
  };
}

/** How long a scrape waits for the outbox read before it answers with the gauges of the last read. */
export const OUTBOX_READ_WAIT_MS = 2000;

let outboxRead: Promise<void> | undefined;

async function readOutbox(probe: () => Promise<OutboxSummary>): Promise<void> {
  const started = performance.now();
  try {
    const { entries, oldestAt } = await probe();
    outboxDepth.set(entries);
    outboxOldestAge.set(oldestAt ? Math.max(0, (Date.now() - oldestAt.getTime()) / 1000) : 0);
  } catch (error) {
    // The gauges keep their last values; the failure is counted where failures are.
    recordFailure('metrics_outbox_read', error);
  } finally {
    outboxReadSeconds.set((performance.now() - started) / 1000);
  }
}

/**
 * Reads the outbox into its gauges: called by the scrape, before the registry is written
 * out. One read at a time, however many scrapes come; a read slower than `waitMs` (a grown
 * outbox on FerretDB, which scans it: docs/ops/metrics.md) finishes behind the answer,
 * which carries the last read's values, so a scrape never runs into Prometheus's timeout.
 */
export async function refreshOutboxGauges(waitMs = OUTBOX_READ_WAIT_MS): Promise<void> {
  const probe = outboxProbe;
  if (!probe) return;
  outboxRead ??= readOutbox(probe).finally(() => (outboxRead = undefined));
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
  await Promise.race([outboxRead, waited]);
  clearTimeout(timer);
}

// HTTP.

const httpDuration = new Histogram({
  name: `${PREFIX}http_request_duration_seconds`,
  help: 'HTTP requests by method, Express route pattern (`none`: answered before any route, such as a refused key or a static file) and status class.',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: HTTP_BUCKETS,
  registers,
});

export function observeHttpRequest(method: string, route: string, statusClass: string, seconds: number): void {
  httpDuration.observe({ method, route, status_class: statusClass }, seconds);
}

// Journeys.

const runsStarted = new Counter({
  name: `${PREFIX}journey_runs_started_total`,
  help: 'Journey runs dispatch asked Temporal to start (signalWithStart on a trigger); a run already going gets the signal instead.',
  registers,
});
const runsAdmitted = new Counter({
  name: `${PREFIX}journey_runs_admitted_total`,
  help: 'Runs let in by admission (counted once, when the entry is written).',
  registers,
});
const runsRefused = new Counter({
  name: `${PREFIX}journey_runs_refused_total`,
  help: 'Runs admission did not let in, by verdict (no-consent, reentry-refused, already-in-journey, journey-paused…).',
  labelNames: ['verdict'] as const,
  registers,
});
const runsEnded = new Counter({
  name: `${PREFIX}journey_runs_ended_total`,
  help: 'Admitted runs that ended, by outcome (counted once, when the run leaves the profile).',
  labelNames: ['outcome'] as const,
  registers,
});

export function journeyRunStarted(): void {
  runsStarted.inc();
}

export function journeyRunAdmitted(): void {
  runsAdmitted.inc();
}

export function journeyRunRefused(verdict: string): void {
  runsRefused.inc({ verdict: code(verdict) });
}

export function journeyRunEnded(outcome: string): void {
  runsEnded.inc({ outcome: code(outcome) });
}

// Messages.

const sends = new Counter({
  name: `${PREFIX}sends_total`,
  help: 'Send attempts by channel and outcome (sent, failed, skipped, suppressed, not-configured, deferred, retrying…), as the send summary counts them.',
  labelNames: ['channel', 'status'] as const,
  registers,
});

export function sendCounted(channel: string, status: string): void {
  sends.inc({ channel: code(channel), status: code(status) });
}

// Segments.

const segmentEntryLag = new Histogram({
  name: `${PREFIX}segment_entry_lag_seconds`,
  help: 'From the earliest event of a profile write received to the membership change it caused written.',
  buckets: LAG_BUCKETS,
  registers,
});
const clockBacklog = new Gauge({
  name: `${PREFIX}segment_clock_due_backlog`,
  help: "People due in a segment clock shard and left for its next ring, as of the shard's latest ring.",
  labelNames: ['shard'] as const,
  registers,
});

export function observeSegmentEntryLag(seconds: number): void {
  segmentEntryLag.observe(Math.max(0, seconds));
}

export function segmentClockBacklog(shard: number, people: number): void {
  clockBacklog.set({ shard: String(shard) }, people);
}

// Privacy requests.

const privacyStates = new Counter({
  name: `${PREFIX}privacy_request_state_changes_total`,
  help: 'Privacy requests entering a state, by kind (erasure, export) and state (pending, running, completed, failed).',
  labelNames: ['kind', 'state'] as const,
  registers,
});

export function privacyRequestState(kind: string, state: string): void {
  privacyStates.inc({ kind: code(kind), state: code(state) });
}

// Failures of the systems we depend on.

const databaseErrors = new Counter({
  name: `${PREFIX}database_errors_total`,
  help: 'Database calls that failed where the code logs them, by operation.',
  labelNames: ['operation'] as const,
  registers,
});
const temporalErrors = new Counter({
  name: `${PREFIX}temporal_errors_total`,
  help: 'Temporal calls that failed where the code logs them, by operation.',
  labelNames: ['operation'] as const,
  registers,
});
const otherErrors = new Counter({
  name: `${PREFIX}other_errors_total`,
  help: 'Failures logged at the same places that neither the database nor Temporal raised, by operation.',
  labelNames: ['operation'] as const,
  registers,
});

/** Which system an error came from, by the names the drivers give their errors (and their causes'). */
export function systemOf(error: unknown): 'database' | 'temporal' | 'other' {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const name = current.name;
    if (name.startsWith('Mongo') || name === 'BSONError') return 'database';
    if (
      name === 'ServiceError' ||
      name.startsWith('Workflow') ||
      name.startsWith('Temporal') ||
      name === 'ConnectionError' ||
      name === 'TransportError' ||
      (typeof (current as { code?: unknown }).code === 'number' && 'details' in current && 'metadata' in current)
    )
      return 'temporal';
  }
  return 'other';
}

/** A failure logged at `operation` (a fixed code), counted against the system it came from. */
export function recordFailure(operation: string, error: unknown): void {
  const labels = { operation: code(operation) };
  const system = systemOf(error);
  (system === 'database' ? databaseErrors : system === 'temporal' ? temporalErrors : otherErrors).inc(labels);
}

/** A failure whose system the caller knows (a Temporal call, a database write). */
export function recordSystemFailure(system: 'database' | 'temporal', operation: string): void {
  (system === 'database' ? databaseErrors : temporalErrors).inc({ operation: code(operation) });
}
