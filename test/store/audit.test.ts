/**
 * The audit log keeps what happened and forgets whom: an erasure finds the person's entries
 * by the indexed top-level `profileId` (on the embedded FerretDB too), including entries an
 * older version wrote with `subject.profileId` only, once the start-up migration ran.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStores, ensureIndexes, type Stores } from '../../src/store/index.js';
import { migrate } from '../../src/store/migrate.js';
import { rawCollections, type RawCollections } from '../support/raw.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let stores: Stores;
let raw: RawCollections;
const at = new Date('2026-12-01T10:00:00Z');

beforeAll(async () => {
  database = await freshDatabase('audit');
  stores = createStores(database.db);
  raw = rawCollections(database.db);
  await ensureIndexes(stores);
});
afterAll(async () => {
  await database?.drop();
});

it("finds the person's entries by index, old ones after the migration, and leaves only what happened", async () => {
  await stores.audit.record({
    at,
    kind: 'profile.rectified',
    actor: 'user:ada',
    subject: { profileId: 'p_ada' },
    detail: { traits: ['plan'] },
  });
  await stores.audit.record({ at, kind: 'profile.restricted', actor: 'admin', subject: { profileId: 'p_bob' } });
  await stores.audit.record({ at, kind: 'rules.deployed', actor: 'admin', subject: { version: 3 } });
  // Written by a version before the top-level profileId.
  await raw.audit.insertOne({
    _id: 'au_0000000000001_legacy',
    at,
    kind: 'profile.rectified',
    actor: 'admin',
    subject: { profileId: 'p_ada' },
  });
  expect(await raw.audit.countDocuments({ profileId: 'p_ada' })).toBe(1);

  await migrate(stores, at);
  expect(await raw.audit.countDocuments({ profileId: 'p_ada' })).toBe(2);
  // Recorded as done: a second start does not read the log again.
  expect(await stores.migrations.once('audit-profile-id', () => Promise.reject(new Error('ran twice')), at)).toBe(false);

  expect(await stores.audit.forgetProfiles(['p_ada'])).toBe(2);
  const entries = await raw.audit.find({}).sort({ _id: 1 }).toArray();
  const ada = entries.filter((entry) => entry.subject?.profileId === 'erased');
  expect(ada.map((entry) => entry.kind).sort()).toEqual(['profile.rectified', 'profile.rectified']);
  expect(ada.every((entry) => entry.profileId === undefined)).toBe(true);
  expect(ada.find((entry) => entry.actor === 'user:ada')?.detail).toEqual({ traits: ['plan'] });
  expect(entries.filter((entry) => entry.subject?.profileId === 'p_bob').map((entry) => entry.profileId)).toEqual(['p_bob']);
  expect(await raw.audit.countDocuments({ profileId: { $exists: true } })).toBe(1);
});
