/** RateLimitStore on the real database: windows by `_id`, counted, refused past the limit, expired, cleaned up. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitStore, type RateLimit } from '../../src/store/rate-limits.js';
import { COLLECTIONS } from '../../src/store/collections.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  database = await freshDatabase('ratelimits');
});
afterAll(async () => {
  await database?.drop();
});

const MINUTE = 60_000;
const limit: RateLimit = { name: 'test-limit', limit: 3, windowMs: MINUTE };
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

describe('RateLimitStore', () => {
  it('allows the limit per window, refuses past it until the window ends, then allows again', async () => {
    const store = new RateLimitStore(database.db);
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await store.hit(limit, 'key-a', at(10_000 + i)));
    expect(decisions.map((d) => [d.allowed, d.count])).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
      [false, 4],
      [false, 5],
    ]);
    expect(decisions[3]!.retryAfterMs).toBe(MINUTE - 10_003);
    // Another key has its own budget.
    expect((await store.hit(limit, 'key-b', at(10_000))).allowed).toBe(true);
    // The next window: the budget is back, and the ended window's document is gone.
    expect(await store.hit(limit, 'key-a', at(MINUTE))).toMatchObject({ allowed: true, count: 1 });
    const ids = (await database.db.collection(COLLECTIONS.rateLimits).find({}).toArray()).map((doc) => doc._id).sort();
    expect(ids).toEqual([`test-limit:key-a:${at(MINUTE).getTime()}`, `test-limit:key-b:${at(0).getTime()}`]);
  });

  it('counts parallel attempts one by one', async () => {
    const store = new RateLimitStore(database.db);
    const decisions = await Promise.all(Array.from({ length: 10 }, () => store.hit(limit, 'key-parallel', at(0))));
    expect(decisions.map((d) => d.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
  });

  it('deletes every ended window', async () => {
    const store = new RateLimitStore(database.db);
    await store.hit(limit, 'key-old', at(5 * MINUTE));
    await store.hit(limit, 'key-new', at(6 * MINUTE));
    expect(await store.deleteExpired(at(6 * MINUTE))).toBeGreaterThanOrEqual(1);
    const left = await database.db
      .collection(COLLECTIONS.rateLimits)
      .find({ _id: { $in: [`test-limit:key-old:${at(5 * MINUTE).getTime()}`, `test-limit:key-new:${at(6 * MINUTE).getTime()}`] } as never })
      .toArray();
    expect(left.map((doc) => doc._id)).toEqual([`test-limit:key-new:${at(6 * MINUTE).getTime()}`]);
  });

  it('refuses a key that is not a hash (an address in clear)', async () => {
    const store = new RateLimitStore(database.db);
    await expect(store.hit(limit, 'someone@example.org', at(0))).rejects.toThrow(/keyed hash/);
    await expect(store.hit(limit, '203.0.113.9', at(0))).rejects.toThrow(/keyed hash/);
  });
});
