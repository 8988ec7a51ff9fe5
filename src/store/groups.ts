import type { Collection, Db } from 'mongodb';
import type { GroupDoc, Traits } from '../model.js';

/** Groups (accounts, companies) named by `group` calls, with their latest traits. */
export class GroupStore {
  readonly collection: Collection<GroupDoc>;

  constructor(db: Db) {
    this.collection = db.collection<GroupDoc>('groups');
  }

  async upsertTraits(groupId: string, traits: Traits, now: Date): Promise<void> {
    const set: Record<string, unknown> = { updatedAt: now };
    for (const [key, value] of Object.entries(traits)) set[`traits.${key}`] = value;
    await this.collection.updateOne({ _id: groupId }, { $set: set }, { upsert: true });
  }
}
