import type { Collection, Db } from 'mongodb';
import type { IdentityKind, JourneyMembership, ProfileDoc, Traits } from '../model.js';

/** Profiles: one document per person; every write is a single atomic, idempotent update. */
export class ProfileStore {
  readonly collection: Collection<ProfileDoc>;

  constructor(db: Db) {
    this.collection = db.collection<ProfileDoc>('profiles');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ tags: 1 });
    await this.collection.createIndex({ lastSeenAt: 1 });
  }

  findById(id: string): Promise<ProfileDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Creates the profile if it does not exist yet; safe to call from racing requests. */
  async ensureExists(id: string, now: Date): Promise<void> {
    const doc: ProfileDoc = {
      _id: id, traits: {}, tags: [], identities: {}, consents: {}, journeys: {},
      firstSeenAt: now, lastSeenAt: now, createdAt: now, updatedAt: now,
    };
    // An insert, not an upsert with $setOnInsert: FerretDB v1 drops empty arrays from
    // $setOnInsert, and the unique _id already makes racing creators safe.
    try {
      await this.collection.insertOne(doc);
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  async addIdentity(id: string, kind: IdentityKind, value: string): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $addToSet: { [`identities.${kind}`]: value } });
  }

  /** Applies what an event says about its profile. Idempotent: replaying an event changes nothing more. */
  async recordActivity(id: string, at: Date, traits: Traits | undefined, now: Date): Promise<void> {
    const set: Record<string, unknown> = { updatedAt: now };
    for (const [key, value] of Object.entries(traits ?? {})) set[`traits.${key}`] = value;
    await this.collection.updateOne(
      { _id: id },
      { $set: set, $min: { firstSeenAt: at }, $max: { lastSeenAt: at } },
    );
  }

  /** Returns false when the profile no longer exists (erased): effects never resurrect it. */
  async addTag(id: string, tag: string, now: Date): Promise<boolean> {
    const result = await this.collection.updateOne({ _id: id }, { $addToSet: { tags: tag }, $set: { updatedAt: now } });
    return result.matchedCount === 1;
  }

  async removeTag(id: string, tag: string, now: Date): Promise<boolean> {
    const result = await this.collection.updateOne({ _id: id }, { $pull: { tags: tag }, $set: { updatedAt: now } });
    return result.matchedCount === 1;
  }

  async setTrait(id: string, path: string, value: unknown, now: Date): Promise<boolean> {
    const result = await this.collection.updateOne({ _id: id }, { $set: { [`traits.${path}`]: value, updatedAt: now } });
    return result.matchedCount === 1;
  }

  async enterJourney(id: string, membership: JourneyMembership): Promise<void> {
    // Keyed by workflow id: a retried activity overwrites its own entry, never duplicates it.
    await this.collection.updateOne({ _id: id }, { $set: { [`journeys.${membership.workflowId}`]: membership } });
  }

  async leaveJourney(id: string, workflowId: string): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $unset: { [`journeys.${workflowId}`]: '' } });
  }

  async deleteById(id: string): Promise<number> {
    return (await this.collection.deleteOne({ _id: id })).deletedCount;
  }
}
