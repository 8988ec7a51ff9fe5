import type { Collection, Db } from 'mongodb';
import type { PrivacyRequestDoc, PrivacyRequestStatus } from '../model.js';

/** The audit trail of privacy requests: ids, states, timestamps and counts, no personal data. */
export class PrivacyRequestStore {
  readonly collection: Collection<PrivacyRequestDoc>;

  constructor(db: Db) {
    this.collection = db.collection<PrivacyRequestDoc>('privacy_requests');
  }

  async create(doc: PrivacyRequestDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  findById(id: string): Promise<PrivacyRequestDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  async setStatus(id: string, status: PrivacyRequestStatus, now: Date, removed?: PrivacyRequestDoc['removed']): Promise<void> {
    const set = { status, updatedAt: now, ...(removed ? { removed } : {}) };
    // A completed erasure keeps its audit record (what was removed, when) but forgets
    // whose profile it was: nothing left in the database points back at the person.
    const update = status === 'completed' ? { $set: set, $unset: { profileId: '' as const } } : { $set: set };
    await this.collection.updateOne({ _id: id }, update);
  }
}
