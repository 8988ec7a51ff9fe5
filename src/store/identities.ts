import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { IdentityDoc, IdentityKind } from '../model.js';

export interface IdentityRef {
  kind: IdentityKind;
  value: string;
}

/** Identifiers in the order that decides which profile an event belongs to. */
const PRECEDENCE: readonly IdentityKind[] = ['userId', 'email', 'anonymousId'];

export function identityKey(ref: IdentityRef): string {
  return `${ref.kind}:${ref.value}`;
}

/** E-mail addresses identify a person case-insensitively; other ids are taken as given. */
export function normaliseIdentity(ref: IdentityRef): IdentityRef {
  return ref.kind === 'email' ? { kind: 'email', value: ref.value.trim().toLowerCase() } : ref;
}

/**
 * The identity graph: one document per identifier, keyed by `<kind>:<value>`. Because the
 * key is the `_id`, two requests racing to create the same new person cannot both win.
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
   * Finds the profile these identifiers belong to, creating one when none is known, and
   * links the identifiers not yet linked. Returns the profile id and the newly linked ids.
   * Merging two known profiles is not done here (the known one of highest precedence wins).
   */
  async resolve(refs: IdentityRef[], now: Date): Promise<{ profileId: string; linked: IdentityRef[] }> {
    const normalised = refs.map(normaliseIdentity).sort((a, b) => PRECEDENCE.indexOf(a.kind) - PRECEDENCE.indexOf(b.kind));
    if (normalised.length === 0) throw new Error('resolve needs at least one identifier');
    for (let attempt = 0; attempt < 5; attempt++) {
      const known = await this.collection.find({ _id: { $in: normalised.map(identityKey) } }).toArray();
      const byKey = new Map(known.map((doc) => [doc._id, doc.profileId]));
      const owner = normalised.map((ref) => byKey.get(identityKey(ref))).find((id) => id !== undefined);
      const profileId = owner ?? `p_${randomUUID()}`;
      const linked: IdentityRef[] = [];
      let lostRace = false;
      for (const ref of normalised) {
        if (byKey.has(identityKey(ref))) continue;
        try {
          await this.collection.insertOne({ _id: identityKey(ref), kind: ref.kind, profileId, createdAt: now });
          linked.push(ref);
        } catch (error) {
          if ((error as { code?: number }).code !== 11000) throw error;
          // Another request linked this identifier first. If we were about to create a new
          // profile, start over and join theirs; otherwise the identifier stays theirs.
          if (owner === undefined) {
            lostRace = true;
            break;
          }
        }
      }
      if (!lostRace) return { profileId, linked };
      // Identifiers we linked before losing the race point at a profile nobody else knows.
      await this.collection.deleteMany({ _id: { $in: linked.map(identityKey) }, profileId });
    }
    throw new Error('identity resolution did not settle after 5 attempts');
  }

  async deleteByProfile(profileId: string): Promise<number> {
    return (await this.collection.deleteMany({ profileId })).deletedCount;
  }
}
