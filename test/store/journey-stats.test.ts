/**
 * Journey counters on the real database. Step ids with dots (`0@1.0`, `1.then.0`) are kept
 * as whole keys and read back as written; documents written before that encoding, whose
 * counts MongoDB nested by the dots, read back under the ids they were counted for; and a
 * write that fails is logged and retried with nothing lost.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { COLLECTIONS } from '../../src/store/collections.js';
import { JourneyStatsStore, storedPath } from '../../src/store/journey-stats.js';
import { eventually } from '../support/eventually.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  database = await freshDatabase('journey_stats');
});
afterAll(async () => {
  await database?.drop();
});

const raw = () => database.db.collection<{ _id: string } & Record<string, unknown>>(COLLECTIONS.journeyStats);

/** A logger whose records the test reads. */
function capturingLogger() {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('warn', stream), records };
}

describe('journey step counters', () => {
  it('stores a step id with dots as one key and reads every kind of id back', async () => {
    const store = new JourneyStatsStore(database.db);
    const ids = ['0', '0@1.0', '0@5.3', '1.then.0', '1.else.0.then.1', '2.otherwise.0', '3.b1.0', '4.then.0@2.1'];
    for (const id of ids) {
      store.count('dotted', 1, `steps.${id}.reached`, 2);
      store.count('dotted', 1, `steps.${id}.passed`);
    }
    store.count('dotted', 1, `steps.0@1.0.left`);
    store.count('dotted', 1, 'entered', 3);
    store.count('dotted', 1, 'ended.completed', 2);
    await store.flush();

    const [stats] = (await store.list()).filter((doc) => doc.journey === 'dotted');
    expect(stats!.entered).toBe(3);
    expect(stats!.ended).toEqual({ completed: 2 });
    expect(Object.keys(stats!.steps).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(stats!.steps[id]).toEqual({ reached: 2, passed: 1, left: id === '0@1.0' ? 1 : 0 });
    // Stored flat: one field per step under `steps`, whatever its id.
    const stored = await raw().findOne({ _id: 'dotted@1' });
    expect(Object.keys(stored!.steps as object).length).toBe(ids.length);
    expect(storedPath('steps.1.then.0.reached')).toBe('steps.1\uff0ethen\uff0e0.reached');
  });

  it('reads documents written the old way (ids nested by their dots) under their ids, added to new counts', async () => {
    // What `$inc: {'steps.0@1.0.reached': 1, 'steps.1.then.0.reached': 1, …}` left before the fix.
    await raw().insertOne({
      _id: 'legacy@4',
      journey: 'legacy',
      rulesVersion: 4,
      entered: 2,
      ended: { completed: 1 },
      steps: {
        '0@1': { 0: { reached: 2, passed: 2 }, 1: { reached: 2, passed: 1 } },
        1: { reached: 1, passed: 0, then: { 0: { reached: 1, left: 1 } }, else: { 0: { reached: 0 } } },
        2: { reached: 1, b0: { 0: { reached: 1, passed: 1 } } },
      },
    });
    const store = new JourneyStatsStore(database.db);
    store.count('legacy', 4, 'steps.0@1.0.reached');
    store.count('legacy', 4, 'steps.1.then.0.reached');
    store.count('legacy', 4, 'steps.1.reached');
    await store.flush();

    const [stats] = (await store.list()).filter((doc) => doc.journey === 'legacy');
    expect(stats!.steps).toEqual({
      '0@1.0': { reached: 3, passed: 2, left: 0 },
      '0@1.1': { reached: 2, passed: 1, left: 0 },
      1: { reached: 2, passed: 0, left: 0 },
      '1.then.0': { reached: 2, passed: 0, left: 1 },
      '1.else.0': { reached: 0, passed: 0, left: 0 },
      2: { reached: 1, passed: 0, left: 0 },
      '2.b0.0': { reached: 1, passed: 1, left: 0 },
    });
    expect(stats!.entered).toBe(2);
  });

  it('logs a write that fails, keeps its counts and writes them on a retry', async () => {
    // A document the `$inc` cannot apply to: a counter that is not a number.
    await raw().insertOne({ _id: 'broken@1', journey: 'broken', rulesVersion: 1, entered: 'not a number' });
    const { logger, records } = capturingLogger();
    const store = new JourneyStatsStore(database.db);
    store.setLogger(logger);
    store.count('broken', 1, 'entered');
    store.count('broken', 1, 'steps.0@1.0.reached', 4);
    store.count('fine', 1, 'entered');

    await expect(store.flush()).rejects.toThrow();
    // The other journey's counts were written; the failed ones wait, and the failure is logged with ids only.
    expect((await raw().findOne({ _id: 'fine@1' }))?.entered).toBe(1);
    expect(store.pendingCount()).toBe(5);
    const [warning] = records.filter((record) => record.msg === 'journey counts not written; kept for a retry');
    expect(warning).toMatchObject({ level: 40, journeyVersion: 'broken@1' });

    // Repaired, the next attempt (the store's own timer, not a call here) writes them all.
    await raw().updateOne({ _id: 'broken@1' }, { $set: { entered: 0 } });
    await eventually(async () => (await raw().findOne({ _id: 'broken@1' }))?.entered === 1, 10_000);
    expect(store.pendingCount()).toBe(0);
    const [stats] = (await store.list()).filter((doc) => doc.journey === 'broken');
    expect(stats).toMatchObject({ entered: 1, steps: { '0@1.0': { reached: 4, passed: 0, left: 0 } } });
  });
});
