import { AsyncResource } from 'node:async_hooks';
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from 'mongodb';
import { UPDATES_PER_COMMAND } from './bulk-updates.js';
import { COLLECTIONS } from './collections.js';

/**
 * The console's view of messages without reading the messages: counters kept as messages
 * are recorded and move (src/store/deliveries.ts), read back by `_id` only — on FerretDB
 * any other filter of `deliveries`, which grows with traffic, would read all of it.
 *
 * Two kinds of document, in one collection:
 * - **day** `d|<YYYY-MM-DD>|<scope>`: the outcomes of that UTC day per channel (`email.sent`,
 *   `webhook.failed`, …), for the chart; counted when the outcome happens.
 * - **hour** `h|<YYYY-MM-DDTHH>|<scope>`: how many messages were first recorded in each minute
 *   of the hour (`m.07: 12`), for the list: it reads only the minutes that hold messages.
 *
 * A scope is `*` (everything), `j:<journey>`, `b:<broadcast>` or `t:<template>`, so a
 * filtered chart or list reads its own documents. Counts, no person: an erasure leaves them.
 */
export const DELIVERY_OUTCOMES = ['sent', 'failed', 'bounced', 'skipped', 'notConfigured', 'unsubscribed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];
export const DELIVERY_CHANNELS = ['email', 'webhook'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** Where a message comes from, as the counters' scopes name it. */
export interface CountedMessage {
  channel: DeliveryChannel;
  /** Its template or destination. */
  name: string;
  journey?: string;
  broadcast?: string;
}

/** What happened to one message, as `count` takes it. */
export interface CountedChange {
  message: CountedMessage;
  listedAt?: Date;
  outcome?: DeliveryOutcome;
  at: Date;
}

type Counts = Partial<Record<DeliveryOutcome, number>>;

export interface DeliveryDayDoc {
  _id: string;
  email?: Counts;
  webhook?: Counts;
}

export interface DeliveryHourDoc {
  _id: string;
  /** Messages first recorded per minute (`00` … `59`) of the hour. */
  m?: Record<string, number>;
}

export type Scope = `*` | `j:${string}` | `b:${string}` | `t:${string}`;

/** `2026-12-07T03:07`: the minute of an instant, UTC, as a message's `bucket` holds it. */
export const minuteOf = (at: Date) => at.toISOString().slice(0, 16);
export const hourOf = (at: Date) => at.toISOString().slice(0, 13);
export const dayOf = (at: Date) => at.toISOString().slice(0, 10);
export const dayId = (day: string, scope: Scope) => `d|${day}|${scope}`;
export const hourId = (hour: string, scope: Scope) => `h|${hour}|${scope}`;

/** The scopes a message counts in: everything, its journey or broadcast, (for the list) its template. */
function scopesOf(message: CountedMessage, withTemplate: boolean): Scope[] {
  const scopes: Scope[] = ['*'];
  if (message.journey !== undefined) scopes.push(`j:${message.journey}`);
  if (message.broadcast !== undefined) scopes.push(`b:${message.broadcast}`);
  if (withTemplate) scopes.push(`t:${message.name}`);
  return scopes;
}

/** What the store needs of a logger (pino's signature). */
export interface WarnLogger {
  warn(object: Record<string, unknown>, message: string): void;
}

/** How often counts gathered in memory are written (ms). */
export const DELIVERY_COUNTS_FLUSH_MS = 1_000;
/** A write that keeps failing is retried at most this far apart (doubling from the flush period). */
const MAX_RETRY_MS = 30_000;
/** A bulk's upserts that lost a race to create their document go again this many times. */
const UPSERT_TRIES = 3;

/**
 * Written behind: counts gather in memory and are added to their documents once a second
 * (DELIVERY_COUNTS_FLUSH_MS), one `$inc` per document for all the messages of that second,
 * in bulks of at most UPDATES_PER_COMMAND (src/store/bulk-updates.ts). A send so writes its
 * message and nothing else; a busy second of a thousand sends costs a handful of updates.
 * Reads through this store (`days`, `minutes`) write what this process holds first.
 *
 * The price, accepted for figures derived from the messages (docs/messages.md, "Every
 * message"): a process that dies without shutting down loses what it gathered since its
 * last write (at most a second of its messages, or, while the database is unreachable,
 * everything held since: a day's chart undercounts them, and messages first recorded in
 * those minutes are missing from the Deliveries list, still on the person's page, in an
 * export and found by an erasure). A write that fails is logged and its counts wait for
 * the retry; one lost with its connection after the database applied it may count twice.
 */
export class DeliveryCountStore {
  private readonly collection: Collection<DeliveryDayDoc | DeliveryHourDoc>;
  /** Document id → field → increment, not yet written. */
  private pending = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  /** The write under way (and those queued behind it): a read's flush waits for it. */
  private flushing: Promise<void> = Promise.resolve();
  private failures = 0;
  private logger: WarnLogger | undefined;
  /**
   * The timer runs in the context the store was made in, not in that of the send that
   * happened to start it (a profile of the sends' database commands puts its writes apart).
   */
  private readonly detached = new AsyncResource('itinera.deliveryCounts');

  constructor(db: Db, options: { logger?: WarnLogger } = {}) {
    this.collection = db.collection<DeliveryDayDoc | DeliveryHourDoc>(COLLECTIONS.deliveryCounts);
    this.logger = options.logger;
  }

  /** Where failed writes are reported (the stores are built before the runtime's logger is handed around). */
  setLogger(logger: WarnLogger): void {
    this.logger = logger;
  }

  /**
   * Counts what just happened to a message: that it was first recorded at `listedAt` (its
   * minute joins the list's index), and/or an outcome on `at`'s day; written within a
   * second. The caller calls this once per real transition (DeliveryStore decides that).
   */
  count(message: CountedMessage, what: { listedAt?: Date; outcome?: DeliveryOutcome; at: Date }): void {
    this.countMany([{ message, ...what }]);
  }

  /** Counts many messages' changes (a broadcast's batch): the same increments as `count` for each. */
  countMany(changes: readonly CountedChange[]): void {
    for (const { message, listedAt, outcome, at } of changes) {
      if (listedAt)
        for (const scope of scopesOf(message, true)) this.add(hourId(hourOf(listedAt), scope), `m.${minuteOf(listedAt).slice(14)}`, 1);
      if (outcome) for (const scope of scopesOf(message, false)) this.add(dayId(dayOf(at), scope), `${message.channel}.${outcome}`, 1);
    }
    if (changes.length > 0) this.schedule(DELIVERY_COUNTS_FLUSH_MS);
  }

  /** Increments held in memory, not yet written (after a failed write: what waits for the retry). */
  pendingCount(): number {
    let total = 0;
    for (const fields of this.pending.values()) for (const n of fields.values()) total += n;
    return total;
  }

  /**
   * Writes what has gathered (reads, tests and shutdown call it; the timer does otherwise),
   * after any write under way. Counts whose write fails wait for the retry, and the first
   * error is thrown once every bulk has been tried.
   */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.write());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async write(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    const ops: { id: string; fields: Map<string, number> }[] = [...batch].map(([id, fields]) => ({ id, fields }));
    let firstError: unknown;
    for (let from = 0; from < ops.length; from += UPDATES_PER_COMMAND) {
      let chunk = ops.slice(from, from + UPDATES_PER_COMMAND);
      for (let tries = 1; chunk.length > 0; tries++) {
        try {
          const bulk: AnyBulkWriteOperation<DeliveryDayDoc | DeliveryHourDoc>[] = chunk.map(({ id, fields }) => ({
            updateOne: { filter: { _id: id }, update: { $inc: Object.fromEntries(fields) }, upsert: true },
          }));
          await this.collection.bulkWrite(bulk, { ordered: false });
          chunk = [];
        } catch (error) {
          // A document created by a racing write between our read and insert refuses that
          // one upsert (duplicate key); the others took. The refused ones go again, and find it.
          const failures = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : undefined;
          const racing = failures !== undefined && failures.every((failure) => failure.code === 11000);
          const left = failures === undefined ? chunk : failures.map((failure) => chunk[failure.index]!);
          if (racing && tries < UPSERT_TRIES) {
            chunk = left;
            continue;
          }
          firstError ??= error;
          for (const { id, fields } of left) for (const [field, n] of fields) this.add(id, field, n);
          // Counter ids only: days, hours, journeys, broadcasts, templates; never a person.
          this.logger?.warn(
            { err: error, documents: left.length, retryInMs: this.retryDelay(this.failures + 1) },
            'delivery counts not written; kept for a retry',
          );
          chunk = [];
        }
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

  private add(id: string, field: string, n: number): void {
    const fields = this.pending.get(id) ?? new Map<string, number>();
    fields.set(field, (fields.get(field) ?? 0) + n);
    this.pending.set(id, fields);
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = this.detached.runInAsyncScope(() =>
      setTimeout(() => {
        this.timer = undefined;
        // Failures are logged and re-queued inside the write; nothing more to do with them here.
        void this.flush().catch(() => undefined);
      }, delayMs).unref(),
    );
  }

  private retryDelay(failures: number): number {
    return Math.min(MAX_RETRY_MS, DELIVERY_COUNTS_FLUSH_MS * 2 ** Math.max(0, failures - 1));
  }

  /** The day documents of one scope (days without messages are absent), with what this process holds written first. */
  async days(days: readonly string[], scope: Scope): Promise<Map<string, DeliveryDayDoc>> {
    if (days.length === 0) return new Map();
    await this.written();
    const docs = await this.collection.find({ _id: { $in: days.map((day) => dayId(day, scope)) } }).toArray();
    return new Map(docs.map((doc) => [doc._id.split('|')[1]!, doc as DeliveryDayDoc]));
  }

  /** Per hour of one scope, the minutes that hold messages and how many (hours without any are absent). */
  async minutes(hours: readonly string[], scope: Scope): Promise<Map<string, Record<string, number>>> {
    if (hours.length === 0) return new Map();
    await this.written();
    const docs = await this.collection.find({ _id: { $in: hours.map((hour) => hourId(hour, scope)) } }).toArray();
    return new Map(docs.map((doc) => [doc._id.split('|')[1]!, (doc as DeliveryHourDoc).m ?? {}]));
  }

  /**
   * What this process holds, written before a read (nothing to wait for most of the time).
   * If the write fails the read shows the figures without them; the retry is logged and under way.
   */
  private async written(): Promise<void> {
    if (this.pending.size > 0 || this.timer) await this.flush().catch(() => undefined);
    else await this.flushing;
  }
}
