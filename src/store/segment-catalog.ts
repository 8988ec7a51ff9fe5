import type { Collection, Db } from 'mongodb';
import type { SegmentCatalogDoc } from '../model.js';
import { COLLECTIONS } from './collections.js';
import { MergedIncrements } from './merged-increments.js';
import { insertManySkippingDuplicates } from './insert-many.js';
import { upsertOnce } from './upsert.js';

/** Whether ingestion keeps a leaf's facts yet, and from which events on (see src/segments/recompute.ts). */
export interface LeafState {
  /** The leaf itself (src/segments/leaves.ts), so facts can be merged without the rules that named it. */
  leaf: unknown;
  /**
   * Events received after this instant are folded live by the profile writer; those
   * received up to it, by the backfill. Absent until the deploy has set it.
   */
  cutoff?: Date;
  /**
   * From when every process is sure to see the cutoff: the instant its write was known
   * to be acknowledged (the cutoff itself when that came first, as it should). A writer's
   * round that read the states before then may have applied events received after the
   * cutoff without folding them; the backfill folds those people's facts again from their
   * stored events (src/segments/recompute.ts).
   */
  settledAt?: Date;
  /** The backfill is done: facts are complete for everyone. */
  ready: boolean;
}

interface LeafStatesDoc {
  _id: typeof LEAF_STATES_ID;
  leaves: Record<string, LeafState>;
  /** Counts the writes of `leaves`: a change is written only over the states it was made from. */
  version?: number;
}

/** Changes of the leaf states tried before giving up (deploys racing each other). */
const LEAF_TRIES = 20;

/** Segment names are identifiers, so this id never collides with one. */
const LEAF_STATES_ID = '#leaves';

/**
 * The segments of the deployed rules, one document each (definition, state of its
 * computation, size), and one more document with the state of every leaf. Few documents,
 * read by `_id`; size changes that meet are merged into one `$inc` (merged-increments.ts).
 */
export class SegmentCatalogStore {
  private readonly collection: Collection<SegmentCatalogDoc>;
  private readonly leafStates: Collection<LeafStatesDoc>;
  private readonly sizes = new MergedIncrements(async (name, inc) => {
    await this.collection.updateOne({ _id: name }, { $inc: inc });
  });

  constructor(db: Db) {
    this.collection = db.collection<SegmentCatalogDoc>(COLLECTIONS.segments);
    this.leafStates = db.collection<LeafStatesDoc>(COLLECTIONS.segments);
  }

  get(name: string): Promise<SegmentCatalogDoc | null> {
    return this.collection.findOne({ _id: name });
  }

  /** Every segment ever computed, including those a later deploy removed. */
  async all(): Promise<SegmentCatalogDoc[]> {
    return (await this.collection.find({}).toArray()).filter((doc) => doc._id !== LEAF_STATES_ID);
  }

  async put(doc: SegmentCatalogDoc): Promise<void> {
    await upsertOnce(() => this.collection.replaceOne({ _id: doc._id }, doc, { upsert: true }));
  }

  /**
   * Adds the segment unless it is in the catalog already (then nothing changes). The size
   * is never written over: it moves only by `addToSize`, and an entry counted between a
   * read and a write of the whole document would be lost.
   */
  async create(doc: SegmentCatalogDoc): Promise<void> {
    const { _id, ...fields } = doc;
    await upsertOnce(() => this.collection.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true }));
  }

  /** As `create`, for many segments in one request (a deploy's new segments). */
  async createMany(docs: readonly SegmentCatalogDoc[]): Promise<void> {
    await insertManySkippingDuplicates(this.collection, [...docs]);
  }

  /** A new definition to compute; the size and the member list stay as they are until it is judged. */
  async redefine(name: string, change: { def: string; version: number; title?: string }): Promise<void> {
    await this.collection.updateOne({ _id: name }, { $set: { ...change, state: 'computing' }, $unset: { progress: '' } });
  }

  /** Computed: ready, unless a newer deploy has given it another definition meanwhile. */
  async markReady(name: string, def: string, computedAt: Date): Promise<void> {
    await this.collection.updateOne(
      { _id: name, def },
      { $set: { state: 'ready', computedAt }, $unset: { progress: '', firstComputation: '' } },
    );
  }

  /** As `markReady`, for many segments in one write: each only if it still has the definition computed. */
  async markManyReady(computed: readonly { name: string; def: string }[], computedAt: Date): Promise<void> {
    if (computed.length === 0) return;
    await this.collection.updateMany(
      { $or: computed.map(({ name, def }) => ({ _id: name, def })) },
      { $set: { state: 'ready', computedAt }, $unset: { progress: '', firstComputation: '' } },
    );
  }

  /** Takes segments out of the catalog (a deploy that no longer names them). */
  async removeMany(names: readonly string[]): Promise<void> {
    if (names.length > 0) await this.collection.deleteMany({ _id: { $in: [...names] } });
  }

  async update(name: string, set: Partial<Omit<SegmentCatalogDoc, '_id'>>): Promise<void> {
    await this.collection.updateOne({ _id: name }, { $set: set });
  }

  /** The same progress on several segments, in one write (a pass computing them together). */
  async setProgress(names: readonly string[], progress: NonNullable<SegmentCatalogDoc['progress']>): Promise<void> {
    if (names.length > 0) await this.collection.updateMany({ _id: { $in: [...names] } }, { $set: { progress } });
  }

  async remove(name: string): Promise<void> {
    await this.collection.deleteOne({ _id: name });
  }

  async addToSize(name: string, delta: number): Promise<void> {
    await this.sizes.add(name, { size: delta });
  }

  async leaves(): Promise<Record<string, LeafState>> {
    return (await this.leafStates.findOne({ _id: LEAF_STATES_ID }))?.leaves ?? {};
  }

  /**
   * Changes the leaf states with `change`, which gets the current ones: a read-modify-write
   * guarded by the version read, made again on the fresh states when another process (or
   * another call of this one) wrote in between.
   */
  async updateLeaves(change: (leaves: Record<string, LeafState>) => Record<string, LeafState>): Promise<Record<string, LeafState>> {
    for (let tries = 1; tries <= LEAF_TRIES; tries++) {
      const doc = await this.leafStates.findOne({ _id: LEAF_STATES_ID });
      const next = change(doc?.leaves ?? {});
      const version = doc?.version ?? 0;
      try {
        // Guarded by the version read; with none read, by there being none, so that two
        // writers creating the document at once do not write over each other (the second
        // one's upsert meets the first one's `_id` and reads again).
        const written = await this.leafStates.updateOne(
          { _id: LEAF_STATES_ID, version: doc?.version ?? { $exists: false } },
          { $set: { leaves: next, version: version + 1 } },
          { upsert: !doc },
        );
        if (written.matchedCount + written.upsertedCount === 1) return next;
      } catch (error) {
        // Created by another call between the read and the upsert: read again.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
    }
    throw new Error(`the segment leaf states changed under ${LEAF_TRIES} tries in a row`);
  }
}
