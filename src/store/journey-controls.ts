import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';

interface JourneyControlDoc {
  /** The journey's name (across rules versions). */
  _id: string;
  paused: boolean;
  updatedAt: Date;
}

/** Which journeys admit no new runs (paused); running runs go on. */
export class JourneyControlStore {
  private readonly collection: Collection<JourneyControlDoc>;

  constructor(db: Db) {
    this.collection = db.collection<JourneyControlDoc>(COLLECTIONS.journeyControls);
  }

  async setPaused(journey: string, paused: boolean, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: journey }, { $set: { paused, updatedAt: now } }, { upsert: true });
  }

  async isPaused(journey: string): Promise<boolean> {
    return (await this.collection.findOne({ _id: journey }))?.paused === true;
  }

  async paused(): Promise<Set<string>> {
    return new Set((await this.collection.find({ paused: true }).toArray()).map((doc) => doc._id));
  }
}
