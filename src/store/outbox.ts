import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';

/** When an entry's lease ends; entries written before leases existed have none and are free to take. */
function leaseEnd(entry: Pick<OutboxDoc, 'leaseUntil'>): number {
  return (entry.leaseUntil as Date | undefined)?.getTime() ?? 0;
}

/**
 * The outbox: one small document per accepted batch of messages, written before its
 * events and deleted once every event of the batch is applied to its profile and
 * dispatched to journeys. What is left in it after a crash (or while Temporal is down) is
 * exactly the work still owed, and the sweeper owes it.
 *
 * Each entry is leased: the process that opened it owns it until `leaseUntil`, renews the
 * lease while the batch is on its way, and any process's sweeper may take it over only
 * after it expired, with one atomic write that names the new owner. Several processes
 * therefore never work on one batch at once, however slow a batch is, and an orphaned
 * batch (its process killed) is taken by exactly one sweeper.
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
   * Records that these events are owed application and dispatch, leased to `owner` until
   * `leaseUntil`; returns the entry's id.
   */
  async open(eventIds: string[], now: Date, lease: { owner: string; until: Date }): Promise<string> {
    const id = `ob_${randomUUID()}`;
    await this.collection.insertOne({
      _id: id,
      eventIds: [...new Set(eventIds)],
      createdAt: now,
      owner: lease.owner,
      leaseUntil: lease.until,
    });
    return id;
  }

  async close(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  /** Every event of the batch is on its profiles (by its writer or by a recovery): only dispatch is owed. */
  async markApplied(id: string, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { appliedAt: now } });
  }

  /**
   * Extends the leases `owner` still holds on these entries. An entry taken over meanwhile
   * (the lease had expired) is not taken back.
   */
  async renew(ids: readonly string[], owner: string, until: Date): Promise<void> {
    if (ids.length > 0) await this.collection.updateMany({ _id: { $in: [...ids] }, owner }, { $set: { leaseUntil: until } });
  }

  /**
   * Takes over an entry whose lease expired before `now`: one write guarded by the lease
   * that was read, so of several sweepers racing for it exactly one wins. The entry as
   * taken, or null when it is gone, still leased, or another process took it first.
   */
  async takeOver(id: string, owner: string, now: Date, until: Date): Promise<OutboxDoc | null> {
    const entry = await this.collection.findOne({ _id: id });
    if (!entry || leaseEnd(entry) >= now.getTime()) return null;
    const taken = await this.collection.findOneAndUpdate(
      { _id: id, owner: entry.owner, leaseUntil: entry.leaseUntil },
      { $set: { owner, leaseUntil: until } },
      { returnDocument: 'after' },
    );
    return taken;
  }

  /**
   * The ids of entries whose lease expired before `now`, oldest first: their batch evidently
   * did not finish (a process killed, Temporal down, a failed write given up).
   *
   * Ids and times only, filtered and sorted here: the collection is small by design, and on
   * the embedded FerretDB reading whole entries (each lists its batch's event ids) while
   * batches open and close around the read could keep FerretDB busy for minutes (seen under
   * a sustained ingest with a 5 s sweep: every request stalled). `takeOver` reads the few
   * entries the sweeper then takes, by `_id`.
   */
  async findExpiredIds(now: Date, limit: number): Promise<string[]> {
    const entries = await this.collection.find({}, { projection: { _id: 1, createdAt: 1, leaseUntil: 1 } }).toArray();
    return entries
      .filter((entry) => leaseEnd(entry) < now.getTime())
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit)
      .map((entry) => entry._id);
  }

  /** How many entries opened at or before the instant are still open (a scan of the outbox, which stays small). */
  async countOpenedUpTo(at: Date): Promise<number> {
    const entries = await this.collection.find({}, { projection: { _id: 1, createdAt: 1 } }).toArray();
    return entries.filter((entry) => entry.createdAt.getTime() <= at.getTime()).length;
  }

  /**
   * The entries whose events are not yet all on their profiles, other than `owner`'s own
   * (its writer knows those): when each was opened and how many events it holds. What a
   * process waits for before it dispatches or reads (ingest/other-processes.ts).
   */
  async unappliedOfOthers(owner: string): Promise<{ openedAt: number; events: number }[]> {
    const entries = await this.collection.find({}, { projection: { _id: 1, createdAt: 1, owner: 1, appliedAt: 1, eventIds: 1 } }).toArray();
    return entries
      .filter((entry) => entry.appliedAt === undefined && entry.owner !== owner)
      .map((entry) => ({ openedAt: entry.createdAt.getTime(), events: entry.eventIds.length }));
  }

  /** The open entries among these ids: batches still owed (for a recovery's view of what other batches are doing). */
  async openAmong(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const entries = await this.collection.find({ _id: { $in: [...ids] } }, { projection: { _id: 1 } }).toArray();
    return new Set(entries.map((entry) => entry._id));
  }

  /**
   * How many entries are open and when the oldest was opened, for the metrics scrape:
   * ids and times only, as `findExpiredIds` reads them (a scan on FerretDB; the outbox is small by design).
   */
  async summary(): Promise<{ entries: number; oldestAt: Date | null }> {
    const entries = await this.collection.find({}, { projection: { _id: 1, createdAt: 1 } }).toArray();
    let oldest: Date | null = null;
    for (const entry of entries) if (!oldest || entry.createdAt < oldest) oldest = entry.createdAt;
    return { entries: entries.length, oldestAt: oldest };
  }

  findById(id: string): Promise<OutboxDoc | null> {
    return this.collection.findOne({ _id: id });
  }
}

/** An accepted batch whose events are not yet all applied to profiles and dispatched; see store/outbox.ts. */
export interface OutboxDoc {
  _id: string;
  eventIds: string[];
  createdAt: Date;
  /** The process working on the batch, until `leaseUntil`; past it, any process's sweeper may take the entry over. */
  owner: string;
  leaseUntil: Date;
  /** Set once every event of the batch is on its profiles: only the dispatch is owed still. */
  appliedAt?: Date;
}
