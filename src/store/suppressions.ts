import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import type { IdentityKind } from '../model.js';

/**
 * The generation document: bumped by every change of the list, so each process can keep
 * the list in memory and check, with one `_id` read, that its copy is current.
 */
const GENERATION_ID = '~generation';
type GenerationDoc = { _id: typeof GENERATION_ID; n: number };

/**
 * Identifiers of erased people as keyed hashes (see src/privacy/suppression.ts). Read whole
 * into memory by ingestion: the list grows by the identifiers of each erasure, a few per
 * person, and is read again only when its generation moves.
 */
export class SuppressionStore {
  private readonly collection: Collection<SuppressionDoc>;
  private readonly generations: Collection<GenerationDoc>;

  constructor(db: Db) {
    this.collection = db.collection<SuppressionDoc>(COLLECTIONS.suppressions);
    this.generations = db.collection<GenerationDoc>(COLLECTIONS.suppressions);
  }

  /** Adds the entries (a retried call finds them there) and moves the generation. */
  async add(entries: readonly SuppressionDoc[]): Promise<number> {
    let added = 0;
    for (const entry of entries) {
      const result = await this.collection.updateOne({ _id: entry._id }, { $setOnInsert: entry }, { upsert: true });
      added += result.upsertedCount;
    }
    await this.bump();
    return added;
  }

  /** Lifts a suppression; whether there was one. */
  async lift(id: string): Promise<boolean> {
    if (id === GENERATION_ID) return false;
    const deleted = (await this.collection.deleteOne({ _id: id })).deletedCount === 1;
    if (deleted) await this.bump();
    return deleted;
  }

  async generation(): Promise<number> {
    return (await this.generations.findOne({ _id: GENERATION_ID }))?.n ?? 0;
  }

  /** Every entry's hash. */
  async ids(): Promise<string[]> {
    const docs = await this.collection.find({ _id: { $ne: GENERATION_ID } }, { projection: { _id: 1 } }).toArray();
    return docs.map((doc) => doc._id);
  }

  /** The list for an admin, newest first. */
  async list(limit: number): Promise<SuppressionDoc[]> {
    return this.collection
      .find({ _id: { $ne: GENERATION_ID } })
      .sort({ createdAt: -1, _id: 1 })
      .limit(limit)
      .toArray();
  }

  findById(id: string): Promise<SuppressionDoc | null> {
    return id === GENERATION_ID ? Promise.resolve(null) : this.collection.findOne({ _id: id });
  }

  async countDropped(id: string, count: number, at: Date): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $inc: { dropped: count }, $set: { lastDroppedAt: at } });
  }

  private async bump(): Promise<void> {
    await this.generations.updateOne({ _id: GENERATION_ID }, { $inc: { n: 1 } }, { upsert: true });
  }
}

/**
 * An identifier of an erased person, kept as a keyed hash (HMAC-SHA256 with the privacy
 * secret) so later messages carrying it are recognised and dropped, and nothing readable
 * remains. The `_id` is the hash.
 */
export interface SuppressionDoc {
  _id: string;
  kind: IdentityKind;
  /** The erasure that added it. */
  requestId: string;
  createdAt: Date;
  /** Messages dropped because they carried it. */
  dropped: number;
  lastDroppedAt?: Date;
}
