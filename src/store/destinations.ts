import type { Db } from 'mongodb';
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

/** A webhook destination, managed over HTTP. */
export interface DestinationDoc {
  /** The name `send webhook "<name>"` uses. */
  _id: string;
  url: string;
  /** Signs every request (HMAC-SHA256); shown once, when generated. */
  secret: string;
  /** The profile traits the destination may receive; none unless listed. */
  traits: string[];
  /** Told of every erasure, with the erased person's identifiers, so it erases them too. */
  erasures?: boolean;
  createdAt: Date;
  updatedAt: Date;
}
