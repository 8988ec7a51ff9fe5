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
}

/**
 * Events, stored once per messageId. What is still owed to profiles and journeys is kept
 * apart, in the small `outbox` collection (outbox.ts).
 */
/** What segment facts are folded from (src/segments/facts.ts). */
export type FactSource = Pick<EventDoc, '_id' | 'profileId' | 'type' | 'event' | 'properties' | 'timestamp' | 'receivedAt' | 'outboxId'>;
const FACT_SOURCE = { profileId: 1, type: 1, event: 1, properties: 1, timestamp: 1, receivedAt: 1, outboxId: 1 } as const;

export class EventStore {
  private readonly collection: Collection<EventDoc>;

  constructor(db: Db) {
    this.collection = db.collection<EventDoc>(COLLECTIONS.events);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1, timestamp: -1 });
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

  /** Every stored event, with what segment facts are folded from, streamed: one scan (a deploy's backfill). */
  allFactSources(): AsyncIterable<FactSource> {
    return this.collection.find({}, { projection: FACT_SOURCE });
  }

  async repoint(fromProfileId: string, toProfileId: string): Promise<number> {
    return (await this.collection.updateMany({ profileId: fromProfileId }, { $set: { profileId: toProfileId } })).modifiedCount;
  }

  /** A profile's timeline, newest first, continuing after `before` (a cursor of timestamp and id). */
  async timeline(profileId: string, options: TimelineQuery): Promise<EventDoc[]> {
    const filter: Filter<EventDoc> = { profileId };
    if (options.event !== undefined) filter.event = options.event;
    if (options.type !== undefined) filter.type = options.type;
    const time: { $gte?: Date; $lt?: Date } = {};
    if (options.since) time.$gte = options.since;
    if (options.until) time.$lt = options.until;
    const conditions: Filter<EventDoc>[] = [filter];
    if (time.$gte || time.$lt) conditions.push({ timestamp: time });
    if (options.before) {
      const { timestamp, id } = options.before;
      conditions.push({ $or: [{ timestamp: { $lt: timestamp } }, { timestamp, _id: { $lt: id } }] });
    }
    return this.collection
      .find(conditions.length === 1 ? filter : { $and: conditions })
      .sort({ timestamp: -1, _id: -1 })
      .limit(options.limit)
      .toArray();
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
}

/** The events a retention rule removes: one filter for the run and its dry run, so they agree. */
function olderThan(rule: EventRetentionRule, cutoff: Date): Filter<EventDoc> {
  return {
    timestamp: { $lt: cutoff },
    ...(rule.event !== undefined ? { event: rule.event } : {}),
    ...(rule.type !== undefined ? { type: rule.type } : {}),
  };
}
