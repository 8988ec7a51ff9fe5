import type { Collection, Db } from 'mongodb';
import { FINAL_DELIVERY_STATUSES, type DeliveryDoc, type DeliveryStatus, type DeliveryStep, type MessageRequest, type QueuedMessage } from '../model.js';
import { COLLECTIONS } from './collections.js';

/** The keys of a person's messages, so listing or erasing them is `_id` lookups, never a scan. */
interface ProfileMessagesDoc {
  _id: string;
  keys: string[];
}

/**
 * Messages, one document per message key: what a run decided to send and everything that
 * happened to it since (its history), so a retried or restarted send finds where it was.
 * A message sent under a profile id later merged away keeps that id; readers take the
 * profile's merged ids too, so a merge writes nothing here.
 */
export class DeliveryStore {
  private readonly collection: Collection<DeliveryDoc>;
  private readonly byProfile: Collection<ProfileMessagesDoc>;

  constructor(db: Db) {
    this.collection = db.collection<DeliveryDoc>(COLLECTIONS.deliveries);
    this.byProfile = db.collection<ProfileMessagesDoc>(COLLECTIONS.profileMessages);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1 });
  }

  /** Runs before delivery existed: queues the message, once per key. */
  async queue(message: QueuedMessage, now: Date): Promise<void> {
    const { key, ...rest } = message;
    try {
      await this.collection.insertOne({ _id: key, ...rest, status: 'queued', queuedAt: now });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  async findById(key: string): Promise<DeliveryDoc | null> {
    return this.collection.findOne({ _id: key });
  }

  /**
   * Records a step of the message, creating it on its first: the status moves, the step
   * joins the history. A message in a final state is left as it is and returned, so the
   * caller (a retried or restarted send) does nothing twice; null when the step was taken.
   */
  async advance(request: MessageRequest, step: DeliveryStep, extra: Partial<Pick<DeliveryDoc, 'sentAt' | 'answer'>> = {}): Promise<DeliveryDoc | null> {
    const existing = await this.findById(request.key);
    if (existing && FINAL_DELIVERY_STATUSES.includes(existing.status)) return existing;
    if (!existing) await this.byProfile.updateOne({ _id: request.profileId }, { $addToSet: { keys: request.key } }, { upsert: true });
    const { key, ...message } = request;
    await this.collection.updateOne(
      { _id: key },
      {
        $setOnInsert: { ...message, queuedAt: step.at },
        $set: { status: step.status, updatedAt: step.at, ...(step.detail ? { detail: step.detail } : {}), ...extra },
        ...(step.status === 'sending' ? { $inc: { attempts: 1 } } : {}),
        $push: { history: step },
      },
      { upsert: true },
    );
    return null;
  }

  /** The person's messages under any of their ids, newest first. */
  async ofProfiles(profileIds: readonly string[]): Promise<DeliveryDoc[]> {
    const indexes = await this.byProfile.find({ _id: { $in: [...profileIds] } }).toArray();
    const keys = indexes.flatMap((index) => index.keys);
    if (keys.length === 0) return [];
    const docs = await this.collection.find({ _id: { $in: keys } }).toArray();
    return docs.sort((a, b) => b.queuedAt.getTime() - a.queuedAt.getTime());
  }

  /** How many messages are in a status (stats and tests). */
  async countByStatus(status: DeliveryStatus): Promise<number> {
    return this.collection.countDocuments({ status });
  }

  /**
   * Erasure: every message of any of the person's ids (their own and those they
   * absorbed). Those of the index are `_id` deletes; messages queued before the index
   * existed need the scan, once per erasure.
   */
  async deleteByProfiles(profileIds: string[]): Promise<number> {
    const indexes = await this.byProfile.find({ _id: { $in: profileIds } }).toArray();
    const keys = indexes.flatMap((index) => index.keys);
    let deleted = keys.length === 0 ? 0 : (await this.collection.deleteMany({ _id: { $in: keys } })).deletedCount;
    deleted += (await this.collection.deleteMany({ profileId: { $in: profileIds } })).deletedCount;
    await this.byProfile.deleteMany({ _id: { $in: profileIds } });
    return deleted;
  }
}
