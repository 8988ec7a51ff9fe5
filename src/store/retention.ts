import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import type { EventType } from '../model.js';

/** The retention policy: one document, and what its last run removed. */
export class RetentionStore {
  private readonly policies: Collection<RetentionPolicyDoc>;
  /** Beside the policy, under `run:<run key>`: a run's selection while it works through it. */
  private readonly runs: Collection<RetentionRunDoc>;

  constructor(db: Db) {
    this.policies = db.collection<RetentionPolicyDoc>(COLLECTIONS.retention);
    this.runs = db.collection<RetentionRunDoc>(COLLECTIONS.retention);
  }

  /** The run's selection, written once: a retried start finds the first (the events it removed, the people it chose). */
  async startRun(run: Omit<RetentionRunDoc, '_id'>, runKey: string): Promise<RetentionRunDoc> {
    const _id = `run:${runKey}` as const;
    // An insert, not an upsert: FerretDB's `$setOnInsert` leaves out a top-level empty array (`events: []`).
    await this.runs.insertOne({ _id, ...run }).catch((error: unknown) => {
      if ((error as { code?: number }).code !== 11000) throw error;
    });
    return (await this.runOf(runKey)) ?? { _id, ...run };
  }

  runOf(runKey: string): Promise<RetentionRunDoc | null> {
    return this.runs.findOne({ _id: `run:${runKey}` });
  }

  /** The run is over: its list of people goes (they are erased, or were found active again). */
  async endRun(runKey: string): Promise<void> {
    await this.runs.deleteOne({ _id: `run:${runKey}` });
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

/** A retention run's selection: the people it erases, in batches, by their position in `profileIds`. */
export interface RetentionRunDoc {
  _id: `run:${string}`;
  at: Date;
  /** People last seen before this are inactive; one seen since the selection is left alone. */
  cutoff: Date;
  inactivePeopleDays: number;
  /** Events removed per rule of the policy, in its order. */
  events: number[];
  profileIds: string[];
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
