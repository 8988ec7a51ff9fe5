import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import type { EventType } from '../model.js';

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
    await this.policies.updateOne(
      { _id: 'policy' },
      {
        $set: {
          events: policy.events,
          updatedAt: now,
          ...(policy.inactivePeopleDays === undefined ? {} : { inactivePeopleDays: policy.inactivePeopleDays }),
        },
        ...unset,
      },
      { upsert: true },
    );
  }

  async recordRun(run: NonNullable<RetentionPolicyDoc['lastRun']>): Promise<void> {
    await this.policies.updateOne({ _id: 'policy' }, { $set: { lastRun: run } });
  }
}

/** One rule of the retention policy: events older than `olderThanDays`, of one name or type if given. */
export interface EventRetentionRule {
  olderThanDays: number;
  /** A track event's name; with `type`, both must match. */
  event?: string;
  type?: EventType;
}

/** What Itinera keeps, and for how long (off unless set). */
export interface RetentionPolicyDoc {
  _id: 'policy';
  events: EventRetentionRule[];
  /** People not seen for this many days are erased (without suppression: they may come back as new). */
  inactivePeopleDays?: number;
  updatedAt: Date;
  /** The last application: when, and how much each rule removed. */
  lastRun?: { at: Date; events: number[]; peopleErased: number };
}
