import type { Collection, Db } from 'mongodb';
import type { IdentityDoc, IdentityKind } from '../model.js';

export interface IdentityRef {
  kind: IdentityKind;
  value: string;
}

export function identityKey(ref: IdentityRef): string {
  return `${ref.kind}:${ref.value}`;
}

/** E-mail addresses identify a person case-insensitively; phone numbers without spacing; other ids as given. */
export function normaliseIdentity(ref: IdentityRef): IdentityRef {
  if (ref.kind === 'email') return { kind: 'email', value: ref.value.trim().toLowerCase() };
  if (ref.kind === 'phone') return { kind: 'phone', value: ref.value.replace(/[\s().-]/g, '') };
  return ref;
}

/**
 * The identity graph: one document per identifier, keyed by `<kind>:<value>`. Because the
 * key is the `_id`, two requests racing to link the same identifier cannot both win.
 * Resolution and merging live in `src/identity`; this is the collection's repository.
 */
export class IdentityStore {
  readonly collection: Collection<IdentityDoc>;

  constructor(db: Db) {
    this.collection = db.collection<IdentityDoc>('identities');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1 });
  }

  async lookup(ref: IdentityRef): Promise<string | null> {
    const doc = await this.collection.findOne({ _id: identityKey(normaliseIdentity(ref)) });
    return doc?.profileId ?? null;
  }

  /**
   * The profile owning each of these (normalised) identifiers, by identity key. One
   * lookup by `_id` per identifier rather than one `$in`: FerretDB v1 answers only a bare
   * `{_id: value}` filter from its index and scans the whole collection for anything else.
   */
  async owners(refs: IdentityRef[]): Promise<Map<string, string>> {
    const found = await Promise.all(refs.map((ref) => this.collection.findOne({ _id: identityKey(ref) })));
    return new Map(found.filter((doc) => doc !== null).map((doc) => [doc._id, doc.profileId]));
  }

  /** Links an identifier to a profile; false when another request linked it first. */
  async link(ref: IdentityRef, profileId: string, now: Date): Promise<boolean> {
    try {
      await this.collection.insertOne({ _id: identityKey(ref), kind: ref.kind, profileId, createdAt: now });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      return false;
    }
  }

  /** Undoes links made for a profile that lost a creation race and will never exist. */
  async unlink(refs: IdentityRef[], profileId: string): Promise<void> {
    await this.collection.deleteMany({ _id: { $in: refs.map(identityKey) }, profileId });
  }

  async repoint(fromProfileId: string, toProfileId: string): Promise<number> {
    return (await this.collection.updateMany({ profileId: fromProfileId }, { $set: { profileId: toProfileId } })).modifiedCount;
  }

  async deleteByProfile(profileId: string): Promise<number> {
    return (await this.collection.deleteMany({ profileId })).deletedCount;
  }
}
