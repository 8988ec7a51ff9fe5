import type { Collection, Db, UpdateFilter } from 'mongodb';
import { FINAL_DELIVERY_STATUSES, type DeliveryStatus, type OutgoingMessage, type QueuedMessage } from '../model.js';
import { COLLECTIONS } from './collections.js';
import { insertManySkippingDuplicates } from './insert-many.js';
import { DeliveryCountStore, hourOf, minuteOf, type DeliveryOutcome, type Scope } from './delivery-counts.js';

/** `YYYY-MM-DD` minus some days. */
function dayBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A person's frequency-cap slots, by profile id. Until 2026-12-07 it also listed the keys
 * of the person's journey messages; messages are now found by the indexed `profileId` of
 * their own documents, and `keys` (still read, so nothing listed before is missed; each of
 * those messages carries its `profileId` as well) is no longer written.
 */
interface ProfileMessagesDoc {
  _id: string;
  keys?: string[];
  /** Frequency-cap slots: `<channel>|<local day>` → the keys of the marketing messages sent in it. */
  slots?: Record<string, string[]>;
}

/** How many days of cap slots a person's document keeps: older ones can no longer count. */
const SLOT_DAYS = 7;

/**
 * Messages, one document per message key: what a run decided to send and everything that
 * happened to it since (its history), so a retried or restarted send finds where it was.
 * A message sent under a profile id later merged away keeps that id; readers take the
 * profile's merged ids too, so a merge writes nothing here.
 */
export class DeliveryStore {
  private readonly collection: Collection<DeliveryDoc>;
  private readonly byProfile: Collection<ProfileMessagesDoc>;
  /** The console's counters, moved here where statuses move and nowhere else. */
  readonly counts: DeliveryCountStore;

  constructor(db: Db) {
    this.collection = db.collection<DeliveryDoc>(COLLECTIONS.deliveries);
    this.byProfile = db.collection<ProfileMessagesDoc>(COLLECTIONS.profileMessages);
    this.counts = new DeliveryCountStore(db);
  }

  /**
   * Takes one of `max` slots of the person's channel and local day for the message, once
   * per key (a retried send keeps its slot). False when the day's slots are all taken.
   * The write is guarded by the slot list's length, so two sends racing for the last slot
   * (in one process or several) cannot both take it: the loser reads again and decides.
   */
  async takeSlot(profileId: string, channel: string, day: string, key: string, max: number): Promise<boolean> {
    const slot = `${channel}|${day}`;
    for (let tries = 1; ; tries++) {
      const doc = await this.byProfile.findOne({ _id: profileId }, { projection: { slots: 1 } });
      const taken = doc?.slots?.[slot] ?? [];
      if (taken.includes(key)) return true;
      if (taken.length >= max) return false;
      // Slots of days long past are dropped on the way.
      const stale = Object.keys(doc?.slots ?? {}).filter(
        (name) => name.startsWith(`${channel}|`) && name < `${channel}|${dayBefore(day, SLOT_DAYS)}`,
      );
      try {
        const result = await this.byProfile.updateOne(
          { _id: profileId, [`slots.${slot}.${max - 1}`]: { $exists: false } },
          {
            $addToSet: { [`slots.${slot}`]: key },
            ...(stale.length > 0 ? { $unset: Object.fromEntries(stale.map((name) => [`slots.${name}`, ''])) } : {}),
          },
          { upsert: !doc },
        );
        if (result.modifiedCount + result.upsertedCount === 1) return true;
      } catch (error) {
        // Created by a racing send between the read and the upsert: read again.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      if (tries === 5) throw new Error(`the frequency-cap slots of ${profileId} changed under 5 tries in a row`);
    }
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1 });
    // The list reads a few minutes' messages by this equality (our FerretDB searches the index).
    await this.collection.createIndex({ bucket: 1 });
  }

  async findById(key: string): Promise<DeliveryDoc | null> {
    return this.collection.findOne({ _id: key });
  }

  /** Many messages by key in one read (an `$in` of the `_id` index); a key never recorded is absent. */
  async findByKeys(keys: readonly string[]): Promise<Map<string, DeliveryDoc>> {
    if (keys.length === 0) return new Map();
    const docs = await this.collection.find({ _id: { $in: [...keys] } }).toArray();
    return new Map(docs.map((doc) => [doc._id, doc]));
  }

  /**
   * Records the first step of many messages never recorded (a broadcast's batch) in one
   * insert, each document as `advance` would create it (found under the person, as every
   * message, by the indexed `profileId`). The console's counters move once for the batch. Returns
   * the keys another attempt recorded meanwhile, left as they are (the caller reads them).
   */
  async recordFirst(steps: readonly BatchStep[]): Promise<Set<string>> {
    const docs = steps.map(({ request, step, extra = {} }) => {
      const { key, ...message } = request;
      return {
        ...message,
        _id: key,
        queuedAt: step.at,
        bucket: minuteOf(step.at),
        status: step.status,
        updatedAt: step.at,
        ...(step.detail ? { detail: step.detail } : {}),
        ...extra,
        ...(step.status === 'sending' ? { attempts: 1 } : {}),
        history: [step],
      } as DeliveryDoc;
    });
    const skipped = await insertManySkippingDuplicates(this.collection, docs);
    this.counts.countMany(
      steps
        .filter((_, index) => !skipped.has(index))
        .map(({ request, step }) => {
          const outcome = outcomeOf(step.status, step.detail);
          return { message: countedOf(request), listedAt: step.at, ...(outcome ? { outcome } : {}), at: step.at };
        }),
    );
    return new Set([...skipped].map((index) => steps[index]!.request.key));
  }

  /**
   * One step for many recorded messages (a broadcast's batch: all claimed, all sent) in one
   * update through the `_id` index, as `advance` takes it for each: a message in a final
   * state is left as it is. Returns the keys it moved. When the update moved fewer than
   * asked (another attempt made some final meanwhile), the messages are read back to tell
   * which: those carrying this very step. The console's counters move for the moved ones.
   */
  async advanceAll(
    requests: readonly OutgoingMessage[],
    step: DeliveryStep,
    extra: Partial<Pick<DeliveryDoc, 'sentAt' | 'answer'>> = {},
  ): Promise<Set<string>> {
    const moved = new Set<string>();
    for (let start = 0; start < requests.length; start += IN_AT_MOST) {
      const keys = requests.slice(start, start + IN_AT_MOST).map((request) => request.key);
      const result = await this.collection.updateMany({ _id: { $in: keys }, status: { $nin: [...FINAL_DELIVERY_STATUSES] } }, {
        $set: { status: step.status, updatedAt: step.at, ...(step.detail ? { detail: step.detail } : {}), ...extra },
        ...(step.status === 'sending' ? { $inc: { attempts: 1 } } : {}),
        $push: { history: step },
      } as UpdateFilter<DeliveryDoc>);
      if (result.modifiedCount === keys.length) for (const key of keys) moved.add(key);
      else
        for (const doc of (await this.findByKeys(keys)).values())
          if (doc.status === step.status && doc.updatedAt?.getTime() === step.at.getTime()) moved.add(doc._id);
    }
    const outcome = outcomeOf(step.status, step.detail);
    if (outcome)
      this.counts.countMany(
        requests.filter((request) => moved.has(request.key)).map((request) => ({ message: countedOf(request), outcome, at: step.at })),
      );
    return moved;
  }

  /**
   * Records a step of the message, creating it on its first: the status moves, the step
   * joins the history. A message in a final state is left as it is and returned, so the
   * caller (a retried or restarted send) does nothing twice; null when the step was taken.
   * One write: the filter skips a final message, whose `_id` then refuses the upsert.
   *
   * The console's counters move here, after the write and only when it took the step: the
   * first record lists the message under its minute, and a final state counts its outcome.
   * A repeated final step is refused by the filter, so it counts nothing. The counts are
   * written behind (DeliveryCountStore): the step costs this one write; a crash loses the
   * counts gathered since the last second's write (the chart's, never the message's).
   */
  async advance(
    request: OutgoingMessage,
    step: DeliveryStep,
    extra: Partial<Pick<DeliveryDoc, 'sentAt' | 'answer'>> = {},
  ): Promise<DeliveryDoc | null> {
    const { key, ...message } = request;
    const update = {
      $setOnInsert: { ...message, queuedAt: step.at, bucket: minuteOf(step.at) },
      $set: { status: step.status, updatedAt: step.at, ...(step.detail ? { detail: step.detail } : {}), ...extra },
      ...(step.status === 'sending' ? { $inc: { attempts: 1 } } : {}),
      $push: { history: step },
    };
    let inserted: boolean;
    try {
      const result = await this.collection.updateOne(
        { _id: key, status: { $nin: [...FINAL_DELIVERY_STATUSES] } },
        update as UpdateFilter<DeliveryDoc>,
        { upsert: true },
      );
      inserted = result.upsertedCount === 1;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      return this.findById(key);
    }
    const outcome = outcomeOf(step.status, step.detail);
    if (inserted || outcome)
      this.counts.count(countedOf(request), {
        ...(inserted ? { listedAt: step.at } : {}),
        ...(outcome ? { outcome } : {}),
        at: step.at,
      });
    return null;
  }

  /**
   * A one-click unsubscribe from this message: noted on it once (`unsubscribedAt`) and
   * counted once, however often the link is clicked. False when the message is gone
   * (erased) or was noted before.
   */
  async recordUnsubscribe(key: string, at: Date): Promise<boolean> {
    // The guarded update alone decides that it counts; then a read of what to count it under.
    const result = await this.collection.updateOne({ _id: key, unsubscribedAt: { $exists: false } }, { $set: { unsubscribedAt: at } });
    if (result.modifiedCount !== 1) return false;
    const doc = await this.collection.findOne({ _id: key }, { projection: { channel: 1, name: 1, journey: 1, broadcast: 1 } });
    if (!doc) return false;
    this.counts.count(countedOf(doc), { outcome: 'unsubscribed', at });
    return true;
  }

  /**
   * One page of messages, newest first (by `queuedAt`, then key), without reading the
   * collection: the scope's hour documents say which minutes hold messages, and only those
   * minutes' messages are read (by the indexed `bucket`), a few minutes at a time, until
   * the page is full. Filters the index cannot answer (status) are applied to what is read;
   * reading stops after `budget` messages, and the cursor then says where to go on.
   */
  async page(query: DeliveryPageQuery): Promise<DeliveryPage> {
    const { from, to, limit, after } = query;
    const upper = after && after.at < to ? after.at : to;
    const found: DeliveryDoc[] = [];
    let scanned = 0;
    const before = (doc: DeliveryDoc) =>
      !after || doc.queuedAt < after.at || (doc.queuedAt.getTime() === after.at.getTime() && doc._id < after.key);
    const hours: string[] = [];
    for (let t = Math.floor(upper.getTime() / HOUR_MS) * HOUR_MS; t >= Math.floor(from.getTime() / HOUR_MS) * HOUR_MS; t -= HOUR_MS)
      hours.push(hourOf(new Date(t)));
    // The newest hours first in small reads (a busy day fills a page from them), then a week at a time.
    for (let i = 0, read = 0; i < hours.length; i += HOURS_READ[Math.min(read, HOURS_READ.length - 1)]!, read++) {
      const chunk = hours.slice(i, i + HOURS_READ[Math.min(read, HOURS_READ.length - 1)]!);
      const counted = await this.counts.minutes(chunk, query.scope);
      // The minutes that hold messages, newest first, within the window.
      const minutes = chunk.flatMap((hour) =>
        Object.entries(counted.get(hour) ?? {})
          .filter(([, n]) => n > 0)
          .map(([minute, n]) => ({ minute: `${hour}:${minute}`, n }))
          .filter(({ minute }) => {
            const start = Date.parse(`${minute}:00Z`);
            return start <= upper.getTime() && start + MINUTE_MS > from.getTime();
          })
          .sort((a, b) => (a.minute < b.minute ? 1 : -1)),
      );
      let m = 0;
      while (m < minutes.length) {
        // Enough minutes for the rest of the page (by their counts), at most 100 per read.
        const group: string[] = [];
        let expected = 0;
        while (m < minutes.length && group.length < 100 && expected <= limit - found.length) {
          group.push(minutes[m]!.minute);
          expected += minutes[m]!.n;
          m++;
        }
        const docs = await this.collection.find({ bucket: { $in: group }, ...query.equal }).toArray();
        scanned += docs.length;
        const matching = docs
          .filter((doc) => doc.queuedAt >= from && doc.queuedAt <= to && before(doc) && (!query.match || query.match(doc)))
          .sort(newestFirst);
        found.push(...matching);
        if (found.length > limit) {
          const shown = found.slice(0, limit);
          const last = shown.at(-1)!;
          return { docs: shown, next: { at: last.queuedAt, key: last._id }, scanned, partial: false };
        }
        if (scanned >= query.budget && m < minutes.length) {
          // Everything from the oldest minute read on has been looked at: go on before it.
          return { docs: found, next: { at: new Date(Date.parse(`${group.at(-1)!}:00Z`)), key: '' }, scanned, partial: true };
        }
      }
      if (scanned >= query.budget && i + chunk.length < hours.length) {
        const oldest = chunk.at(-1)!;
        return { docs: found, next: { at: new Date(Date.parse(`${oldest}:00:00Z`)), key: '' }, scanned, partial: true };
      }
    }
    return { docs: found, next: null, scanned, partial: false };
  }

  /** The person's messages under any of their ids, newest first. */
  async ofProfiles(profileIds: readonly string[]): Promise<DeliveryDoc[]> {
    const indexes = await this.byProfile.find({ _id: { $in: [...profileIds] } }).toArray();
    const keys = indexes.flatMap((index) => index.keys ?? []);
    // By the indexed `profileId` (every message), and those listed under the person before 2026-12-07.
    const [listed, unlisted] = await Promise.all([
      keys.length === 0 ? [] : this.collection.find({ _id: { $in: keys } }).toArray(),
      this.collection.find({ profileId: { $in: [...profileIds] } }).toArray(),
    ]);
    const docs = new Map([...listed, ...unlisted].map((doc) => [doc._id, doc]));
    return [...docs.values()].sort((a, b) => b.queuedAt.getTime() - a.queuedAt.getTime());
  }

  /**
   * Erasure: every message of any of the person's ids (their own and those they
   * absorbed), by the `profileId` index, and any listed under the person's document
   * before 2026-12-07 (by `_id`).
   */
  async countByProfiles(profileIds: readonly string[]): Promise<number> {
    const indexes = await this.byProfile.find({ _id: { $in: [...profileIds] } }).toArray();
    const keys = new Set(indexes.flatMap((index) => index.keys ?? []));
    for (const doc of await this.collection.find({ profileId: { $in: [...profileIds] } }, { projection: { _id: 1 } }).toArray())
      keys.add(doc._id);
    return keys.size;
  }

  /** Retention's batched inventory: each profile's messages, counted as `countByProfiles` counts one person's. */
  async countPerProfile(profileIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const keys = new Map<string, Set<string>>();
    if (profileIds.length === 0) return keys;
    const add = (profileId: string, key: string) => keys.set(profileId, (keys.get(profileId) ?? new Set()).add(key));
    for (const index of await this.byProfile.find({ _id: { $in: [...profileIds] } }).toArray())
      for (const key of index.keys ?? []) add(index._id, key);
    for (const doc of await this.collection
      .find({ profileId: { $in: [...profileIds] } }, { projection: { _id: 1, profileId: 1 } })
      .toArray())
      add(doc.profileId, doc._id);
    return keys;
  }

  async deleteByProfiles(profileIds: string[]): Promise<number> {
    const indexes = await this.byProfile.find({ _id: { $in: profileIds } }).toArray();
    const keys = indexes.flatMap((index) => index.keys ?? []);
    let deleted = keys.length === 0 ? 0 : (await this.collection.deleteMany({ _id: { $in: keys } })).deletedCount;
    deleted += (await this.collection.deleteMany({ profileId: { $in: profileIds } })).deletedCount;
    await this.byProfile.deleteMany({ _id: { $in: profileIds } });
    return deleted;
  }
}

/** Keys per `$in`: our FerretDB searches the `_id` index for an `$in` of at most 1,000 strings. */
const IN_AT_MOST = 500;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Hour documents read per round trip: 6 hours, then a day, then a week at a time. */
const HOURS_READ = [6, 24, 168] as const;

const newestFirst = (a: DeliveryDoc, b: DeliveryDoc) =>
  b.queuedAt.getTime() - a.queuedAt.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);

/**
 * What a status counts as on the chart: a final state, and among failures the receiving
 * mail server's permanent refusal (`smtp 5xx`: no such mailbox, refused) as a bounce. Only
 * synchronous bounces exist: Itinera hands mail to an SMTP server and reads its answer; it
 * has no intake for delayed bounce reports (DSNs) or complaints (feedback loops).
 */
export function outcomeOf(status: DeliveryStatus, detail: string | undefined): DeliveryOutcome | undefined {
  switch (status) {
    case 'sent':
      return 'sent';
    case 'failed':
      return isBounce(detail) ? 'bounced' : 'failed';
    case 'skipped':
      return 'skipped';
    case 'not-configured':
      return 'notConfigured';
    default:
      return undefined;
  }
}

export const isBounce = (detail: string | undefined) => detail !== undefined && /^smtp 5\d\d\b/.test(detail);

function countedOf(message: Pick<DeliveryDoc, 'channel' | 'name'> & { journey?: string; broadcast?: string }) {
  return {
    channel: message.channel,
    name: message.name,
    ...(message.journey !== undefined ? { journey: message.journey } : {}),
    ...(message.broadcast !== undefined ? { broadcast: message.broadcast } : {}),
  };
}

export interface DeliveryPageQuery {
  from: Date;
  to: Date;
  /** Whose hour documents say where messages are: `*`, or the journey, broadcast or template filtered on. */
  scope: Scope;
  /** Equalities the database applies to the minutes read (journey, broadcast, template). */
  equal: Partial<Pick<DeliveryDoc, 'journey' | 'broadcast' | 'name'>>;
  /** Applied to what is read (status). */
  match?: (doc: DeliveryDoc) => boolean;
  limit: number;
  /** The previous page's `next`. */
  after?: { at: Date; key: string };
  /** Messages read at most before answering with what was found. */
  budget: number;
}

export interface DeliveryPage {
  docs: DeliveryDoc[];
  /** Where the next page starts; null: nothing older in the window. */
  next: { at: Date; key: string } | null;
  scanned: number;
  /** The budget ran out before the page filled: fewer shown, more may follow. */
  partial: boolean;
}

/** One message's step in `advanceMany`, with what a final step adds (as `advance`'s `extra`). */
export interface BatchStep {
  request: OutgoingMessage;
  step: DeliveryStep;
  extra?: Partial<Pick<DeliveryDoc, 'sentAt' | 'answer'>>;
}

export interface DeliveryStep {
  status: DeliveryStatus;
  at: Date;
  /** Why, as a code: `consent`, `quiet hours`, `smtp 550`, `http 503`, `template missing`. */
  detail?: string;
  /** A deferred message's send time. */
  until?: Date;
  attempt?: number;
}

/** One document per message, under the message's key (its Message-ID and Idempotency-Key derive from it). */
export interface DeliveryDoc extends Omit<QueuedMessage, 'key'> {
  _id: string;
  status: DeliveryStatus;
  queuedAt: Date;
  journey?: string;
  rulesVersion?: number;
  step?: string;
  /** A broadcast's e-mail: the broadcast's name. */
  broadcast?: string;
  /** A confirmation e-mail: the purpose and the pending record it confirms. */
  purpose?: string;
  confirms?: string;
  attempts?: number;
  history?: DeliveryStep[];
  sentAt?: Date;
  /** The last outcome's code, as in `history`. */
  detail?: string;
  /** A webhook receiver's answer (status and up to 1,000 characters of body). */
  answer?: { status: number; body: string };
  updatedAt?: Date;
  /** The minute it was first recorded (`2026-12-07T03:07`, UTC): the list reads messages by it. Absent on messages recorded before it existed. */
  bucket?: string;
  /** When the person unsubscribed through this message's link (the first click). */
  unsubscribedAt?: Date;
}
