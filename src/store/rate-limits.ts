/**
 * Attempt counters that every server process shares, for limits that must hold however
 * many processes answer behind a load balancer (the privacy page's link requests).
 *
 * Fixed windows, one document each: `_id` = `<limit>:<key>:<window start, ms>`, counted
 * by an `$inc` upsert on that bare `_id`, the one filter FerretDB answers from an index.
 * The key is whatever the caller gives, and callers give keyed hashes: nothing here names
 * a person or an address. A window's document is deleted by `_id` when the key's next
 * window opens; the windows of keys that never come back are deleted by expiry (a TTL
 * index on MongoDB, and on any database a periodic delete, for FerretDB, which has no TTL indexes).
 *
 * Each count is one atomic `$inc` (the embedded FerretDB is built to apply updates
 * atomically: src/infra/ferretdb-patch.ts), so processes hitting one key at the same
 * instant each count.
 */
import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';

/** How often a process deletes expired windows where no TTL index does it. */
const CLEANUP_EVERY_MS = 10 * 60_000;

export interface RateLimit {
  /** Names the limit in `_id`s: letters, digits, `-` and `_`. */
  name: string;
  /** Attempts allowed per window. */
  limit: number;
  windowMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Attempts counted in this window, this one included. */
  count: number;
  /** Until the window ends: when a refused caller may try again. */
  retryAfterMs: number;
}

interface WindowDoc {
  _id: string;
  count: number;
  /** The end of the window, when its count no longer matters. */
  expiresAt: Date;
}

const SAFE = /^[A-Za-z0-9_-]+$/;

export class RateLimitStore {
  private readonly collection: Collection<WindowDoc>;
  private nextCleanupAt = 0;

  constructor(db: Db) {
    this.collection = db.collection<WindowDoc>(COLLECTIONS.rateLimits);
  }

  /** MongoDB deletes a window once it has ended. */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  }

  /** Counts one attempt under `key`; refused once the window holds more than the limit. */
  async hit(limit: RateLimit, key: string, now: Date): Promise<RateDecision> {
    if (!SAFE.test(limit.name) || !SAFE.test(key))
      throw new RangeError(`rate limit names and keys are letters, digits, - and _ (a keyed hash), not "${limit.name}" / "${key}"`);
    const start = Math.floor(now.getTime() / limit.windowMs) * limit.windowMs;
    const id = windowId(limit, key, start);
    const expiresAt = new Date(start + limit.windowMs);
    const count = await this.increment(id, expiresAt);
    if (count === 1) await this.forget(windowId(limit, key, start - limit.windowMs), now);
    return { allowed: count <= limit.limit, count, retryAfterMs: expiresAt.getTime() - now.getTime() };
  }

  /** Deletes every window that has ended; the number deleted. */
  async deleteExpired(now: Date): Promise<number> {
    return (await this.collection.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }

  private async increment(id: string, expiresAt: Date): Promise<number> {
    const update = { $inc: { count: 1 }, $setOnInsert: { expiresAt } };
    try {
      return (await this.collection.findOneAndUpdate({ _id: id }, update, { upsert: true, returnDocument: 'after' }))!.count;
    } catch (error) {
      // Two first attempts of a window: one inserts it, the other counts in it.
      if ((error as { code?: number }).code !== 11000) throw error;
      return (await this.collection.findOneAndUpdate({ _id: id }, { $inc: { count: 1 } }, { returnDocument: 'after' }))!.count;
    }
  }

  /** A key's previous window, when its next one opens; now and then, every ended window. */
  private async forget(previousId: string, now: Date): Promise<void> {
    await this.collection.deleteOne({ _id: previousId });
    if (now.getTime() < this.nextCleanupAt) return;
    this.nextCleanupAt = now.getTime() + CLEANUP_EVERY_MS;
    await this.deleteExpired(now);
  }
}

function windowId(limit: RateLimit, key: string, start: number): string {
  return `${limit.name}:${key}:${start}`;
}
