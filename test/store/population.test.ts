/**
 * Whole-population reads on the real database, and the bound a caller may put on them: a
 * query given `within(ms)` is stopped by the database itself when it runs longer, so a
 * preview nobody waits for any more does not run on over a grown database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/store/collections.js';
import { PopulationStore } from '../../src/store/population.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
const EVENTS = 30_000;

beforeAll(async () => {
  database = await freshDatabase('population');
  const at = new Date('2026-12-01T10:00:00Z');
  for (let from = 0; from < EVENTS; from += 5000) {
    await database.db.collection(COLLECTIONS.events).insertMany(
      Array.from({ length: 5000 }, (_, i) => ({
        _id: `e${from + i}` as never,
        profileId: `p${(from + i) % 1000}`,
        event: 'Order Completed',
        properties: { revenue: 10 },
        timestamp: at,
        receivedAt: at,
      })),
    );
  }
}, 120_000);
afterAll(async () => {
  await database?.drop();
});

describe('population reads', () => {
  it('answers within a bound it can keep', async () => {
    const totals = await new PopulationStore(database.db).within(60_000).perProfileSum({ event: 'Order Completed' }, '$properties.revenue');
    expect(totals.size).toBe(1000);
    expect(totals.get('p7')).toBe((EVENTS / 1000) * 10);
  });

  it('is stopped by the database past its bound, rather than running on', async () => {
    const bounded = new PopulationStore(database.db).within(1);
    await expect(bounded.perProfileSum({ event: 'Order Completed' }, '$properties.revenue')).rejects.toMatchObject({
      codeName: 'MaxTimeMSExpired',
    });
    await expect(bounded.profilesWithEvents({ event: 'Order Completed' })).rejects.toMatchObject({ codeName: 'MaxTimeMSExpired' });
  });
});
