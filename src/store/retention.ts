import type { Collection, Db } from 'mongodb';
import type { RetentionPolicyDoc } from '../model.js';
import { COLLECTIONS } from './collections.js';

/** The retention policy: one document, and what its last run removed. */
export class RetentionStore {
  private readonly policies: Collection<RetentionPolicyDoc>;

  constructor(db: Db) {
    this.policies = db.collection<RetentionPolicyDoc>(COLLECTIONS.retention);
  }

  policy(): Promise<RetentionPolicyDoc | null> {
    return this.policies.findOne({ _id: 'policy' });
  }

  async setPolicy(policy: Pick<RetentionPolicyDoc, 'events' | 'inactivePeopleDays'>, now: Date): Promise<void> {
    const unset = policy.inactivePeopleDays === undefined ? { $unset: { inactivePeopleDays: '' as const } } : {};
    await this.policies.updateOne({ _id: 'policy' }, { $set: { events: policy.events, updatedAt: now, ...(policy.inactivePeopleDays === undefined ? {} : { inactivePeopleDays: policy.inactivePeopleDays }) }, ...unset }, { upsert: true });
  }

  async recordRun(run: NonNullable<RetentionPolicyDoc['lastRun']>): Promise<void> {
    await this.policies.updateOne({ _id: 'policy' }, { $set: { lastRun: run } });
  }
}
