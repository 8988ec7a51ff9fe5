import type { Collection, Db, UpdateFilter } from 'mongodb';
import { FINAL_DELIVERY_STATUSES, type DeliveryStatus, type OutgoingMessage, type QueuedMessage } from '../model.js';
import { COLLECTIONS } from './collections.js';

/** `YYYY-MM-DD` minus some days. */
function dayBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/** The keys of a person's messages, so listing or erasing them is `_id` lookups, never a scan. */
interface ProfileMessagesDoc {
  _id: string;
  keys: string[];
  /** Frequency-cap slots: `<channel>|<local day>` → the keys of the marketing messages sent in it. */
  slots?: Record<string, string[]>;
}

/** How many days of cap slots a person's document keeps: older ones can no longer count. */
const SLOT_DAYS = 7;

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

  /**
   * Takes one of `max` slots of the person's channel and local day for the message, once
   * per key (a retried send keeps its slot). False when the day's slots are all taken.
   * The write is guarded by the slot list's length, so two sends racing for the last slot
   * (in one process or several) cannot both take it: the loser reads again and decides.
   */
  async takeSlot(profileId: string, channel: string, day: string, key: string, max: number): Promise<boolean> {
    const slot = `${channel}|${day}`;
    for (let tries = 1; ; tries++) {
      const doc = await this.byProfile.findOne({ _id: profileId }, { projection: { slots: 1 } });
      const taken = doc?.slots?.[slot] ?? [];
      if (taken.includes(key)) return true;
      if (taken.length >= max) return false;
      // Slots of days long past are dropped on the way.
      const stale = Object.keys(doc?.slots ?? {}).filter(
        (name) => name.startsWith(`${channel}|`) && name < `${channel}|${dayBefore(day, SLOT_DAYS)}`,
      );
      try {
        const result = await this.byProfile.updateOne(
          { _id: profileId, [`slots.${slot}.${max - 1}`]: { $exists: false } },
          {
            $addToSet: { [`slots.${slot}`]: key },
            ...(stale.length > 0 ? { $unset: Object.fromEntries(stale.map((name) => [`slots.${name}`, ''])) } : {}),
          },
          { upsert: !doc },
        );
        if (result.modifiedCount + result.upsertedCount === 1) return true;
      } catch (error) {
        // Created by a racing send between the read and the upsert: read again.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      if (tries === 5) throw new Error(`the frequency-cap slots of ${profileId} changed under 5 tries in a row`);
    }
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1 });
  }

  async findById(key: string): Promise<DeliveryDoc | null> {
    return this.collection.findOne({ _id: key });
  }

  /** Lists the message under the person (once; repeating it changes nothing), before its first step is recorded. */
  async listUnder(request: OutgoingMessage): Promise<void> {
    await this.byProfile.updateOne({ _id: request.profileId }, { $addToSet: { keys: request.key } }, { upsert: true });
  }

  /**
   * Records a step of the message, creating it on its first: the status moves, the step
   * joins the history. A message in a final state is left as it is and returned, so the
   * caller (a retried or restarted send) does nothing twice; null when the step was taken.
   * One write: the filter skips a final message, whose `_id` then refuses the upsert.
   */
  async advance(
    request: OutgoingMessage,
    step: DeliveryStep,
    extra: Partial<Pick<DeliveryDoc, 'sentAt' | 'answer'>> = {},
  ): Promise<DeliveryDoc | null> {
    const { key, ...message } = request;
    const update = {
      $setOnInsert: { ...message, queuedAt: step.at },
      $set: { status: step.status, updatedAt: step.at, ...(step.detail ? { detail: step.detail } : {}), ...extra },
      ...(step.status === 'sending' ? { $inc: { attempts: 1 } } : {}),
      $push: { history: step },
    };
    try {
      await this.collection.updateOne({ _id: key, status: { $nin: [...FINAL_DELIVERY_STATUSES] } }, update as UpdateFilter<DeliveryDoc>, {
        upsert: true,
      });
      return null;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      return this.findById(key);
    }
  }

  /** The person's messages under any of their ids, newest first. */
  async ofProfiles(profileIds: readonly string[]): Promise<DeliveryDoc[]> {
    const indexes = await this.byProfile.find({ _id: { $in: [...profileIds] } }).toArray();
    const keys = indexes.flatMap((index) => index.keys);
    if (keys.length === 0) return [];
    const docs = await this.collection.find({ _id: { $in: keys } }).toArray();
    return docs.sort((a, b) => b.queuedAt.getTime() - a.queuedAt.getTime());
  }

  /**
   * Erasure: every message of any of the person's ids (their own and those they
   * absorbed). Those of the person's document are found by `_id`; messages queued before
   * that document existed, by the `profileId` index.
   */
  async countByProfiles(profileIds: readonly string[]): Promise<number> {
    const indexes = await this.byProfile.find({ _id: { $in: [...profileIds] } }).toArray();
    const keys = new Set(indexes.flatMap((index) => index.keys));
    // Messages queued before the person's document existed.
    for (const doc of await this.collection.find({ profileId: { $in: [...profileIds] } }, { projection: { _id: 1 } }).toArray())
      keys.add(doc._id);
    return keys.size;
  }

  async deleteByProfiles(profileIds: string[]): Promise<number> {
    const indexes = await this.byProfile.find({ _id: { $in: profileIds } }).toArray();
    const keys = indexes.flatMap((index) => index.keys);
    let deleted = keys.length === 0 ? 0 : (await this.collection.deleteMany({ _id: { $in: keys } })).deletedCount;
    deleted += (await this.collection.deleteMany({ profileId: { $in: profileIds } })).deletedCount;
    await this.byProfile.deleteMany({ _id: { $in: profileIds } });
    return deleted;
  }
}

export interface DeliveryStep {
  status: DeliveryStatus;
  at: Date;
  /** Why, as a code: `consent`, `quiet hours`, `smtp 550`, `http 503`, `template missing`. */
  detail?: string;
  /** A deferred message's send time. */
  until?: Date;
  attempt?: number;
}

/** One document per message, under the message's key (its Message-ID and Idempotency-Key derive from it). */
export interface DeliveryDoc extends Omit<QueuedMessage, 'key'> {
  _id: string;
  status: DeliveryStatus;
  queuedAt: Date;
  journey?: string;
  rulesVersion?: number;
  step?: string;
  /** A broadcast's e-mail: the broadcast's name. */
  broadcast?: string;
  /** A confirmation e-mail: the purpose and the pending record it confirms. */
  purpose?: string;
  confirms?: string;
  attempts?: number;
  history?: DeliveryStep[];
  sentAt?: Date;
  /** The last outcome's code, as in `history`. */
  detail?: string;
  /** A webhook receiver's answer (status and up to 1,000 characters of body). */
  answer?: { status: number; body: string };
  updatedAt?: Date;
}
