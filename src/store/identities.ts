import type { Collection, Db } from 'mongodb';
import { insertManySkippingDuplicates } from './insert-many.js';
import { identityKey, normaliseIdentity, type IdentityRef } from '../profile/identifiers.js';
import { COLLECTIONS } from './collections.js';
import { OwnerCache } from './owner-cache.js';
import type { IdentityKind } from '../model.js';

/**
 * The identity graph: one document per identifier, keyed by `<kind>:<value>`. Because the
 * key is the `_id`, two requests racing to link the same identifier cannot both win.
 * Resolution and merging live in `src/identity`; this is the collection's repository.
 */
export class IdentityStore {
  private readonly collection: Collection<IdentityDoc>;
  /** Owners already seen, for resolution only: `lookup` always asks the database. */
  private readonly owned = new OwnerCache();

  constructor(db: Db) {
    this.collection = db.collection<IdentityDoc>(COLLECTIONS.identities);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1 });
  }

  async lookup(ref: IdentityRef): Promise<string | null> {
    const doc = await this.collection.findOne({ _id: identityKey(normaliseIdentity(ref)) });
    return doc?.profileId ?? null;
  }

  /**
   * The profile owning each of these (normalised) identifiers, by identity key, from the
   * cache where it can (see owner-cache.ts), the others in one `$in` of `_id`s (a search of
   * the `_id` index, on the embedded FerretDB too).
   */
  async owners(refs: IdentityRef[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const missing: string[] = [];
    for (const key of refs.map(identityKey)) {
      const cached = this.owned.get(key);
      if (cached === undefined) missing.push(key);
      else owners.set(key, cached);
    }
    const found = missing.length === 0 ? [] : await this.collection.find({ _id: { $in: missing } }).toArray();
    for (const doc of found) {
      owners.set(doc._id, doc.profileId);
      this.owned.set(doc._id, doc.profileId);
    }
    return owners;
  }

  /** Forgets what the cache remembers of a profile found gone, so the next lookup asks the database. */
  forgetCachedOwner(profileId: string): void {
    this.owned.moveProfile(profileId, null);
  }

  /** Links an identifier to a profile; false when another request linked it first. */
  async link(ref: IdentityRef, profileId: string, now: Date): Promise<boolean> {
    try {
      await this.collection.insertOne({ _id: identityKey(ref), kind: ref.kind, profileId, createdAt: now });
      this.owned.set(identityKey(ref), profileId);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      return false;
    }
  }

  /**
   * Links many identifiers in one request; returns the keys another profile holds
   * already (those links were not made). The rest are linked.
   */
  async linkMany(links: { ref: IdentityRef; profileId: string }[], now: Date): Promise<Set<string>> {
    const docs: IdentityDoc[] = links.map(({ ref, profileId }) => ({ _id: identityKey(ref), kind: ref.kind, profileId, createdAt: now }));
    const skipped = await insertManySkippingDuplicates(this.collection, docs);
    const taken = new Set([...skipped].map((index) => docs[index]!._id));
    for (const doc of docs) if (!taken.has(doc._id)) this.owned.set(doc._id, doc.profileId);
    return taken;
  }

  /**
   * Undoes links made for a profile that lost a creation race and will never exist, one
   * identifier at a time: each is deleted only if it is still that profile's.
   */
  async unlink(refs: IdentityRef[], profileId: string): Promise<void> {
    for (const key of refs.map(identityKey)) {
      this.owned.forget(key, profileId);
      if ((await this.collection.findOne({ _id: key }))?.profileId === profileId) await this.collection.deleteOne({ _id: key });
    }
  }

  async repoint(fromProfileId: string, toProfileId: string): Promise<number> {
    const moved = (await this.collection.updateMany({ profileId: fromProfileId }, { $set: { profileId: toProfileId } })).modifiedCount;
    this.owned.moveProfile(fromProfileId, toProfileId);
    return moved;
  }

  /** The identity keys linked to the profile (erasure's inventory): a search of the `profileId` index. */
  async keysOfProfile(profileId: string): Promise<string[]> {
    return (await this.collection.find({ profileId }, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id);
  }

  /** The profile an identity key is linked to, if any. */
  async ownerOfKey(key: string): Promise<string | null> {
    return (await this.collection.findOne({ _id: key }))?.profileId ?? null;
  }

  async deleteByProfile(profileId: string): Promise<number> {
    const deleted = (await this.collection.deleteMany({ profileId })).deletedCount;
    this.owned.moveProfile(profileId, null);
    return deleted;
  }

  /** Retention's batched inventory: the identity keys of each profile, from one search of the `profileId` index. */
  async keysOfProfiles(profileIds: readonly string[]): Promise<Map<string, string[]>> {
    const keys = new Map<string, string[]>();
    if (profileIds.length === 0) return keys;
    for (const doc of await this.collection
      .find({ profileId: { $in: [...profileIds] } }, { projection: { _id: 1, profileId: 1 } })
      .toArray())
      keys.set(doc.profileId, [...(keys.get(doc.profileId) ?? []), doc._id]);
    return keys;
  }

  /** The profile each of these identity keys is linked to, from the database (one `$in` of `_id`s), not the cache. */
  async ownersOfKeys(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const found = await this.collection.find({ _id: { $in: [...keys] } }, { projection: { _id: 1, profileId: 1 } }).toArray();
    return new Map(found.map((doc) => [doc._id, doc.profileId]));
  }

  /** Retention's batched removal: every identity of these profiles in one delete. */
  async deleteByProfiles(profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    const deleted = (await this.collection.deleteMany({ profileId: { $in: [...profileIds] } })).deletedCount;
    for (const profileId of profileIds) this.owned.moveProfile(profileId, null);
    return deleted;
  }
}

export interface IdentityDoc {
  /** `<kind>:<value>`, e.g. `userId:42`; unique by construction. */
  _id: string;
  kind: IdentityKind;
  profileId: string;
  createdAt: Date;
}
