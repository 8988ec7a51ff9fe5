import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from 'mongodb';
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

export class DeliveryCountStore {
  private readonly collection: Collection<DeliveryDayDoc | DeliveryHourDoc>;

  constructor(db: Db) {
    this.collection = db.collection<DeliveryDayDoc | DeliveryHourDoc>(COLLECTIONS.deliveryCounts);
  }

  /**
   * Counts what just happened to a message, in one round trip: that it was first recorded
   * at `listedAt` (its minute joins the list's index), and/or an outcome on `at`'s day.
   * The caller calls this once per real transition (DeliveryStore decides that).
   */
  async count(message: CountedMessage, what: { listedAt?: Date; outcome?: DeliveryOutcome; at: Date }): Promise<void> {
    const ops: AnyBulkWriteOperation<DeliveryDayDoc | DeliveryHourDoc>[] = [];
    if (what.listedAt) {
      const hour = hourOf(what.listedAt);
      const minute = minuteOf(what.listedAt).slice(14);
      for (const scope of scopesOf(message, true))
        ops.push({ updateOne: { filter: { _id: hourId(hour, scope) }, update: { $inc: { [`m.${minute}`]: 1 } }, upsert: true } });
    }
    if (what.outcome) {
      const day = dayOf(what.at);
      for (const scope of scopesOf(message, false))
        ops.push({
          updateOne: { filter: { _id: dayId(day, scope) }, update: { $inc: { [`${message.channel}.${what.outcome}`]: 1 } }, upsert: true },
        });
    }
    if (ops.length > 0) await this.collection.bulkWrite(ops, { ordered: false });
  }

  /**
   * Counts many messages' changes in one round trip (a broadcast's batch): the same
   * increments as `count` for each, summed per document and field first.
   */
  async countMany(changes: readonly CountedChange[]): Promise<void> {
    const increments = new Map<string, Map<string, number>>();
    const add = (id: string, field: string) => {
      const fields = increments.get(id) ?? new Map<string, number>();
      fields.set(field, (fields.get(field) ?? 0) + 1);
      increments.set(id, fields);
    };
    for (const { message, listedAt, outcome, at } of changes) {
      if (listedAt) for (const scope of scopesOf(message, true)) add(hourId(hourOf(listedAt), scope), `m.${minuteOf(listedAt).slice(14)}`);
      if (outcome) for (const scope of scopesOf(message, false)) add(dayId(dayOf(at), scope), `${message.channel}.${outcome}`);
    }
    let ops: AnyBulkWriteOperation<DeliveryDayDoc | DeliveryHourDoc>[] = [...increments].map(([id, fields]) => ({
      updateOne: { filter: { _id: id }, update: { $inc: Object.fromEntries(fields) }, upsert: true },
    }));
    // A document created by a racing batch between our read and insert refuses that one
    // upsert (duplicate key); the others took. The refused ones go again, and find it.
    for (let tries = 1; ops.length > 0; tries++) {
      try {
        await this.collection.bulkWrite(ops, { ordered: false });
        return;
      } catch (error) {
        if (!(error instanceof MongoBulkWriteError) || tries === 3) throw error;
        const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
        if (failures.some((failure) => failure.code !== 11000)) throw error;
        ops = failures.map((failure) => ops[failure.index]!);
      }
    }
  }

  /** The day documents of one scope (days without messages are absent). */
  async days(days: readonly string[], scope: Scope): Promise<Map<string, DeliveryDayDoc>> {
    if (days.length === 0) return new Map();
    const docs = await this.collection.find({ _id: { $in: days.map((day) => dayId(day, scope)) } }).toArray();
    return new Map(docs.map((doc) => [doc._id.split('|')[1]!, doc as DeliveryDayDoc]));
  }

  /** Per hour of one scope, the minutes that hold messages and how many (hours without any are absent). */
  async minutes(hours: readonly string[], scope: Scope): Promise<Map<string, Record<string, number>>> {
    if (hours.length === 0) return new Map();
    const docs = await this.collection.find({ _id: { $in: hours.map((hour) => hourId(hour, scope)) } }).toArray();
    return new Map(docs.map((doc) => [doc._id.split('|')[1]!, (doc as DeliveryHourDoc).m ?? {}]));
  }
}
