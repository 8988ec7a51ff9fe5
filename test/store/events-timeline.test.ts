/**
 * A person's timeline, read in time windows going back (src/store/events.ts): every page
 * equals the same slice of all their events sorted newest first, whatever the spread of
 * their dates (the future, today, years back, before 2001, after 2286), ties at one instant
 * included, with a name filter, `since` and `until`, and without a newest time to start from.
 * On the embedded FerretDB the windows are searched in the index (src/infra/ferretdb-patch.ts);
 * its speed is measured by `npm run bench -- console` (the person view).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDoc } from '../../src/model.js';
import { createStores, ensureIndexes, type Stores } from '../../src/store/index.js';
import type { TimelineQuery } from '../../src/store/events.js';
import { rawCollections } from '../support/raw.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let stores: Stores;

const DAY = 86_400_000;
const now = Date.now();
/** When each of Ada's events happened: clustered today, spread over years, and far off. */
const times: number[] = [
  ...Array.from({ length: 30 }, (_, i) => now - i * 600_000),
  ...Array.from({ length: 5 }, () => now - 3 * DAY), // ties: the order goes on by _id
  ...Array.from({ length: 20 }, (_, i) => now - (10 + i * 37) * DAY),
  now + 400 * DAY, // a client's clock in the future
  Date.UTC(2015, 3, 1),
  Date.UTC(1995, 6, 1), // before 2001: not 13 digits in milliseconds
  Date.UTC(1969, 11, 31), // before 1970: negative
];

function event(i: number, profileId: string, at: number, name: string): EventDoc {
  return {
    _id: `ev-${profileId}-${String(i).padStart(3, '0')}`,
    messageId: `m-${profileId}-${i}`,
    type: 'track',
    event: name,
    source: 'default',
    profileId,
    properties: { i },
    context: {},
    timestamp: new Date(at),
    receivedAt: new Date(now),
  };
}

const ada = times.map((at, i) => event(i, 'p_ada', at, i % 3 === 0 ? 'Order Completed' : 'Product Viewed'));
/** Someone else's events among Ada's, and one dated after 2286. */
const others = [...times.map((at, i) => event(i, 'p_bob', at + 1, 'Product Viewed')), event(999, 'p_far', Date.UTC(2300, 0, 1), 'Late')];

const newestFirst = (a: EventDoc, b: EventDoc) => b.timestamp.getTime() - a.timestamp.getTime() || (a._id < b._id ? 1 : -1);
const idsOf = (events: EventDoc[]) => events.map((e) => e._id);

/** Every page of the timeline, each `limit` long, following the cursor as the API does. */
async function allPages(profileId: string, query: Omit<TimelineQuery, 'limit' | 'before'>, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let before: TimelineQuery['before'];
  for (;;) {
    const page = await stores.events.timeline(profileId, { ...query, limit, ...(before ? { before } : {}) });
    if (page.length === 0) return pages;
    pages.push(idsOf(page));
    if (page.length < limit) return pages;
    const last = page.at(-1)!;
    before = { timestamp: last.timestamp, id: last._id };
  }
}

const chunks = (ids: string[], size: number) =>
  Array.from({ length: Math.ceil(ids.length / size) }, (_, i) => ids.slice(i * size, (i + 1) * size));

beforeAll(async () => {
  database = await freshDatabase('events_timeline');
  stores = createStores(database.db);
  await ensureIndexes(stores);
  await rawCollections(database.db).events.insertMany([...ada, ...others]);
});
afterAll(async () => {
  await database?.drop();
});

describe("a person's timeline", () => {
  const newest = new Date(Math.max(...times));
  const expected = [...ada].sort(newestFirst);

  it('pages through every event newest first, ties by id, from the future to before 1970', async () => {
    for (const limit of [1, 7, 26, 100]) {
      expect(await allPages('p_ada', { newest }, limit), `limit ${limit}`).toEqual(chunks(idsOf(expected), limit));
    }
  });

  it('gives the same pages without a newest time to start from', async () => {
    expect(await allPages('p_ada', {}, 7)).toEqual(chunks(idsOf(expected), 7));
  });

  it('filters by name, and keeps within since and until', async () => {
    const orders = expected.filter((e) => e.event === 'Order Completed');
    expect(await allPages('p_ada', { newest, event: 'Order Completed' }, 4)).toEqual(chunks(idsOf(orders), 4));
    const since = new Date(now - 200 * DAY);
    const until = new Date(now - 2 * DAY);
    const between = expected.filter((e) => e.timestamp >= since && e.timestamp < until);
    expect(between.length).toBeGreaterThan(5);
    expect(await allPages('p_ada', { newest, since, until }, 3)).toEqual(chunks(idsOf(between), 3));
    expect(await allPages('p_ada', { newest, since }, 5)).toEqual(chunks(idsOf(expected.filter((e) => e.timestamp >= since)), 5));
  });

  it('finds an event dated after 2286 when the person was last seen then', async () => {
    expect(idsOf(await stores.events.timeline('p_far', { limit: 5, newest: new Date(Date.UTC(2300, 0, 1)) }))).toEqual(['ev-p_far-999']);
  });
});
