import type { Db } from 'mongodb';
import type { DestinationDoc } from '../model.js';
import { COLLECTIONS } from './collections.js';
import { NamedStore } from './named-store.js';

/** Webhook destinations by name, with their signing secrets. */
export class DestinationStore extends NamedStore<DestinationDoc> {
  constructor(db: Db) {
    super(db.collection<DestinationDoc>(COLLECTIONS.destinations));
  }

  /** Creates or replaces the destination; whether it was new. */
  async put(name: string, destination: Pick<DestinationDoc, 'url' | 'secret' | 'traits' | 'erasures'>, now: Date): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: name },
      { $set: { ...destination, updatedAt: now }, $setOnInsert: { createdAt: now } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }

  /** The destinations told of erasures. */
  async subscribedToErasures(): Promise<DestinationDoc[]> {
    return (await this.list()).filter((destination) => destination.erasures === true);
  }
}
