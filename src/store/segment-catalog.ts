import type { Collection, Db } from 'mongodb';
import type { SegmentCatalogDoc } from '../model.js';
import { COLLECTIONS } from './collections.js';
import { KeyedLock } from './keyed-lock.js';
import { MergedIncrements } from './merged-increments.js';

/** Whether ingestion keeps a leaf's facts yet, and from which events on (see src/segments/recompute.ts). */
export interface LeafState {
  /** The leaf itself (src/segments/leaves.ts), so facts can be merged without the rules that named it. */
  leaf: unknown;
  /**
   * Events received after this instant are folded live by the profile writer; those
   * received up to it, by the backfill. Absent until the deploy has set it.
   */
  cutoff?: Date;
  /** The backfill is done: facts are complete for everyone. */
  ready: boolean;
}

interface LeafStatesDoc {
  _id: typeof LEAF_STATES_ID;
  leaves: Record<string, LeafState>;
}

/** Segment names are identifiers, so this id never collides with one. */
const LEAF_STATES_ID = '#leaves';

/**
 * The segments of the deployed rules, one document each (definition, state of its
 * computation, size), and one more document with the state of every leaf. Few documents,
 * read by `_id`; writes are serialised per segment because FerretDB applies `$inc` as a
 * read and a write (see keyed-lock.ts), and size changes that meet are merged into one
 * write (merged-increments.ts).
 */
export class SegmentCatalogStore {
  private readonly collection: Collection<SegmentCatalogDoc>;
  private readonly leafStates: Collection<LeafStatesDoc>;
  private readonly writes = new KeyedLock();
  private readonly sizes = new MergedIncrements((name, inc) =>
    this.writes.run(name, async () => {
      await this.collection.updateOne({ _id: name }, { $inc: inc });
    }));

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
    await this.writes.run(doc._id, () => this.collection.replaceOne({ _id: doc._id }, doc, { upsert: true }));
  }

  async update(name: string, set: Partial<Omit<SegmentCatalogDoc, '_id'>>): Promise<void> {
    await this.writes.run(name, () => this.collection.updateOne({ _id: name }, { $set: set }));
  }

  async remove(name: string): Promise<void> {
    await this.writes.run(name, () => this.collection.deleteOne({ _id: name }));
  }

  async addToSize(name: string, delta: number): Promise<void> {
    await this.sizes.add(name, { size: delta });
  }

  async leaves(): Promise<Record<string, LeafState>> {
    return (await this.leafStates.findOne({ _id: LEAF_STATES_ID }))?.leaves ?? {};
  }

  /** Changes the leaf states with `change`, which gets the current ones (a read-modify-write, serialised). */
  async updateLeaves(change: (leaves: Record<string, LeafState>) => Record<string, LeafState>): Promise<Record<string, LeafState>> {
    return this.writes.run(LEAF_STATES_ID, async () => {
      const next = change(await this.leaves());
      await this.leafStates.updateOne({ _id: LEAF_STATES_ID }, { $set: { leaves: next } }, { upsert: true });
      return next;
    });
  }
}
