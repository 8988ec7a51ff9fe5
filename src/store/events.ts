import type { Collection, Db, Filter } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { insertManySkippingDuplicates } from './insert-many.js';
import type { EventDoc, EventType } from '../model.js';
import type { EventRetentionRule } from './retention.js';

export interface TimelineQuery {
  event?: string;
  type?: EventType;
  since?: Date;
  until?: Date;
  before?: { timestamp: Date; id: string };
  limit: number;
  /** The person's newest event time (their profile's `lastSeenAt`): lets the first page be read in a window too. */
  newest?: Date;
}

/**
 * Events, stored once per messageId. What is still owed to profiles and journeys is kept
 * apart, in the small `outbox` collection (outbox.ts).
 */
/** What segment facts are folded from (src/segments/facts.ts). */
export type FactSource = Pick<EventDoc, '_id' | 'profileId' | 'type' | 'event' | 'properties' | 'timestamp' | 'receivedAt' | 'outboxId'>;
const FACT_SOURCE = { profileId: 1, type: 1, event: 1, properties: 1, timestamp: 1, receivedAt: 1, outboxId: 1 } as const;

/** A timeline's first window, how each grows, and the reach past which the window is unbounded. */
const TIMELINE_FIRST_WINDOW_MS = 86_400_000;
const TIMELINE_WINDOW_GROWTH = 8;
const TIMELINE_LAST_WINDOW_MS = TIMELINE_FIRST_WINDOW_MS * 8 ** 5;

/**
 * The last instant whose time in milliseconds has 13 digits (2286-11-20): FerretDB searches
 * a date range in the index only between such bounds (src/infra/ferretdb-patch.ts).
 */
const LAST_13_DIGIT_MS = 9_999_999_999_999;

/**
 * The newest a timeline's match can be: the cursor's time (inclusive: its ties) or `until`
 * (exclusive), the earlier; else, when the person's newest event is before 2286, that year.
 */
function timelineTop(options: TimelineQuery): { at: Date; inclusive: boolean } | undefined {
  const { before, until, newest } = options;
  if (before && (!until || before.timestamp < until)) return { at: before.timestamp, inclusive: true };
  if (until) return { at: until, inclusive: false };
  if (newest && newest.getTime() <= LAST_13_DIGIT_MS) return { at: new Date(LAST_13_DIGIT_MS), inclusive: true };
  return undefined;
}

export class EventStore {
  private readonly collection: Collection<EventDoc>;

  constructor(db: Db) {
    this.collection = db.collection<EventDoc>(COLLECTIONS.events);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1, timestamp: -1 });
    // A deploy's backfill reads the events its new conditions name (`factSourcesNamed`).
    await this.collection.createIndex({ event: 1 });
  }

  /**
   * Inserts the events whose ids are not stored yet, in one request; returns the ids it
   * inserted. Repeats (duplicate ids) are skipped, any other failure throws.
   */
  async insertNew(docs: EventDoc[]): Promise<Set<string>> {
    if (docs.length === 0) return new Set();
    // A messageId repeated inside one batch: its first occurrence is the one stored.
    const seen = new Set<string>();
    const toInsert = docs.filter((doc) => !seen.has(doc._id) && seen.add(doc._id));
    const skipped = await insertManySkippingDuplicates(this.collection, toInsert);
    return new Set(toInsert.filter((_, index) => !skipped.has(index)).map((doc) => doc._id));
  }

  findById(id: string): Promise<EventDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** The event now belongs to another profile (its own was merged away while it was applied). */
  async assignProfile(eventId: string, profileId: string): Promise<void> {
    await this.collection.updateOne({ _id: eventId }, { $set: { profileId } });
  }

  /** A profile's tracked events, newest first, at most `limit`: what conditions on one profile read. */
  trackedOf(profileId: string, limit: number): Promise<Pick<EventDoc, '_id' | 'type' | 'event' | 'properties' | 'timestamp'>[]> {
    return this.collection
      .find({ profileId, type: 'track' }, { projection: { event: 1, type: 1, properties: 1, timestamp: 1 } })
      .sort({ timestamp: -1 })
      .limit(limit)
      .toArray();
  }

  /** Every event of a profile, with what counters are computed from, streamed. */
  countedOf(profileId: string): AsyncIterable<Pick<EventDoc, '_id' | 'type' | 'event' | 'properties'>> {
    return this.collection.find({ profileId }, { projection: { type: 1, event: 1, properties: 1 } });
  }

  /** Every event of a profile, with what segment facts are folded from, streamed (the sweeper's recovery). */
  factSourcesOf(profileId: string): AsyncIterable<FactSource> {
    return this.collection.find({ profileId }, { projection: FACT_SOURCE });
  }

  /**
   * Every stored event of these names (received in a span, if given), with what segment
   * facts are folded from, streamed (a deploy's backfill). The `event` index finds them (on FerretDB too), so a leaf about
   * orders reads the orders and none of the page views.
   */
  factSourcesNamed(names: readonly string[], received?: { after: Date; upTo: Date }): AsyncIterable<FactSource> {
    const filter: Filter<EventDoc> = { event: { $in: [...new Set(names)] } };
    if (received) filter.receivedAt = { $gt: received.after, $lte: received.upTo };
    return this.collection.find(filter, { projection: FACT_SOURCE });
  }

  async repoint(fromProfileId: string, toProfileId: string): Promise<number> {
    return (await this.collection.updateMany({ profileId: fromProfileId }, { $set: { profileId: toProfileId } })).modifiedCount;
  }

  /**
   * A profile's timeline, newest first, continuing after `before` (a cursor of timestamp and
   * id). Read in time windows going back, a day first and each window eight times the last,
   * until a page is found; the last window has no lower bound, so nothing older is missed.
   * On FerretDB a window is what keeps a busy person cheap: the `{profileId, timestamp}`
   * index finds the window's events and no others are read (src/infra/ferretdb-patch.ts),
   * where one query for the page read, decoded and sorted every event of the person
   * (seconds at 10,000 events). Without a newest time to start from (no cursor, `until` or
   * `newest`), one query reads the page as before.
   */
  async timeline(profileId: string, options: TimelineQuery): Promise<EventDoc[]> {
    const base: Filter<EventDoc> = { profileId };
    if (options.event !== undefined) base.event = options.event;
    if (options.type !== undefined) base.type = options.type;
    if (options.before) {
      const { timestamp, id } = options.before;
      base.$or = [{ timestamp: { $lt: timestamp } }, { timestamp, _id: { $lt: id } }];
    }
    const found: EventDoc[] = [];
    const top = timelineTop(options);
    if (!top) {
      const since = options.since ? { timestamp: { $gte: options.since } } : {};
      return this.collection
        .find({ ...base, ...since })
        .sort({ timestamp: -1, _id: -1 })
        .limit(options.limit)
        .toArray();
    }
    let high: { at: Date; inclusive: boolean } = top;
    let reach = TIMELINE_FIRST_WINDOW_MS;
    for (;;) {
      const fromTime = Math.min(high.at.getTime(), Date.now()) - reach;
      const lowest = reach >= TIMELINE_LAST_WINDOW_MS ? undefined : new Date(fromTime);
      const low = options.since && (!lowest || lowest < options.since) ? options.since : lowest;
      const window: { $gte?: Date; $lt?: Date; $lte?: Date } = {};
      if (low) window.$gte = low;
      window[high.inclusive ? '$lte' : '$lt'] = high.at;
      const page = await this.collection
        .find({ ...base, timestamp: window })
        .sort({ timestamp: -1, _id: -1 })
        .limit(options.limit - found.length)
        .toArray();
      found.push(...page);
      // Done: a full page, the `since` bound reached, or the window without a lower bound read.
      if (found.length >= options.limit || !low || low === options.since) return found;
      high = { at: low, inclusive: false };
      reach *= TIMELINE_WINDOW_GROWTH;
    }
  }

  async deleteByIds(ids: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const _id of ids) deleted += (await this.collection.deleteOne({ _id })).deletedCount;
    return deleted;
  }

  /** Retention: the events a rule names, older than `cutoff`. On FerretDB this scans the events, once per run. */
  async deleteOlderThan(rule: EventRetentionRule, cutoff: Date): Promise<number> {
    return (await this.collection.deleteMany(olderThan(rule, cutoff))).deletedCount;
  }

  /** What `deleteOlderThan` would remove, removing nothing (the retention dry run). */
  countOlderThan(rule: EventRetentionRule, cutoff: Date): Promise<number> {
    return this.collection.countDocuments(olderThan(rule, cutoff));
  }

  async deleteByProfile(profileId: string): Promise<number> {
    return (await this.collection.deleteMany({ profileId })).deletedCount;
  }

  /** Every event of these profile ids, in one delete: a search of the `profileId` index. */
  async deleteByProfiles(profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    return (await this.collection.deleteMany({ profileId: { $in: [...profileIds] } })).deletedCount;
  }

  /** Every event of these profile ids, read in batches (an export): a search of the `profileId` index. */
  streamOfProfiles(profileIds: readonly string[]): AsyncIterable<EventDoc> {
    return this.collection.find({ profileId: { $in: [...profileIds] } }, { batchSize: 500 });
  }

  /** Erasure's inventory: a search of the `profileId` index. */
  countByProfiles(profileIds: readonly string[]): Promise<number> {
    return this.collection.countDocuments({ profileId: { $in: [...profileIds] } });
  }

  /** Retention's batched inventory: each profile id's events, counted from one search of the `profileId` index. */
  async countPerProfile(profileIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (profileIds.length === 0) return counts;
    const found = this.collection.find({ profileId: { $in: [...profileIds] } }, { projection: { _id: 0, profileId: 1 }, batchSize: 5000 });
    for await (const { profileId } of found) counts.set(profileId, (counts.get(profileId) ?? 0) + 1);
    return counts;
  }
}

/** The events a retention rule removes: one filter for the run and its dry run, so they agree. */
function olderThan(rule: EventRetentionRule, cutoff: Date): Filter<EventDoc> {
  return {
    timestamp: { $lt: cutoff },
    ...(rule.event !== undefined ? { event: rule.event } : {}),
    ...(rule.type !== undefined ? { type: rule.type } : {}),
  };
}
