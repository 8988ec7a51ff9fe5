import type { Collection, Db, Filter } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { dayOf, hourOf, hoursOf, walkHours } from './hour-pages.js';
import type { ConsentOrigin, ConsentProof, ConsentRecordState } from '../model.js';

/** What the audit export filters the ledger by. */
export interface LedgerQuery {
  purpose?: string;
  profileId?: string;
  state?: ConsentRecordState;
  /** Records given at or after this instant / before that one. */
  from?: Date;
  to?: Date;
}

/** What a page of the ledger is filtered by; `after` is the cursor (where the previous page ended). */
export interface LedgerPageQuery {
  purpose?: string;
  profileId?: string;
  state?: ConsentRecordState;
  from?: Date;
  to?: Date;
  after?: LedgerPosition;
  limit: number;
}

/** A place in the ledger's order, newest first: by when the record was given, then by id. */
export interface LedgerPosition {
  at: Date;
  id: string;
}

/** True when `a` comes before `b` newest first. */
const newerThan = (a: LedgerPosition, b: LedgerPosition) =>
  a.at.getTime() > b.at.getTime() || (a.at.getTime() === b.at.getTime() && a.id > b.id);

/**
 * The consent ledger: append-only. A record is written once under an id derived from the
 * event that carried it, and never updated; only an erasure deletes records. A person's
 * records are found by id from the profile's `consentLog` (on FerretDB every other filter
 * scans the collection), so no read on the hot path depends on the ledger's size.
 */
export class ConsentLedgerStore {
  private readonly collection: Collection<StoredRecord>;
  private readonly daily: Collection<ConsentDayDoc>;

  constructor(db: Db) {
    this.collection = db.collection<StoredRecord>(COLLECTIONS.consentLedger);
    this.daily = db.collection<ConsentDayDoc>(COLLECTIONS.consentDaily);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ at: 1 });
    await this.collection.createIndex({ profileId: 1 });
    await this.ensurePagingIndex();
  }

  /** Paging searches records by hour (FerretDB too: an equality on an indexed field is a search there). */
  async ensurePagingIndex(): Promise<void> {
    await this.collection.createIndex({ hour: 1 });
  }

  /**
   * Writes the record unless its id is stored already (a retried or recovered event), and
   * returns the stored one: the record as first written is the one that counts.
   */
  async append(record: ConsentLedgerDoc): Promise<ConsentLedgerDoc> {
    try {
      await this.collection.insertOne({ ...record, hour: hourOf(record.at) });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      return (await this.collection.findOne({ _id: record._id })) ?? record;
    }
    // Counted only by the write that stored the record, so a repeat counts nothing; a crash
    // between the two writes loses one count (the chart's, never the ledger's).
    await this.countDay(record);
    return record;
  }

  private async countDay(record: ConsentLedgerDoc): Promise<void> {
    const day = record.at.toISOString().slice(0, 10);
    await this.daily.updateOne(
      { _id: consentDayId(record.purpose, day) },
      { $setOnInsert: { purpose: record.purpose, day }, $inc: { [record.state]: 1 } },
      { upsert: true },
    );
  }

  /**
   * Records written per purpose and day (the day the person gave them, UTC), for the given
   * purposes and days: `_id` lookups only, however long the ledger. Days without records
   * are left out.
   */
  async dailyCounts(purposes: readonly string[], days: readonly string[]): Promise<ConsentDayDoc[]> {
    const ids = purposes.flatMap((purpose) => days.map((day) => consentDayId(purpose, day)));
    if (ids.length === 0) return [];
    return this.daily.find({ _id: { $in: ids } }).toArray();
  }

  async findById(id: string): Promise<ConsentLedgerDoc | null> {
    const found = await this.collection.findOne({ _id: id });
    return found && withoutBucket(found);
  }

  /** The records with these ids, in the order of the ids (missing ones left out). */
  async findByIds(ids: readonly string[]): Promise<ConsentLedgerDoc[]> {
    const found = await Promise.all(ids.map((id) => this.collection.findOne({ _id: id })));
    return found.filter((record) => record !== null).map(withoutBucket);
  }

  /** The ledger for an audit, oldest first, streamed. On FerretDB this scans the collection (unless for one person). */
  stream(query: LedgerQuery): AsyncIterable<ConsentLedgerDoc> {
    const filter: Filter<StoredRecord> = {};
    // First: on FerretDB an equality on the person's indexed field is a search, the rest a scan.
    if (query.profileId !== undefined) filter.profileId = query.profileId;
    if (query.purpose !== undefined) filter.purpose = query.purpose;
    if (query.state !== undefined) filter.state = query.state;
    if (query.from !== undefined || query.to !== undefined)
      filter.at = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lt: query.to } : {}) };
    return this.collection.find(filter, { projection: { hour: 0 } }).sort({ at: 1, _id: 1 });
  }

  /**
   * A page of the ledger, newest first (by when the record was given), and whether more
   * follow. One person's records are a search of their index; otherwise the page reads
   * hour after hour back from the cursor (src/store/hour-pages.ts) over the days the daily
   * counters list for the purpose, so its cost is the hours read, not the ledger's length.
   */
  async page(query: LedgerPageQuery): Promise<{ records: ConsentLedgerDoc[]; more: boolean }> {
    const ends = [query.to?.getTime(), query.after ? query.after.at.getTime() + 1 : undefined].filter((t) => t !== undefined);
    const until = ends.length > 0 ? new Date(Math.min(...ends)) : undefined;
    const matches = (doc: ConsentLedgerDoc) =>
      (!query.after || newerThan(query.after, { at: doc.at, id: doc._id })) &&
      (!until || doc.at < until) &&
      (!query.from || doc.at >= query.from) &&
      (query.purpose === undefined || doc.purpose === query.purpose) &&
      (query.state === undefined || doc.state === query.state) &&
      (query.profileId === undefined || doc.profileId === query.profileId);
    const newestFirst = (docs: StoredRecord[]) =>
      docs
        .filter(matches)
        .map(withoutBucket)
        .sort((a, b) => (newerThan({ at: a.at, id: a._id }, { at: b.at, id: b._id }) ? -1 : 1));
    let found: ConsentLedgerDoc[];
    if (query.profileId !== undefined) {
      found = newestFirst(await this.collection.find({ profileId: query.profileId }).toArray());
    } else {
      const days = await this.daily.find(query.purpose === undefined ? {} : { purpose: query.purpose }).toArray();
      found = await walkHours({
        hours: days.flatMap((doc) => hoursOf(doc.day)),
        ...(until ? { before: until } : {}),
        ...(query.from ? { notBefore: query.from } : {}),
        read: async (hour) => newestFirst(await this.collection.find({ hour }).toArray()),
        wanted: query.limit + 1,
      });
    }
    return { records: found.slice(0, query.limit), more: found.length > query.limit };
  }

  /**
   * A migration (src/store/migrate.ts): records written before paging by hour get their
   * hour, and their purpose and day a counter document (created empty if missing: the
   * chart's counts are not rewritten). Reads the whole ledger once; safe to repeat.
   */
  async addHours(): Promise<number> {
    let added = 0;
    for await (const doc of this.collection.find({ hour: { $exists: false } })) {
      const day = dayOf(doc.at);
      await this.daily.updateOne(
        { _id: consentDayId(doc.purpose, day) },
        { $setOnInsert: { purpose: doc.purpose, day } },
        { upsert: true },
      );
      await this.collection.updateOne({ _id: doc._id }, { $set: { hour: hourOf(doc.at) } });
      added++;
    }
    return added;
  }

  /** Every record, in no particular order: rebuilding projections to check them. */
  all(): AsyncIterable<ConsentLedgerDoc> {
    return this.collection.find({});
  }

  /** Erasure: the records listed on the person's profile. */
  async deleteByIds(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    let deleted = 0;
    for (const id of ids) deleted += (await this.collection.deleteOne({ _id: id })).deletedCount;
    return deleted;
  }
}

/** A record as stored: with its hour bucket (`YYYY-MM-DDTHH`), which the page's readers never see. */
type StoredRecord = ConsentLedgerDoc & { hour?: string };
/** The record as readers see it (a person's export, the history, the pages): without the bucket. */
const withoutBucket = ({ hour: _hour, ...record }: StoredRecord): ConsentLedgerDoc => record;

/** The counter document of one purpose and day: `<day>|<purpose>`. */
export const consentDayId = (purpose: string, day: string) => `${day}|${purpose}`;

/**
 * Ledger records written for one purpose on one UTC day (by when the person gave them),
 * per state. Counts, no person: an erasure deletes the records and leaves these.
 */
export interface ConsentDayDoc {
  _id: string;
  purpose: string;
  /** `YYYY-MM-DD`. */
  day: string;
  granted?: number;
  denied?: number;
  revoked?: number;
  pending?: number;
}

/** One record of the consent ledger: immutable once written; only an erasure removes it. */
export interface ConsentLedgerDoc {
  /** `cr:<event id>:<purpose>`: the event that recorded it, so a repeat writes nothing new. */
  _id: string;
  /** The profile it was recorded for (a merge does not rewrite it; the survivor lists it in `consentLog`). */
  profileId: string;
  purpose: string;
  state: ConsentRecordState;
  /** When the person gave it (the message's time, never later than its arrival). */
  at: Date;
  /** When Itinera wrote it. */
  recordedAt: Date;
  /** Grants under a purpose with `expires after`: the terms given now are kept, whatever later rules say. */
  expiresAt?: Date;
  remindAt?: Date;
  origin: ConsentOrigin;
  proof: ConsentProof;
  /** The event on the person's timeline that carried it. */
  eventId: string;
  /** The purpose's current record when this one was written (its timers stop). */
  replaces?: string;
}
