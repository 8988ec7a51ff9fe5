import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { KeyedLock } from './keyed-lock.js';

/**
 * Per journey and rules version: runs entered, refused (by verdict), ended (by outcome),
 * each step reached, passed and left (a run ending while at it), and messages by status.
 * Field paths: `entered`, `refused.<verdict>`, `ended.<outcome>`, `steps.<id>.reached`,
 * `messages.<status>`.
 */
export interface JourneyStatsDoc {
  /** `<journey>@<rules version>`. */
  _id: string;
  journey: string;
  rulesVersion: number;
  entered?: number;
  refused?: Record<string, number>;
  ended?: Record<string, number>;
  steps?: Record<string, { reached?: number; passed?: number; left?: number }>;
  messages?: Record<string, number>;
  updatedAt?: Date;
}

/** How often counts gathered in memory are written. */
const FLUSH_MS = 1_000;

/**
 * Journey counters, written behind: counts gather in memory and are added to their
 * document once a second, one `$inc` per journey version, so ten thousand runs passing a
 * step at once cost one write, not ten thousand on one hot document. The price, accepted
 * for figures shown to people: a crash loses up to a second of counts, and an activity
 * retried after its count was taken counts twice. Runs and messages themselves are exact
 * (profiles, deliveries); these are the dashboard.
 */
export class JourneyStatsStore {
  private readonly collection: Collection<JourneyStatsDoc>;
  private pending = new Map<string, { journey: string; rulesVersion: number; inc: Map<string, number> }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly writes = new KeyedLock();

  constructor(db: Db) {
    this.collection = db.collection<JourneyStatsDoc>(COLLECTIONS.journeyStats);
  }

  /** Adds `n` to a counter (a field path as above); written within a second. */
  count(journey: string, rulesVersion: number, field: string, n = 1): void {
    const id = `${journey}@${rulesVersion}`;
    const entry = this.pending.get(id) ?? { journey, rulesVersion, inc: new Map<string, number>() };
    entry.inc.set(field, (entry.inc.get(field) ?? 0) + n);
    this.pending.set(id, entry);
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), FLUSH_MS).unref();
  }

  /** Writes what has gathered (tests and shutdown call it; the timer does otherwise). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    for (const [id, { journey, rulesVersion, inc }] of batch) {
      await this.writes.run(id, () =>
        this.collection.updateOne({ _id: id }, { $inc: Object.fromEntries(inc), $set: { journey, rulesVersion, updatedAt: new Date() } }, { upsert: true }));
    }
  }

  /** Every journey version's counters (one document each: a few per journey). */
  async list(): Promise<JourneyStatsDoc[]> {
    await this.flush();
    return this.collection.find({}).sort({ journey: 1, rulesVersion: 1 }).toArray();
  }
}
