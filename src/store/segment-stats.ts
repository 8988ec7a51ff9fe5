import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { MergedIncrements } from './merged-increments.js';
import { upsertOnce } from './upsert.js';

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

const DAY_MS = 86_400_000;
/** How long after midnight a day's counts are taken as final. */
const SETTLE_MS = 15 * 60_000;
/** How long a final day's document is kept before it is read again (a late copy shows up by then). */
const SETTLED_CACHE_MS = 10 * 60_000;
/** Bounds the memory: 14 days of 1,000 segments, or 400 days of 50. */
const SETTLED_CACHE_ENTRIES = 20_000;

/** Entries and exits per segment and hour, a document per segment and day (read by `_id`). */
export class SegmentStatsStore {
  private readonly collection: Collection<DayDoc>;
  /**
   * Every change of a popular segment counts in one document a day: increments of it
   * that meet are merged into one write (merged-increments.ts).
   */
  private readonly counts = new MergedIncrements(async (id, inc, set) => {
    await upsertOnce(() => this.collection.updateOne({ _id: id }, { $set: set, $inc: inc }, { upsert: true }));
  });

  /** Documents of days that are over, by `_id`, with when to read them again (oldest first). */
  private readonly settledDays = new Map<string, { doc: DayDoc | null; until: number }>();

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
   * Days over before `settledBefore` (an instant) are read once and then kept for a while:
   * the dashboards read each segment's last 14 days on every refresh, and only today's move.
   */
  async days(segment: string, from: string, to: string, options: { settledBefore?: Date } = {}): Promise<DayCounts[]> {
    const keys: string[] = [];
    for (let day = new Date(`${from}T00:00:00Z`); day.toISOString().slice(0, 10) <= to; day = new Date(day.getTime() + DAY_MS)) {
      keys.push(day.toISOString().slice(0, 10));
    }
    const docs = await Promise.all(keys.map((key) => this.readDay(`${segment}#${key}`, key, options.settledBefore)));
    return keys.flatMap((key, index) => {
      const doc = docs[index];
      return doc ? [{ day: key, hours: doc.hours }] : [];
    });
  }

  private async readDay(id: string, day: string, settledBefore: Date | undefined): Promise<DayDoc | null> {
    // A day's changes are copied to its document shortly after they happen (the engine copies
    // them in batches), so a day counts as over a while after midnight, not at once.
    const settled = settledBefore !== undefined && Date.parse(`${day}T00:00:00Z`) + DAY_MS + SETTLE_MS <= settledBefore.getTime();
    const cached = settled ? this.settledDays.get(id) : undefined;
    if (cached && cached.until > Date.now()) return cached.doc;
    const doc = await this.collection.findOne({ _id: id });
    if (settled) {
      this.settledDays.delete(id);
      this.settledDays.set(id, { doc, until: Date.now() + SETTLED_CACHE_MS });
      if (this.settledDays.size > SETTLED_CACHE_ENTRIES) this.settledDays.delete(this.settledDays.keys().next().value!);
    }
    return doc;
  }
}
