import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { OutboxDoc } from '../model.js';
import { COLLECTIONS } from './collections.js';

/**
 * The outbox: one small document per accepted batch of messages, written before its
 * events and deleted once every event of the batch is applied to its profile and
 * dispatched to journeys. What is left in it after a crash (or while Temporal is down) is
 * exactly the work still owed, and the sweeper owes it.
 *
 * Why per batch and not a flag on each event: a flag costs one write per event to clear,
 * and finding the flagged events scans the whole `events` collection on FerretDB (which
 * answers only `_id` lookups from an index). This collection holds only work in flight, so
 * scanning it stays cheap however many events are stored.
 */
export class OutboxStore {
  private readonly collection: Collection<OutboxDoc>;

  constructor(db: Db) {
    this.collection = db.collection<OutboxDoc>(COLLECTIONS.outbox);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ createdAt: 1 });
  }

  /**
   * Records that these events are owed application and dispatch, and that these new
   * profiles were created holding them; returns the entry's id.
   */
  async open(eventIds: string[], now: Date, createdProfileIds: string[] = []): Promise<string> {
    const id = `ob_${randomUUID()}`;
    await this.collection.insertOne({
      _id: id, eventIds: [...new Set(eventIds)], ...(createdProfileIds.length > 0 ? { createdProfileIds } : {}), createdAt: now,
    });
    return id;
  }

  async close(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  /** The sweeper has re-applied this entry's events to their profiles; it need not again. */
  async markRecovered(id: string, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { recoveredAt: now } });
  }

  /**
   * The ids of entries opened before `olderThan`, oldest first: their batch evidently did
   * not finish (crash, Temporal down), unless a process still works on it.
   *
   * Ids and times only, filtered and sorted here: the collection is small by design, and on
   * the embedded FerretDB reading whole entries (each lists its batch's event ids) while
   * batches open and close around the read could keep FerretDB busy for minutes (seen under
   * a sustained ingest with a 5 s sweep: every request stalled). `findById` reads the few
   * entries the sweeper then takes, by `_id`.
   */
  async findStaleIds(olderThan: Date, limit: number): Promise<string[]> {
    const entries = await this.collection.find({}, { projection: { _id: 1, createdAt: 1 } }).toArray();
    return entries
      .filter((entry) => entry.createdAt < olderThan)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit)
      .map((entry) => entry._id);
  }

  /** How many entries opened at or before the instant are still open (a scan of the outbox, which stays small). */
  async countOpenedUpTo(at: Date): Promise<number> {
    const entries = await this.collection.find({}, { projection: { _id: 1, createdAt: 1 } }).toArray();
    return entries.filter((entry) => entry.createdAt.getTime() <= at.getTime()).length;
  }

  findById(id: string): Promise<OutboxDoc | null> {
    return this.collection.findOne({ _id: id });
  }
}
