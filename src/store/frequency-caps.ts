import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';

/** The frequency cap of each channel, if any. */
export class FrequencyCapStore {
  private readonly collection: Collection<FrequencyCapDoc>;

  constructor(db: Db) {
    this.collection = db.collection<FrequencyCapDoc>(COLLECTIONS.frequencyCaps);
  }

  async put(channel: FrequencyCapDoc['_id'], max: number, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: channel }, { $set: { max, per: 'day', updatedAt: now } }, { upsert: true });
  }

  async get(channel: FrequencyCapDoc['_id']): Promise<FrequencyCapDoc | null> {
    return this.collection.findOne({ _id: channel });
  }

  async list(): Promise<FrequencyCapDoc[]> {
    return this.collection.find({}).sort({ _id: 1 }).toArray();
  }

  async delete(channel: FrequencyCapDoc['_id']): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: channel })).deletedCount === 1;
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
