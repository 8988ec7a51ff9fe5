import type { Collection, Db } from 'mongodb';
import type { PrivacyRequestDoc, PrivacyRequestStatus } from '../model.js';
import { COLLECTIONS } from './collections.js';

/** The audit trail of privacy requests: ids, states, timestamps and counts, no personal data. */
export class PrivacyRequestStore {
  private readonly collection: Collection<PrivacyRequestDoc>;

  constructor(db: Db) {
    this.collection = db.collection<PrivacyRequestDoc>(COLLECTIONS.privacyRequests);
  }

  async create(doc: PrivacyRequestDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  findById(id: string): Promise<PrivacyRequestDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Requests accepted before `olderThan` whose workflow evidently never started. */
  findStalePending(olderThan: Date, limit: number): Promise<PrivacyRequestDoc[]> {
    return this.collection.find({ status: 'pending', createdAt: { $lt: olderThan } }).limit(limit).toArray();
  }

  async setStatus(id: string, status: PrivacyRequestStatus, now: Date, removed?: PrivacyRequestDoc['removed']): Promise<void> {
    const set = { status, updatedAt: now, ...(removed ? { removed } : {}) };
    // A completed erasure keeps its audit record (what was removed, when) but forgets
    // whose profile it was: nothing left in the database points back at the person.
    const update = status === 'completed' ? { $set: set, $unset: { profileId: '' as const } } : { $set: set };
    await this.collection.updateOne({ _id: id }, update);
  }
}
