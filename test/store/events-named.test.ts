/**
 * A deploy's backfill reads the events its new conditions name (`factSourcesNamed`,
 * src/store/events.ts): exactly the events of those names, whatever else is stored (other
 * names, page views with no name, names no index search can hold), and on the embedded
 * FerretDB by searching the `event` index rather than reading every event.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EventDoc } from '../../src/model.js';
import { COLLECTIONS } from '../../src/store/collections.js';
import { createStores, ensureIndexes, type Stores } from '../../src/store/index.js';
import { rawCollections } from '../support/raw.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let stores: Stores;

const NAMES = ['Order Completed', 'Product Viewed', 'Zamówienie złożone', 'quote "and" back\\slash', 'Order'];

function event(i: number, type: EventDoc['type'], name?: string): EventDoc {
  return {
    _id: `ev-${String(i).padStart(4, '0')}`,
    messageId: `m-${i}`,
    type,
    ...(name === undefined ? {} : { event: name }),
    source: 'default',
    profileId: `p${i % 7}`,
    properties: { revenue: i },
    context: {},
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    receivedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
  };
}

const stored: EventDoc[] = [
  ...Array.from({ length: 300 }, (_, i) => event(i, 'track', NAMES[i % NAMES.length])),
  ...Array.from({ length: 50 }, (_, i) => event(1000 + i, 'page')),
];

beforeAll(async () => {
  database = await freshDatabase('events_named');
  stores = createStores(database.db);
  await ensureIndexes(stores);
  await rawCollections(database.db).events.insertMany(stored);
});
afterAll(async () => {
  await database?.drop();
});

async function read(names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for await (const source of stores.events.factSourcesNamed(names)) ids.push(source._id);
  return ids.sort();
}

it.each([
  [['Order Completed']],
  [['Order Completed', 'Order']],
  [['Zamówienie złożone', 'quote "and" back\\slash']],
  [['Nobody did this']],
])('reads exactly the events named %j', async (names) => {
  const expected = stored.filter((e) => e.event !== undefined && names.includes(e.event)).map((e) => e._id);
  expect(await read(names)).toEqual(expected.sort());
});

it('searches the event index instead of reading every event (the embedded FerretDB)', async () => {
  const plan = (await database.db.command({
    explain: { find: COLLECTIONS.events, filter: { event: { $in: ['Order Completed'] } } },
  })) as { queryPlanner: { Plan?: string[] } };
  // SQLite's plan, as FerretDB reports it: a search of the index, and no scan.
  const steps = plan.queryPlanner.Plan ?? [];
  expect(steps.some((step) => /SEARCH \S+ USING INDEX \S+_event_1/.test(step))).toBe(true);
  expect(steps.some((step) => /\bSCAN\b/.test(step))).toBe(false);
});
