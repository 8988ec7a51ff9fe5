import { randomUUID } from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import type { AuditDoc, AuditKind } from '../model.js';
import { COLLECTIONS } from './collections.js';

export type AuditEntry = Omit<AuditDoc, '_id' | 'profileId'>;

/** What an erasure leaves where an entry named the person. */
const ERASED = 'erased';
/** The person an entry concerns, if any. */
const personOf = (entry: Pick<AuditDoc, 'subject'>) =>
  typeof entry.subject?.profileId === 'string' && entry.subject.profileId !== ERASED ? entry.subject.profileId : undefined;

/**
 * The audit log: append-only entries of privacy actions, admin consent edits, deploys and
 * suppression changes. Ids sort by time, so a reader pages with `since`.
 */
export class AuditStore {
  private readonly collection: Collection<AuditDoc>;

  constructor(db: Db) {
    this.collection = db.collection<AuditDoc>(COLLECTIONS.audit);
  }

  /** The person's entries are a search of this index (erasure). */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1 });
  }

  /** Written under an id of its own unless `key` names it (a retried step then records once). */
  async record(entry: AuditEntry, key?: string): Promise<void> {
    const _id = `au_${String(entry.at.getTime()).padStart(13, '0')}_${key ?? randomUUID().slice(0, 8)}`;
    const profileId = personOf(entry);
    await this.collection.updateOne({ _id }, { $setOnInsert: { _id, ...entry, ...(profileId ? { profileId } : {}) } }, { upsert: true });
  }

  /**
   * A migration (src/store/migrate.ts): entries written before `profileId` was copied up
   * get it, so an erasure finds them by index. Reads the whole log once; safe to repeat.
   */
  async copyProfileIdsUp(): Promise<number> {
    let copied = 0;
    for await (const doc of this.collection.find({ 'subject.profileId': { $exists: true }, profileId: { $exists: false } })) {
      const profileId = personOf(doc);
      if (!profileId) continue;
      await this.collection.updateOne({ _id: doc._id }, { $set: { profileId } });
      copied++;
    }
    return copied;
  }

  /** Oldest first, from `since` on. On FerretDB this scans the log. */
  async list(query: { since?: Date; kind?: AuditKind; limit: number }): Promise<AuditDoc[]> {
    const filter: Filter<AuditDoc> = {};
    if (query.since) filter.at = { $gte: query.since };
    if (query.kind) filter.kind = query.kind;
    return this.collection.find(filter).sort({ at: 1, _id: 1 }).limit(query.limit).toArray();
  }

  /** Erasure: entries about the person keep what happened, not whom it concerned. */
  async forgetProfiles(profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    const result = await this.collection.updateMany(
      { profileId: { $in: [...profileIds] } },
      { $set: { 'subject.profileId': ERASED }, $unset: { profileId: '' } },
    );
    return result.modifiedCount;
  }
}
