/**
 * The secondary indexes a MongoDB deployment gets at start-up, created here on the test
 * database (the embedded FerretDB gets only those of one person's records, so without this
 * test no run would ever create the others): every store's specification is accepted,
 * creating them twice (several processes starting together) changes nothing, and the
 * stores work over them. FerretDB v1 has no TTL indexes: the rate limits' expiry index is the one left out
 * here (on FerretDB the store deletes ended windows itself: test/store/rate-limits.test.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStores, ensureIndexes, type Stores } from '../../src/store/index.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let stores: Stores;
beforeAll(async () => {
  database = await freshDatabase('indexes');
  stores = createStores(database.db);
});
afterAll(async () => {
  await database?.drop();
});

async function indexNames(): Promise<Record<string, string[]>> {
  const names: Record<string, string[]> = {};
  for (const { name } of await database.db.listCollections().toArray()) {
    names[name] = (await database.db.collection(name).listIndexes().toArray()).map((index) => index.name as string).sort();
  }
  return names;
}

/** createSecondaryIndexes without the one TTL index FerretDB refuses ("not implemented yet"). */
const createIndexes = () =>
  Promise.all([
    stores.profiles.ensureIndexes(),
    stores.identities.ensureIndexes(),
    stores.events.ensureIndexes(),
    stores.merges.ensureIndexes(),
    stores.profiles.redirects.ensureIndexes(),
    stores.outbox.ensureIndexes(),
    stores.deliveries.ensureIndexes(),
    stores.consents.ensureIndexes(),
    stores.privacyRequests.ensureIndexes(),
    stores.audit.ensureIndexes(),
  ]);

it("creates on the embedded FerretDB the indexes it searches: one person's records, and events by name", async () => {
  const own = await freshDatabase('indexes_ferretdb');
  try {
    await ensureIndexes(createStores(own.db));
    const names: Record<string, string[]> = {};
    for (const { name } of await own.db.listCollections().toArray())
      names[name] = (await own.db.collection(name).listIndexes().toArray()).map((index) => index.name as string).sort();
    expect(names).toEqual({
      events: ['_id_', 'event_1', 'profileId_1_timestamp_-1'],
      identities: ['_id_', 'profileId_1'],
      merges: ['_id_', 'from_1', 'into_1', 'status_1_at_1'],
      profile_redirects: ['_id_', 'into_1'],
      deliveries: ['_id_', 'bucket_1', 'profileId_1'],
      privacy_requests: ['_id_', 'profileId_1'],
      audit: ['_id_', 'actorHour_1', 'hour_1', 'kindHour_1', 'profileId_1'],
      consent_ledger: ['_id_', 'hour_1'],
    });
  } finally {
    await own.drop();
  }
});

it('creates every secondary index MongoDB deployments get, and again harmlessly', async () => {
  await createIndexes();
  const first = await indexNames();
  expect(first.profiles).toEqual(expect.arrayContaining(['_id_', 'tags_1', 'lastSeenAt_1']));
  expect(first.outbox).toEqual(expect.arrayContaining(['_id_', 'createdAt_1']));
  expect(first.deliveries).toEqual(expect.arrayContaining(['_id_', 'profileId_1']));
  await expect(stores.rateLimits.ensureIndexes()).rejects.toThrow(/expireAfterSeconds/);
  // A second process starting at the same time creates the same indexes: nothing changes.
  await Promise.all([createIndexes(), createIndexes()]);
  expect(await indexNames()).toEqual(first);

  // The stores work over them.
  const now = new Date();
  await stores.profiles.create('p_indexed', { userId: ['u-indexed'] }, now);
  expect(await stores.profiles.addTag('p_indexed', 'vip', now)).not.toBeNull();
  expect((await stores.profiles.findById('p_indexed'))?.tags).toEqual(['vip']);
});
