import type { Collection, Db } from 'mongodb';
import type { Traits } from '../model.js';
import { COLLECTIONS } from './collections.js';
import { upsertOnce } from './upsert.js';

/** Groups (accounts, companies) named by `group` calls, with their latest traits. */
export class GroupStore {
  private readonly collection: Collection<GroupDoc>;

  constructor(db: Db) {
    this.collection = db.collection<GroupDoc>(COLLECTIONS.groups);
  }

  async upsertTraits(groupId: string, traits: Traits, now: Date): Promise<void> {
    const set: Record<string, unknown> = { updatedAt: now };
    for (const [key, value] of Object.entries(traits)) set[`traits.${key}`] = value;
    await upsertOnce(() => this.collection.updateOne({ _id: groupId }, { $set: set }, { upsert: true }));
  }
}

export interface GroupDoc {
  _id: string;
  traits: Traits;
  updatedAt: Date;
}
