import type { Collection, Db } from 'mongodb';
import type { DeliveryDoc, QueuedMessage } from '../model.js';
import { COLLECTIONS } from './collections.js';

/**
 * The delivery outbox: messages journeys decided to send, once per message key. A message
 * queued under a profile id that is later merged away keeps that id; whoever reads it
 * follows the profile's redirect (ProfileStore.findById), so a merge writes nothing here.
 */
export class DeliveryStore {
  private readonly collection: Collection<DeliveryDoc>;

  constructor(db: Db) {
    this.collection = db.collection<DeliveryDoc>(COLLECTIONS.deliveries);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1 });
  }

  /** Queues the message, once: a key queued already (a retried activity) changes nothing. */
  async queue(message: QueuedMessage, now: Date): Promise<void> {
    const { key, ...rest } = message;
    try {
      await this.collection.insertOne({ _id: key, ...rest, status: 'queued', queuedAt: now });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  /**
   * Erasure: every message queued under any of the person's ids (their own and those they
   * absorbed). On FerretDB this scans the collection, once per erasure.
   */
  async deleteByProfiles(profileIds: string[]): Promise<number> {
    return (await this.collection.deleteMany({ profileId: { $in: profileIds } })).deletedCount;
  }
}
