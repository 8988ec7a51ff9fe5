/**
 * The consent ledger's per-day counters (src/store/consents.ts): the write that stores a
 * record counts it once, on the day it was given, by purpose and state; a repeat of the same
 * record counts nothing; the counts are read back by id.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsentLedgerDoc } from '../../src/store/consents.js';
import { createStores, type Stores } from '../../src/store/index.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let stores: Stores;

beforeAll(async () => {
  database = await freshDatabase('consent_daily');
  stores = createStores(database.db);
});
afterAll(async () => {
  await database?.drop();
});

const record = (id: string, purpose: string, state: ConsentLedgerDoc['state'], at: string): ConsentLedgerDoc => ({
  _id: id,
  profileId: 'p_1',
  purpose,
  state,
  at: new Date(at),
  recordedAt: new Date(at),
  origin: { kind: 'api', source: 'web' },
  proof: { method: 'api' },
  eventId: `evt_${id}`,
});

it('counts each stored record once, by purpose, day and state', async () => {
  await stores.consents.append(record('cr:1', 'news', 'granted', '2026-12-05T23:59:59Z'));
  await stores.consents.append(record('cr:2', 'news', 'granted', '2026-12-06T00:00:00Z'));
  await stores.consents.append(record('cr:3', 'news', 'revoked', '2026-12-06T10:00:00Z'));
  await stores.consents.append(record('cr:4', 'sms', 'pending', '2026-12-06T10:00:00Z'));
  // A retried write of a record already stored: the ledger keeps the first, the count stays.
  await stores.consents.append(record('cr:2', 'news', 'granted', '2026-12-06T00:00:00Z'));

  const counts = await stores.consents.dailyCounts(['news', 'sms', 'other'], ['2026-12-05', '2026-12-06', '2026-12-07']);
  const shown = Object.fromEntries(counts.map(({ _id, purpose: _p, day: _d, ...states }) => [_id, states]));
  expect(shown).toEqual({
    '2026-12-05|news': { granted: 1 },
    '2026-12-06|news': { granted: 1, revoked: 1 },
    '2026-12-06|sms': { pending: 1 },
  });
  expect(await stores.consents.dailyCounts([], ['2026-12-06'])).toEqual([]);
});
