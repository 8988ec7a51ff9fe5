/**
 * A string condition on a field that leads an index searches that index on the embedded
 * FerretDB (src/infra/ferretdb-patch.ts, INDEXED_FIELD_PUSHDOWN), so reading one person's
 * events does not read everyone's. The rows searched are a superset of the matches: what
 * the filter matches is exactly what MongoDB would match, arrays and odd strings included.
 * A date range on the index's second field (INDEXED_DATE_RANGE_PUSHDOWN) drops rows before
 * they are decoded, and matches the same as without the index, whatever the field holds.
 */
import type { Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;

interface Row {
  _id: string;
  profileId: string | string[] | number;
  type: string;
  n: number;
}

const rows = (): Row[] => [
  ...Array.from({ length: 200 }, (_, i) => ({ _id: `e${i}`, profileId: `p${i % 20}`, type: i % 2 ? 'track' : 'page', n: i })),
  { _id: 'array', profileId: ['p3', 'p4'], type: 'track', n: 1000 },
  { _id: 'odd', profileId: 'a<b"c\\d é', type: 'track', n: 1001 },
  { _id: 'number', profileId: 3, type: 'track', n: 1002 },
];

const explain = (command: Document) =>
  database.db.command({ explain: command }) as Promise<{ filterPushdown: boolean; queryPlanner: { Plan: string[] } }>;

interface TimedRow {
  _id: string;
  profileId: string;
  at?: Date | string | number | null | Date[];
}

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
/** One person's rows over a year, ties included, and rows whose `at` is anything but a date. */
const timedRows = (): TimedRow[] => [
  ...Array.from({ length: 120 }, (_, i) => ({
    _id: `t${String(i).padStart(3, '0')}`,
    profileId: i % 4 ? 'p1' : 'p2',
    at: new Date(T0 + Math.floor(i / 2) * 6 * DAY),
  })),
  { _id: 'as-string', profileId: 'p1', at: '2026-02-01T00:00:00Z' },
  { _id: 'as-number-inside', profileId: 'p1', at: T0 + 10 * DAY },
  { _id: 'as-number-outside', profileId: 'p1', at: T0 - 10 * DAY },
  { _id: 'as-array', profileId: 'p1', at: [new Date(T0 - 400 * DAY), new Date(T0 + 30 * DAY)] },
  { _id: 'as-null', profileId: 'p1', at: null },
  { _id: 'missing', profileId: 'p1' },
  { _id: 'long-ago', profileId: 'p1', at: new Date(Date.UTC(1971, 5, 1)) },
];

beforeAll(async () => {
  database = await freshDatabase('indexed_fields');
  const timed = database.db.collection<TimedRow>('timed');
  await timed.createIndex({ profileId: 1, at: -1 });
  await timed.insertMany(timedRows());
  await database.db.collection<TimedRow>('timed_unindexed').insertMany(timedRows());
  const events = database.db.collection<Row>('events');
  await events.createIndex({ profileId: 1, n: -1 });
  await events.insertMany(rows());
  await database.db.collection<Row>('unindexed').insertMany(rows());
});
afterAll(async () => {
  await database?.drop();
});

const ids = (docs: { _id: string }[]) => docs.map((doc) => doc._id).sort();

describe('a condition on an indexed field', () => {
  it('searches the index, in find and in aggregate, for an equality and for $in', async () => {
    for (const command of [
      { find: 'events', filter: { profileId: 'p3' } },
      { find: 'events', filter: { type: 'track', profileId: { $in: ['p3', 'p5'] } } },
      { aggregate: 'events', pipeline: [{ $match: { profileId: 'p3', type: 'track' } }], cursor: {} },
    ]) {
      const plan = await explain(command);
      expect(plan.filterPushdown).toBe(true);
      expect(plan.queryPlanner.Plan.join('\n')).toMatch(/SEARCH .* USING INDEX/);
    }
  });

  it('searches the _id index for an $in of ids', async () => {
    const plan = await explain({ find: 'unindexed', filter: { _id: { $in: ['e1', 'e2', 'array'] } } });
    expect(plan.filterPushdown).toBe(true);
    expect(plan.queryPlanner.Plan.join('\n')).toMatch(/SEARCH .* USING INDEX/);
    const found = await database.db
      .collection<Row>('unindexed')
      .find({ _id: { $in: ['e1', 'e2', 'array', 'none'] } })
      .toArray();
    expect(ids(found)).toEqual(['array', 'e1', 'e2']);
  });

  it('reads the whole collection where no index leads with the field, or the value is not a plain string', async () => {
    expect((await explain({ find: 'unindexed', filter: { profileId: 'p3' } })).filterPushdown).toBe(false);
    expect((await explain({ find: 'events', filter: { type: 'track' } })).filterPushdown).toBe(false);
    expect((await explain({ find: 'events', filter: { profileId: 'a<b' } })).filterPushdown).toBe(false);
    expect((await explain({ find: 'events', filter: { profileId: { $gt: 'p3' } } })).filterPushdown).toBe(false);
  });

  it('matches what the same filter matches without the index, arrays and odd strings included', async () => {
    const filters: Document[] = [
      { profileId: 'p3' },
      { profileId: 'p4', type: 'page' },
      { profileId: { $in: ['p3', 'p5', 'nobody'] } },
      { profileId: { $in: ['p4'] }, n: { $gte: 100 } },
      { profileId: 'a<b"c\\d é' },
      { profileId: 'nobody' },
      { profileId: { $in: ['p3', 3] } },
    ];
    const indexed = database.db.collection<Row>('events');
    const unindexed = database.db.collection<Row>('unindexed');
    for (const filter of filters) {
      const expected = ids(await unindexed.find(filter).toArray());
      expect(ids(await indexed.find(filter).toArray()), JSON.stringify(filter)).toEqual(expected);
      expect(await indexed.countDocuments(filter), JSON.stringify(filter)).toBe(expected.length);
    }
    // The array holding p3 is a match, as in MongoDB.
    expect(ids(await indexed.find({ profileId: 'p3' }).toArray())).toContain('array');
    expect(ids(await indexed.find({ profileId: 'p3' }).toArray())).toHaveLength(11);
  });

  it('updates and deletes exactly the matches', async () => {
    const events = database.db.collection<Row>('events');
    expect((await events.updateMany({ profileId: 'p7' }, { $set: { profileId: 'p8' } })).modifiedCount).toBe(10);
    expect(await events.countDocuments({ profileId: 'p8' })).toBe(20);
    // p7's and p9's rows are tracks (odd n), p8's pages.
    expect((await events.deleteMany({ profileId: { $in: ['p8', 'p9'] }, type: 'track' })).deletedCount).toBe(20);
    expect((await events.deleteMany({ profileId: { $in: ['p8', 'p9'] } })).deletedCount).toBe(10);
    expect(await events.countDocuments({ profileId: { $in: ['p7', 'p8', 'p9'] } })).toBe(0);
    expect(await events.countDocuments({})).toBe(rows().length - 30);
  });
});

describe('a date range on the second field of an index', () => {
  const day = (n: number) => new Date(T0 + n * DAY);
  const filters: Document[] = [
    { profileId: 'p1', at: { $gte: day(30) } },
    { profileId: 'p1', at: { $gte: day(30), $lt: day(90) } },
    { profileId: 'p1', at: { $gt: day(30), $lte: day(90) } },
    { profileId: 'p1', at: { $lt: day(12) } },
    { profileId: 'p1', at: { $gte: day(-500), $lt: day(0) } },
    { profileId: 'p1', at: { $gte: day(5), $lte: day(15) } },
    // A bound before 2001 is not 13 digits in milliseconds: only the other one is pushed down.
    { profileId: 'p1', at: { $gte: new Date(Date.UTC(1970, 0, 2)), $lt: day(1) } },
    { profileId: { $in: ['p1', 'p2'] }, at: { $gte: day(100), $lt: day(200) } },
    // A timeline's page after a cursor: ties at the cursor's time continue by _id.
    { profileId: 'p1', at: { $gte: day(0), $lte: day(60) }, $or: [{ at: { $lt: day(60) } }, { at: day(60), _id: { $lt: 't021' } }] },
    // Not only dates: left to the handler as before.
    { profileId: 'p1', at: { $gte: day(30), $lt: '2027' } },
    { profileId: 'p1', at: { $in: [day(30)] } },
  ];

  it('matches what the same filter matches without the index, whatever `at` holds', async () => {
    const indexed = database.db.collection<TimedRow>('timed');
    const unindexed = database.db.collection<TimedRow>('timed_unindexed');
    for (const filter of filters) {
      const expected = ids(await unindexed.find(filter).toArray());
      expect(ids(await indexed.find(filter).toArray()), JSON.stringify(filter)).toEqual(expected);
      // Sorted and limited as a timeline reads it: the same page.
      const page = (rows: TimedRow[]) => rows.map((row) => row._id);
      expect(page(await indexed.find(filter).sort({ at: -1, _id: -1 }).limit(7).toArray()), JSON.stringify(filter)).toEqual(
        page(await unindexed.find(filter).sort({ at: -1, _id: -1 }).limit(7).toArray()),
      );
    }
    // The array holding a date inside the range matches, as in MongoDB; numbers never do.
    expect(ids(await indexed.find({ profileId: 'p1', at: { $gte: day(20), $lt: day(40) } }).toArray())).toContain('as-array');
    expect(ids(await indexed.find({ profileId: 'p1', at: { $gte: day(5), $lte: day(15) } }).toArray())).not.toContain('as-number-inside');
  });

  it('still searches the index', async () => {
    const plan = await explain({ find: 'timed', filter: { profileId: 'p1', at: { $gte: day(30), $lt: day(90) } } });
    expect(plan.filterPushdown).toBe(true);
    expect(plan.queryPlanner.Plan.join('\n')).toMatch(/SEARCH .* USING INDEX/);
  });
});
