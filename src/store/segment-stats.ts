import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { MergedIncrements } from './merged-increments.js';

export interface HourCounts {
  entered: number;
  exited: number;
}

interface DayDoc {
  /** `<segment>#<YYYY-MM-DD>` (UTC) */
  _id: string;
  segment: string;
  day: string;
  /** Keyed by the UTC hour, `00`–`23`. */
  hours: Record<string, HourCounts>;
}

export interface DayCounts {
  day: string;
  hours: Record<string, HourCounts>;
}

/** Entries and exits per segment and hour, a document per segment and day (read by `_id`). */
export class SegmentStatsStore {
  private readonly collection: Collection<DayDoc>;
  /**
   * Every change of a popular segment counts in one document a day: increments of it are
   * written one at a time (FerretDB's `$inc` is a read and a write: keyed-lock.ts) and
   * those that meet are merged into one write (merged-increments.ts).
   */
  private readonly counts = new MergedIncrements(async (id, inc, set) => {
    await this.collection.updateOne({ _id: id }, { $set: set, $inc: inc }, { upsert: true });
  });

  constructor(db: Db) {
    this.collection = db.collection<DayDoc>(COLLECTIONS.segmentStats);
  }

  async record(segment: string, change: 'entered' | 'exited', at: Date, count = 1): Promise<void> {
    const day = at.toISOString().slice(0, 10);
    const hour = at.toISOString().slice(11, 13);
    const id = `${segment}#${day}`;
    await this.counts.add(id, { [`hours.${hour}.${change}`]: count }, { segment, day });
  }

  /**
   * The counts of each day from `from` to `to` (UTC dates, inclusive) that had any: one
   * lookup by `_id` per day, made at once (the driver's pool bounds how many run together).
   */
  async days(segment: string, from: string, to: string): Promise<DayCounts[]> {
    const keys: string[] = [];
    for (let day = new Date(`${from}T00:00:00Z`); day.toISOString().slice(0, 10) <= to; day = new Date(day.getTime() + 86_400_000)) {
      keys.push(day.toISOString().slice(0, 10));
    }
    const docs = await Promise.all(keys.map((key) => this.collection.findOne({ _id: `${segment}#${key}` })));
    return keys.flatMap((key, index) => {
      const doc = docs[index];
      return doc ? [{ day: key, hours: doc.hours }] : [];
    });
  }
}
