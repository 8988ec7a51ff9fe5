import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { RecentReads } from './recent-reads.js';

/**
 * How long a send may use a channel's cap read before (ms): a cap set, changed or lifted
 * in another process applies to this process's sends within this; in this process at once.
 */
export const CAP_RECENT_MS = 5_000;

/** The frequency cap of each channel, if any. */
export class FrequencyCapStore {
  private readonly collection: Collection<FrequencyCapDoc>;
  private readonly recent: RecentReads<FrequencyCapDoc | null>;

  constructor(db: Db, options: { recentMs?: number; clock?: () => number } = {}) {
    this.collection = db.collection<FrequencyCapDoc>(COLLECTIONS.frequencyCaps);
    this.recent = new RecentReads(options.recentMs ?? CAP_RECENT_MS, options.clock);
  }

  async put(channel: FrequencyCapDoc['_id'], max: number, now: Date): Promise<void> {
    try {
      await this.collection.updateOne({ _id: channel }, { $set: { max, per: 'day', updatedAt: now } }, { upsert: true });
    } finally {
      this.recent.forget(channel);
    }
  }

  async get(channel: FrequencyCapDoc['_id']): Promise<FrequencyCapDoc | null> {
    return this.collection.findOne({ _id: channel });
  }

  /** The cap as a send applies it: read at most CAP_RECENT_MS ago (no cap too). The API reads with `get`. */
  forSend(channel: FrequencyCapDoc['_id']): Promise<FrequencyCapDoc | null> {
    return this.recent.get(channel, () => this.get(channel));
  }

  async list(): Promise<FrequencyCapDoc[]> {
    return this.collection.find({}).sort({ _id: 1 }).toArray();
  }

  async delete(channel: FrequencyCapDoc['_id']): Promise<boolean> {
    try {
      return (await this.collection.deleteOne({ _id: channel })).deletedCount === 1;
    } finally {
      this.recent.forget(channel);
    }
  }
}

/** At most `max` marketing messages of a channel per person and calendar day in their time zone. */
export interface FrequencyCapDoc {
  /** The channel: `email` or `webhook`. */
  _id: 'email' | 'webhook';
  max: number;
  per: 'day';
  updatedAt: Date;
}
