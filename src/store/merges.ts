import type { Collection, Db } from 'mongodb';
import type { ProfileDoc } from '../model.js';
import { COLLECTIONS } from './collections.js';

/** The record of identity merges: every merge made or refused, with its state. */
export class MergeStore {
  private readonly collection: Collection<MergeDoc>;

  constructor(db: Db) {
    this.collection = db.collection<MergeDoc>(COLLECTIONS.merges);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ status: 1, at: 1 });
    await this.collection.createIndex({ from: 1 });
    await this.collection.createIndex({ into: 1 });
  }

  /** Records a merge about to happen (or refused); repeating it changes nothing. */
  async record(doc: MergeDoc): Promise<void> {
    try {
      await this.collection.insertOne(doc);
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  /** The merged-away profile as it is about to be deleted (see ProfileStore.takeAway); dropped when the merge completes. */
  async keepAbsorbed(id: string, absorbed: ProfileDoc): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { absorbed } });
  }

  async absorbedOf(id: string): Promise<ProfileDoc | null> {
    return (await this.collection.findOne({ _id: id }, { projection: { absorbed: 1 } }))?.absorbed ?? null;
  }

  async complete(id: string, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { status: 'completed', completedAt: now }, $unset: { absorbed: '' } });
  }

  findStalePending(olderThan: Date, limit: number): Promise<MergeDoc[]> {
    return this.collection
      .find({ status: 'pending', at: { $lt: olderThan } })
      .sort({ at: 1 })
      .limit(limit)
      .toArray();
  }

  /** The merges into a profile, oldest first: a search of the `into` index. */
  into(profileId: string, limit: number): Promise<Omit<MergeDoc, 'absorbed'>[]> {
    return this.collection
      .find({ into: profileId }, { projection: { absorbed: 0 } })
      .sort({ at: 1 })
      .limit(limit)
      .toArray();
  }

  async countByProfiles(profileIds: readonly string[]): Promise<number> {
    // Two searches of an index each rather than one `$or`, which FerretDB answers by reading every merge.
    const ids = [...profileIds];
    const from = await this.collection.countDocuments({ from: { $in: ids } });
    return from + (await this.collection.countDocuments({ into: { $in: ids }, from: { $nin: ids } }));
  }

  /** Retention's batched inventory: the merges naming any of these ids, from two searches of an index (no `$or`, see countByProfiles). */
  async ofProfiles(profileIds: readonly string[]): Promise<{ _id: string; from: string; into: string }[]> {
    if (profileIds.length === 0) return [];
    const ids = [...profileIds];
    const projection = { _id: 1, from: 1, into: 1 } as const;
    const found = new Map<string, { _id: string; from: string; into: string }>();
    for (const field of ['from', 'into'] as const)
      for (const doc of await this.collection.find({ [field]: { $in: ids } }, { projection }).toArray())
        found.set(doc._id, { _id: doc._id, from: doc.from, into: doc.into });
    return [...found.values()];
  }

  /** Retention's batched removal: the merges naming any of these ids. */
  async deleteByProfiles(profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    const ids = [...profileIds];
    const from = (await this.collection.deleteMany({ from: { $in: ids } })).deletedCount;
    return from + (await this.collection.deleteMany({ into: { $in: ids } })).deletedCount;
  }

  /** Erasure: merges mention the erased profile's ids. */
  async deleteByProfile(profileId: string): Promise<number> {
    // Two searches of an index each rather than one `$or` (see countByProfiles).
    const from = (await this.collection.deleteMany({ from: profileId })).deletedCount;
    return from + (await this.collection.deleteMany({ into: profileId })).deletedCount;
  }
}

/** Where merged-away profile ids now live, so old ids keep resolving. */
export class ProfileRedirectStore {
  private readonly collection: Collection<ProfileRedirectDoc>;

  constructor(db: Db) {
    this.collection = db.collection<ProfileRedirectDoc>(COLLECTIONS.profileRedirects);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ into: 1 });
  }

  async target(id: string): Promise<string | null> {
    return (await this.collection.findOne({ _id: id }))?.into ?? null;
  }

  /**
   * Every id merged into `into`, however many merges ago: redirects are kept one hop long,
   * so those ids all point at it. A search of the `into` index, on FerretDB too.
   */
  async sourcesOf(into: string): Promise<string[]> {
    return (await this.collection.find({ into }, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id);
  }

  /** Points `from` at `into`, and every id that pointed at `from` too: chains stay one hop long. */
  async redirect(from: string, into: string, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: from }, { $set: { into, at: now } }, { upsert: true });
    await this.collection.updateMany({ into: from }, { $set: { into } });
  }

  /** Retention's batched inventory: the ids merged into each of these, from one search of the `into` index. */
  async sourcesOfMany(intos: readonly string[]): Promise<Map<string, string[]>> {
    const sources = new Map<string, string[]>();
    if (intos.length === 0) return sources;
    for (const doc of await this.collection.find({ into: { $in: [...intos] } }, { projection: { _id: 1, into: 1 } }).toArray())
      sources.set(doc.into, [...(sources.get(doc.into) ?? []), doc._id]);
    return sources;
  }

  /** Retention's batched removal: the redirects from and into these ids. */
  async deleteByProfiles(profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    const ids = [...profileIds];
    const own = (await this.collection.deleteMany({ _id: { $in: ids } })).deletedCount;
    return own + (await this.collection.deleteMany({ into: { $in: ids } })).deletedCount;
  }

  async deleteByProfile(profileId: string): Promise<number> {
    // An `_id` lookup and a search of the `into` index rather than one `$or`, which FerretDB answers by reading every redirect.
    const own = (await this.collection.deleteOne({ _id: profileId })).deletedCount;
    return own + (await this.collection.deleteMany({ into: profileId })).deletedCount;
  }
}

/** A merge of one profile into another, or a merge the identity limits refused. */
export interface MergeDoc {
  _id: string;
  from: string;
  into: string;
  /** The identifier that tied the two profiles together, as `kind` only (no value: it may be an e-mail). */
  via: string;
  status: 'pending' | 'completed' | 'refused';
  reason?: string;
  at: Date;
  completedAt?: Date;
  /**
   * The merged-away profile as it was when it was taken away, kept only until the merge
   * completes: a merge interrupted between taking it and folding it in finishes from here.
   */
  absorbed?: ProfileDoc;
}

/** Where a merged-away profile id now lives. */
export interface ProfileRedirectDoc {
  _id: string;
  into: string;
  at: Date;
}
