/**
 * Copying membership changes is harmless to repeat (a crash between the profile write and
 * the copies, or a restart that forgot what was copied, copies them again): the member
 * list, the size, the stats and the history each count a change once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { SegmentChange } from '../../src/model.js';
import { SegmentEngine } from '../../src/segments/engine.js';
import { createStores, type Stores } from '../../src/store/index.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let stores: Stores;
beforeAll(async () => {
  database = await freshDatabase('segment-copies');
  stores = createStores(database.db);
});
afterAll(async () => {
  await database?.drop();
});

describe('copying segment changes', () => {
  it('counts each change once, however often it is copied', async () => {
    const at = new Date('2026-12-02T10:15:00Z');
    await stores.segments.put({ _id: 'vip', def: 'd', version: 1, state: 'ready', size: 0, createdAt: at });
    const change = (n: number, kind: SegmentChange['change'], minutes: number): SegmentChange => ({
      _id: `p1:${n}`,
      profileId: 'p1',
      segment: 'vip',
      change: kind,
      at: new Date(at.getTime() + minutes * 60_000),
      reason: { kind: 'time window' },
    });
    const changes = [change(0, 'entered', 0), change(1, 'exited', 5), change(2, 'entered', 10)];
    const engine = new SegmentEngine({ stores, now: () => at, logger: createLogger('silent') });
    await engine.copyChanges(changes);
    await engine.copyChanges(changes);
    // After a restart, the profile's pending changes (those of its last write) are copied again.
    await new SegmentEngine({ stores, now: () => at, logger: createLogger('silent') }).copyChanges(changes.slice(2));
    expect((await stores.segmentMembers.page('vip', 10)).members).toEqual([{ profileId: 'p1', since: changes[2]!.at }]);
    expect((await stores.segments.get('vip'))?.size).toBe(1);
    expect(await stores.segmentStats.days('vip', '2026-12-02', '2026-12-02')).toEqual([
      { day: '2026-12-02', hours: { 10: { entered: 2, exited: 1 } } },
    ]);
    expect((await stores.segmentHistory.ofProfile('p1', 10, 3)).map((stored) => stored._id)).toEqual(['p1:2', 'p1:1', 'p1:0']);
  });
});
