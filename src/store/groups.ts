import type { Collection, Db } from 'mongodb';
import type { GroupDoc, Traits } from '../model.js';
import { COLLECTIONS } from './collections.js';
import { KeyedLock } from './keyed-lock.js';

/** Groups (accounts, companies) named by `group` calls, with their latest traits. */
export class GroupStore {
  private readonly collection: Collection<GroupDoc>;
  private readonly writes = new KeyedLock();

  constructor(db: Db) {
    this.collection = db.collection<GroupDoc>(COLLECTIONS.groups);
  }

  async upsertTraits(groupId: string, traits: Traits, now: Date): Promise<void> {
    const set: Record<string, unknown> = { updatedAt: now };
    for (const [key, value] of Object.entries(traits)) set[`traits.${key}`] = value;
    const upsert = () => this.collection.updateOne({ _id: groupId }, { $set: set }, { upsert: true });
    await this.writes.run(groupId, async () => {
      try {
        await upsert();
      } catch (error) {
        // Two upserts creating the same group collide (other processes, or MongoDB's own
        // race); the second attempt finds the document and updates it.
        if ((error as { code?: number }).code !== 11000) throw error;
        await upsert();
      }
    });
  }
}
