import type { Collection, Db } from 'mongodb';
import { counterKey, decodeCounterKey } from '../profile/counters.js';
import { COLLECTIONS } from './collections.js';
import { upsertOnce } from './upsert.js';

/** A step's funnel: runs that reached it, passed it, and left the journey while at it. */
export interface StepCounts {
  reached: number;
  passed: number;
  left: number;
}

/** One journey version's counters, as read back (keys decoded, every id as the compiler wrote it). */
export interface JourneyStats {
  /** `<journey>@<rules version>`. */
  _id: string;
  journey: string;
  rulesVersion: number;
  entered: number;
  refused: Record<string, number>;
  ended: Record<string, number>;
  /** Keyed by step id (`0`, `0@1.0`, `1.then.0`, …). */
  steps: Record<string, StepCounts>;
  messages: Record<string, number>;
  updatedAt?: Date;
}

/**
 * As stored. Keys below `refused`, `ended`, `messages` and `steps` are encoded with
 * `counterKey` (a "." becomes U+FF0E), because step ids contain dots and MongoDB would
 * otherwise read `steps.0@1.0.reached` as a path three levels deep. Documents written
 * before the encoding hold those nested objects; `fromStored` reads both shapes.
 */
interface JourneyStatsDoc {
  _id: string;
  journey: string;
  rulesVersion: number;
  entered?: number;
  refused?: Record<string, unknown>;
  ended?: Record<string, unknown>;
  steps?: Record<string, unknown>;
  messages?: Record<string, unknown>;
  updatedAt?: Date;
}

/** What the store needs of a logger (pino's signature). */
export interface WarnLogger {
  warn(object: Record<string, unknown>, message: string): void;
}

/** How often counts gathered in memory are written. */
const FLUSH_MS = 1_000;
/** A write that keeps failing is retried at most this far apart (doubling from FLUSH_MS). */
const MAX_RETRY_MS = 30_000;

const STEP_MARKS = new Set(['reached', 'passed', 'left']);

/**
 * The stored path of a counter named as callers name it: `entered`, `refused.<verdict>`,
 * `ended.<outcome>`, `messages.<status>` or `steps.<step id>.<reached|passed|left>`. The
 * key after the group (the whole step id, dots and all) becomes one encoded field name.
 */
export function storedPath(field: string): string {
  const dot = field.indexOf('.');
  if (dot < 0) return field;
  const group = field.slice(0, dot);
  const rest = field.slice(dot + 1);
  if (group === 'steps') {
    const last = rest.lastIndexOf('.');
    const mark = rest.slice(last + 1);
    if (last > 0 && STEP_MARKS.has(mark)) return `steps.${counterKey(rest.slice(0, last))}.${mark}`;
  }
  return `${group}.${counterKey(rest)}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !(value instanceof Date);
const numberOr0 = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * Counts keyed by name. An old write of `ended.a.b` nested `{a: {b: n}}`: such objects are
 * flattened back to `a.b` (no outcome, verdict or status has a dot today; this is defence).
 */
function flatCounts(raw: unknown, prefix = '', into: Record<string, number> = {}): Record<string, number> {
  if (!isRecord(raw)) return into;
  for (const [key, value] of Object.entries(raw)) {
    const name = prefix === '' ? decodeCounterKey(key) : `${prefix}.${decodeCounterKey(key)}`;
    if (isRecord(value)) flatCounts(value, name, into);
    else into[name] = (into[name] ?? 0) + numberOr0(value);
  }
  return into;
}

/**
 * Step counts keyed by step id, from either shape. An old write of `steps.1.then.0.reached`
 * left `{1: {reached, then: {0: {reached}}}}`: at each level, `reached`/`passed`/`left` are
 * the counts of the path so far and every other object is a deeper path segment. This reads
 * every old document back exactly, because no segment of an id the compiler makes (a
 * number, `then`, `else`, `otherwise`, `b<k>`, `<n>@<i>`) is one of the three mark names.
 * Both shapes may be in one document (old writes, then new ones): their counts add up.
 */
function stepCounts(raw: unknown, prefix = '', into: Record<string, StepCounts> = {}): Record<string, StepCounts> {
  if (!isRecord(raw)) return into;
  for (const [key, value] of Object.entries(raw)) {
    if (prefix !== '' && STEP_MARKS.has(key)) {
      const counts = (into[prefix] ??= { reached: 0, passed: 0, left: 0 });
      counts[key as keyof StepCounts] += numberOr0(value);
    } else if (isRecord(value)) {
      stepCounts(value, prefix === '' ? decodeCounterKey(key) : `${prefix}.${decodeCounterKey(key)}`, into);
    }
  }
  return into;
}

export function fromStored(doc: JourneyStatsDoc): JourneyStats {
  return {
    _id: doc._id,
    journey: doc.journey,
    rulesVersion: doc.rulesVersion,
    entered: numberOr0(doc.entered),
    refused: flatCounts(doc.refused),
    ended: flatCounts(doc.ended),
    steps: stepCounts(doc.steps),
    messages: flatCounts(doc.messages),
    ...(doc.updatedAt ? { updatedAt: doc.updatedAt } : {}),
  };
}

interface PendingCounts {
  journey: string;
  rulesVersion: number;
  /** Stored path → increment. */
  inc: Map<string, number>;
}

/**
 * Journey counters, written behind: counts gather in memory and are added to their
 * document once a second, one `$inc` per journey version, so ten thousand runs passing a
 * step at once cost one write, not ten thousand on one hot document. The price, accepted
 * for figures shown to people: a crash loses up to a second of counts, and an activity
 * retried after its count was taken counts twice. Runs and messages themselves are exact
 * (profiles, deliveries); these are the dashboard.
 *
 * A write that fails (database unreachable, a document it cannot apply to) is logged and
 * its counts go back to wait for the next write, retried with a growing delay: held in
 * memory they stay one number per counter, however long the outage.
 */
export class JourneyStatsStore {
  private readonly collection: Collection<JourneyStatsDoc>;
  private pending = new Map<string, PendingCounts>();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private logger: WarnLogger | undefined;

  constructor(db: Db, options: { logger?: WarnLogger } = {}) {
    this.collection = db.collection<JourneyStatsDoc>(COLLECTIONS.journeyStats);
    this.logger = options.logger;
  }

  /** Where failed writes are reported (the stores are built before the runtime's logger is handed around). */
  setLogger(logger: WarnLogger): void {
    this.logger = logger;
  }

  /**
   * Adds `n` to a counter: `entered`, `refused.<verdict>`, `ended.<outcome>`,
   * `messages.<status>` or `steps.<step id>.<reached|passed|left>`; written within a second.
   */
  count(journey: string, rulesVersion: number, field: string, n = 1): void {
    this.add(`${journey}@${rulesVersion}`, journey, rulesVersion, [[storedPath(field), n]]);
    this.schedule(FLUSH_MS);
  }

  /** Counts held in memory, not yet written (after a failed write: what waits for the retry). */
  pendingCount(): number {
    let total = 0;
    for (const { inc } of this.pending.values()) for (const n of inc.values()) total += n;
    return total;
  }

  /**
   * Writes what has gathered (tests, reads and shutdown call it; the timer does otherwise).
   * A document whose write fails keeps its counts for the retry, and the first error is
   * thrown once every other document has been tried.
   */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    let firstError: unknown;
    for (const [id, entry] of batch) {
      try {
        await upsertOnce(() =>
          this.collection.updateOne(
            { _id: id },
            {
              $inc: Object.fromEntries(entry.inc),
              $set: { journey: entry.journey, rulesVersion: entry.rulesVersion, updatedAt: new Date() },
            },
            { upsert: true },
          ),
        );
      } catch (error) {
        firstError ??= error;
        this.add(id, entry.journey, entry.rulesVersion, entry.inc);
        // Ids only: journey names and versions, never a person.
        this.logger?.warn(
          { err: error, journeyVersion: id, retryInMs: this.retryDelay(this.failures + 1) },
          'journey counts not written; kept for a retry',
        );
      }
    }
    if (firstError === undefined) {
      this.failures = 0;
      return;
    }
    this.failures += 1;
    this.schedule(this.retryDelay(this.failures));
    throw firstError;
  }

  /** Every journey version's counters (one document each: a few per journey, a small collection). */
  async list(): Promise<JourneyStats[]> {
    // What this process holds is written first; if the write fails the figures are a second
    // old, which a dashboard can show while the retry (already logged) goes on.
    await this.flush().catch(() => undefined);
    const docs = await this.collection.find({}).toArray();
    return docs.map(fromStored).sort((a, b) => a.journey.localeCompare(b.journey) || a.rulesVersion - b.rulesVersion);
  }

  private add(id: string, journey: string, rulesVersion: number, increments: Iterable<[string, number]>): void {
    const entry = this.pending.get(id) ?? { journey, rulesVersion, inc: new Map<string, number>() };
    for (const [path, n] of increments) entry.inc.set(path, (entry.inc.get(path) ?? 0) + n);
    this.pending.set(id, entry);
  }

  private schedule(delayMs: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      // Failures are logged and re-queued inside flush; nothing more to do with them here.
      void this.flush().catch(() => undefined);
    }, delayMs).unref();
  }

  private retryDelay(failures: number): number {
    return Math.min(MAX_RETRY_MS, FLUSH_MS * 2 ** Math.max(0, failures - 1));
  }
}
