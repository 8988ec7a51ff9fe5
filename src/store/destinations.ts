import type { Collection, Db } from 'mongodb';
import type { DestinationDoc } from '../model.js';
import { COLLECTIONS } from './collections.js';

/** Webhook destinations by name, with their signing secrets. */
export class DestinationStore {
  private readonly collection: Collection<DestinationDoc>;

  constructor(db: Db) {
    this.collection = db.collection<DestinationDoc>(COLLECTIONS.destinations);
  }

  /** Creates or replaces the destination; whether it was new. */
  async put(name: string, destination: Pick<DestinationDoc, 'url' | 'secret' | 'traits'>, now: Date): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: name },
      { $set: { ...destination, updatedAt: now }, $setOnInsert: { createdAt: now } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }

  async get(name: string): Promise<DestinationDoc | null> {
    return this.collection.findOne({ _id: name });
  }

  async list(): Promise<DestinationDoc[]> {
    return this.collection.find({}).sort({ _id: 1 }).toArray();
  }

  async names(): Promise<Set<string>> {
    return new Set((await this.collection.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id));
  }

  async delete(name: string): Promise<boolean> {
    return (await this.collection.deleteOne({ _id: name })).deletedCount === 1;
  }
}
