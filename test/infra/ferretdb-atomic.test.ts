/**
 * Several processes sharing one FerretDB: update, findAndModify and delete from separate
 * connections must behave as if they ran one after another (src/infra/ferretdb-patch.ts,
 * ATOMIC_STATEMENTS), and a filter with a top-level `_id` must be looked up in the `_id`
 * index whatever else it holds (ID_PUSHDOWN); an update of many documents writes them in
 * batches, each one transaction (BATCHED_UPDATE_WRITES). Only observable outcomes are asserted.
 */
import { MongoClient, type Collection, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPDATE_BATCH_SIZE } from '../../src/infra/ferretdb-patch.js';
import { freshDatabase, mongoUri } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
/** One client per simulated process, each with connections of its own. */
let clients: MongoClient[];
const CLIENTS = 6;

beforeAll(async () => {
  database = await freshDatabase('atomic');
  clients = await Promise.all(Array.from({ length: CLIENTS }, () => new MongoClient(mongoUri()).connect()));
});
afterAll(async () => {
  await Promise.all(clients?.map((client) => client.close()) ?? []);
  await database?.drop();
});

/** The same collection as seen by each client. */
function collectionPerClient<T extends Document>(name: string): Collection<T>[] {
  return clients.map((client) => client.db(database.name).collection<T>(name));
}

interface Counter {
  _id: string;
  n: number;
  version?: number;
  group?: string;
}

describe('read-modify-write from separate connections', () => {
  it('loses no $inc, on one document or on several at once', async () => {
    const [first, ...others] = collectionPerClient<Counter>('inc');
    await first!.insertMany([{ _id: 'one', n: 0 }, ...['m1', 'm2', 'm3'].map((_id) => ({ _id, n: 0, group: 'g' }))]);
    const each = 150;
    await Promise.all(
      [first!, ...others].map(async (coll) => {
        for (let i = 0; i < each; i++) {
          await coll.updateOne({ _id: 'one' }, { $inc: { n: 1 } });
          if (i % 3 === 0) await coll.updateMany({ group: 'g' }, { $inc: { n: 1 } });
        }
      }),
    );
    expect(await first!.findOne({ _id: 'one' })).toMatchObject({ n: CLIENTS * each });
    expect((await first!.find({ group: 'g' }).toArray()).map((doc) => doc.n)).toEqual([CLIENTS * 50, CLIENTS * 50, CLIENTS * 50]);
  });

  it('lets exactly one guarded compare-and-set through per version', async () => {
    const colls = collectionPerClient<Counter>('cas');
    await colls[0]!.insertOne({ _id: 'doc', n: 0, version: 0 });
    const successes = await Promise.all(
      colls.map(async (coll) => {
        let won = 0;
        for (let attempt = 0; attempt < 80; attempt++) {
          const { version } = (await coll.findOne({ _id: 'doc' }))!;
          const result = await coll.updateOne({ _id: 'doc', version }, { $set: { version: version! + 1 }, $inc: { n: 1 } });
          won += result.modifiedCount;
        }
        return won;
      }),
    );
    const total = successes.reduce((sum, won) => sum + won, 0);
    expect(total).toBeGreaterThan(0);
    expect(await colls[0]!.findOne({ _id: 'doc' })).toEqual({ _id: 'doc', n: total, version: total });
  });

  it('creates one document when concurrent upserts race for a new _id, through findAndModify and update', async () => {
    const colls = collectionPerClient<Counter>('upsert');
    for (let round = 0; round < 15; round++) {
      const viaFindAndModify = `fam-${round}`;
      const viaUpdate = `upd-${round}`;
      await Promise.all(
        colls.flatMap((coll) => [
          coll.findOneAndUpdate({ _id: viaFindAndModify }, { $inc: { n: 1 } }, { upsert: true }),
          coll.updateOne({ _id: viaUpdate }, { $inc: { n: 1 } }, { upsert: true }),
        ]),
      );
      expect(
        await colls[0]!
          .find({ _id: { $in: [viaFindAndModify, viaUpdate] } })
          .sort({ _id: 1 })
          .toArray(),
      ).toEqual([
        { _id: viaFindAndModify, n: CLIENTS },
        { _id: viaUpdate, n: CLIENTS },
      ]);
    }
  });

  it('never deletes a document another client has just given to someone else', async () => {
    const [owner, deleter, updater, remover, giver] = collectionPerClient<{ _id: string; owner: string; filler?: boolean }>('owners');
    // Enough other documents that reading a collection takes a while, as in a real one.
    await owner!.insertMany(Array.from({ length: 2000 }, (_, i) => ({ _id: `filler-${i}`, owner: 'z', filler: true })));
    const rounds = 150;
    let deletedFirst = 0;
    let givenFirst = 0;
    for (let round = 0; round < rounds; round++) {
      const _id = `doc-${round}`;
      await owner!.insertOne({ _id, owner: 'a' });
      // The guarded delete through deleteOne (delete, limit 1) and findOneAndDelete (findAndModify remove) alternately.
      const remove =
        round % 2 === 0
          ? deleter!.deleteOne({ _id, owner: 'a' }).then((result) => result.deletedCount)
          : remover!.findOneAndDelete({ _id, owner: 'a' }).then((doc) => (doc ? 1 : 0));
      const [deleted, given] = await Promise.all([
        remove,
        (round % 3 === 0 ? giver : updater)!.updateOne({ _id }, { $set: { owner: 'b' } }),
      ]);
      const left = await owner!.findOne({ _id });
      if (deleted === 1) {
        // The delete came first: the gift found nothing to change, and nothing is left.
        expect({ round, given: given.modifiedCount, left }).toEqual({ round, given: 0, left: null });
        deletedFirst++;
      } else {
        expect({ round, given: given.modifiedCount, left }).toEqual({ round, given: 1, left: { _id, owner: 'b' } });
        givenFirst++;
      }
    }
    expect(deletedFirst + givenFirst).toBe(rounds);
  });

  it('deletes every match of a multi-document delete once, beside concurrent updates of them', async () => {
    for (let round = 0; round < 5; round++) {
      const [first, ...others] = collectionPerClient<{ _id: string; state: string }>(`multi${round}`);
      await first!.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: `m${i}`, state: 'stale' })));
      // One client deletes the stale documents (delete, limit 0) while the others revive some.
      const [deleted, ...revived] = await Promise.all([
        first!.deleteMany({ state: 'stale' }).then((result) => result.deletedCount),
        ...others.map((coll, i) =>
          coll
            .updateMany({ _id: { $in: [`m${i}`, `m${i + 100}`, `m${i + 200}`] } }, { $set: { state: 'fresh' } })
            .then((result) => result.modifiedCount),
        ),
      ]);
      const left = await first!.find().toArray();
      // Whatever the order, a document was either deleted while stale or revived and left.
      expect(left.every((doc) => doc.state === 'fresh')).toBe(true);
      expect({ round, revived: revived.reduce((sum, n) => sum + n, 0) }).toEqual({ round, revived: left.length });
      expect(deleted + left.length).toBe(300);
    }
  });
});

describe('an update of many documents (BATCHED_UPDATE_WRITES: one transaction per batch)', () => {
  it('changes every match across batches, once each, beside the same update from other connections', async () => {
    const colls = collectionPerClient<Counter>('batched');
    const many = UPDATE_BATCH_SIZE * 2 + 500;
    await colls[0]!.insertMany(Array.from({ length: many }, (_, i) => ({ _id: `b${String(i).padStart(5, '0')}`, n: 0, group: 'g' })));
    const answers = await Promise.all(colls.slice(0, 3).map((coll) => coll.updateMany({ group: 'g' }, { $inc: { n: 1 } })));
    expect(answers.map((answer) => [answer.matchedCount, answer.modifiedCount])).toEqual([
      [many, many],
      [many, many],
      [many, many],
    ]);
    const counts = await colls[1]!
      .aggregate<{ _id: number; documents: number }>([{ $group: { _id: '$n', documents: { $sum: 1 } } }])
      .toArray();
    expect(counts).toEqual([{ _id: 3, documents: many }]);
  });

  it('writes nothing of a batch in which one document cannot take the update, and says which', async () => {
    const [coll] = collectionPerClient<{ _id: string; n: number | string; group: string }>('batched-refused');
    await coll!.insertMany([...['r1', 'r2', 'r3'].map((_id) => ({ _id, n: 0, group: 'r' })), { _id: 'r4', n: 'four', group: 'r' }]);
    // The driver's types refuse `$inc` on a field that may hold a string: the point here.
    await expect(coll!.updateMany({ group: 'r' }, { $inc: { n: 1 } } as never)).rejects.toThrow(/non-numeric/);
    expect((await coll!.find({ group: 'r' }).sort({ _id: 1 }).toArray()).map((doc) => doc.n)).toEqual([0, 0, 0, 'four']);
  });
});

describe('guarded filters use the _id index', () => {
  const explain = (command: Document) =>
    database.db.command({ explain: command }) as Promise<{ filterPushdown: boolean; queryPlanner: { Plan: string[] } }>;

  beforeAll(async () => {
    await database.db.collection('guarded').insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: `g${i}` as never, version: 3 })));
  });

  it('pushes a filter of _id and more down to the index, in find and in aggregate', async () => {
    for (const command of [
      { find: 'guarded', filter: { _id: 'g7', version: 3 } },
      { aggregate: 'guarded', pipeline: [{ $match: { version: 3, _id: 'g7' } }], cursor: {} },
    ]) {
      const plan = await explain(command);
      expect(plan.filterPushdown).toBe(true);
      expect(plan.queryPlanner.Plan.join('\n')).toMatch(/SEARCH .* USING INDEX/);
    }
    // Without an _id the whole collection is read, as before.
    expect((await explain({ find: 'guarded', filter: { version: 3 } })).filterPushdown).toBe(false);
  });

  it('still applies the rest of the filter', async () => {
    const guarded = database.db.collection<{ _id: string; version: number }>('guarded');
    expect(await guarded.find({ _id: 'g7', version: 3 }).toArray()).toEqual([{ _id: 'g7', version: 3 }]);
    expect(await guarded.find({ _id: 'g7', version: 4 }).toArray()).toEqual([]);
    expect(await guarded.countDocuments({ _id: 'g7', version: { $gt: 3 } })).toBe(0);
    expect((await guarded.updateOne({ _id: 'g7', version: 2 }, { $set: { version: 9 } })).matchedCount).toBe(0);
    expect((await guarded.updateOne({ _id: 'g7', version: 3 }, { $set: { version: 4 } })).modifiedCount).toBe(1);
    expect((await guarded.deleteOne({ _id: 'g8', version: 4 })).deletedCount).toBe(0);
    expect(await guarded.find({ _id: 'g7', $or: [{ version: 4 }, { version: 5 }] }, { limit: 1 }).toArray()).toEqual([
      { _id: 'g7', version: 4 },
    ]);
  });
});
