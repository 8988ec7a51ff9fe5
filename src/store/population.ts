import type { Collection, Db, Document } from 'mongodb';
import type { Filter, Population } from '../conditions/query.js';
import type { EventDoc, ProfileDoc } from '../model.js';
import { COLLECTIONS } from './collections.js';

/** Results are ids only, so large batches; the driver's default of 101 costs a round trip per 101 ids. */
const BATCH_SIZE = 10_000;

/**
 * Whole-population reads for conditions compiled to queries (dsl/query.ts): profile ids by
 * a filter, and per-profile aggregates of events. Ids and totals only, never documents.
 */
export class PopulationStore implements Population {
  private readonly profiles: Collection<ProfileDoc>;
  private readonly events: Collection<EventDoc>;

  /** `maxTimeMS`: the database gives up each query after this long (`within`). */
  constructor(
    private readonly db: Db,
    private readonly maxTimeMS?: number,
  ) {
    this.profiles = db.collection<ProfileDoc>(COLLECTIONS.profiles);
    this.events = db.collection<EventDoc>(COLLECTIONS.events);
  }

  /**
   * The same reads, each stopped by the database after `ms`: for answers someone waits for
   * (a deploy summary's previews), so that a query nobody waits for any more does not run on
   * for minutes over a grown database.
   */
  within(ms: number): PopulationStore {
    return new PopulationStore(this.db, ms);
  }

  private get options() {
    return { batchSize: BATCH_SIZE, ...(this.maxTimeMS === undefined ? {} : { maxTimeMS: this.maxTimeMS }) };
  }

  async profileIds(filter: Filter): Promise<Set<string>> {
    const docs = await this.profiles.find(filter as Document, { projection: { _id: 1 }, ...this.options }).toArray();
    return new Set(docs.map((doc) => doc._id));
  }

  async profilesWithEvents(events: Filter): Promise<Set<string>> {
    const groups = await this.events.aggregate([{ $match: events }, { $group: { _id: '$profileId' } }], this.options).toArray();
    return new Set(groups.flatMap((group) => (typeof group._id === 'string' ? [group._id] : [])));
  }

  /** One accumulator per `$group`: FerretDB v1.24 computes only the first one correctly. */
  async perProfileSum(events: Filter, summand: 1 | string): Promise<Map<string, number>> {
    const groups = await this.events
      .aggregate([{ $match: events }, { $group: { _id: '$profileId', total: { $sum: summand } } }], this.options)
      .toArray();
    const totals = new Map<string, number>();
    for (const group of groups) if (typeof group._id === 'string') totals.set(group._id, Number(group.total));
    return totals;
  }
}
