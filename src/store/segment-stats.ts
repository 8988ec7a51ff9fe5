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
   * The counts of each day from `from` to `to` (UTC dates, inclusive) that had any.
   * Days over before `settledBefore` (an instant) are read once and then kept for a while:
   * the dashboards read each segment's last 14 days on every refresh, and only today's move.
   */
  async days(segment: string, from: string, to: string, options: { settledBefore?: Date } = {}): Promise<DayCounts[]> {
    return (await this.daysOfMany([segment], from, to, options)).get(segment) ?? [];
  }

  /**
   * `days` for many segments at once (the segment list): whatever is not kept is read in one
   * `$in` of `_id`s, instead of a lookup per segment and day (80 segments' fortnight was
   * 1,120 lookups, which held the connection pool for seconds).
   */
  async daysOfMany(
    segments: readonly string[],
    from: string,
    to: string,
    options: { settledBefore?: Date } = {},
  ): Promise<Map<string, DayCounts[]>> {
    const keys: string[] = [];
    for (let day = new Date(`${from}T00:00:00Z`); day.toISOString().slice(0, 10) <= to; day = new Date(day.getTime() + DAY_MS)) {
      keys.push(day.toISOString().slice(0, 10));
    }
    const docs = new Map<string, DayDoc | null>();
    const unread: { id: string; settled: boolean }[] = [];
    for (const segment of segments)
      for (const key of keys) {
        const id = `${segment}#${key}`;
        // A day's changes are copied to its document shortly after they happen (the engine copies
        // them in batches), so a day counts as over a while after midnight, not at once.
        const settled =
          options.settledBefore !== undefined && Date.parse(`${key}T00:00:00Z`) + DAY_MS + SETTLE_MS <= options.settledBefore.getTime();
        const cached = settled ? this.settledDays.get(id) : undefined;
        if (cached && cached.until > Date.now()) docs.set(id, cached.doc);
        else unread.push({ id, settled });
      }
    if (unread.length > 0) {
      const found = new Map(
        (await this.collection.find({ _id: { $in: unread.map(({ id }) => id) } }).toArray()).map((doc) => [doc._id, doc]),
      );
      for (const { id, settled } of unread) {
        const doc = found.get(id) ?? null;
        docs.set(id, doc);
        if (!settled) continue;
        this.settledDays.delete(id);
        this.settledDays.set(id, { doc, until: Date.now() + SETTLED_CACHE_MS });
        if (this.settledDays.size > SETTLED_CACHE_ENTRIES) this.settledDays.delete(this.settledDays.keys().next().value!);
      }
    }
    return new Map(
      segments.map((segment) => [
        segment,
        keys.flatMap((key) => {
          const doc = docs.get(`${segment}#${key}`);
          return doc ? [{ day: key, hours: doc.hours }] : [];
        }),
      ]),
    );
  }
}
