/**
 * What the tests of a deploy's recompute steps start from: a fresh database with its stores
 * and raw collections, a segment engine on a clock the test moves, and stored `track`
 * events built by hand (received when the test says, under the profile it names).
 */
import { afterAll } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import type { EventDoc } from '../../../src/model.js';
import { SegmentEngine } from '../../../src/segments/engine.js';
import { createStores, ensureIndexes } from '../../../src/store/index.js';
import { rawCollections } from '../../support/raw.js';
import { freshDatabase } from '../../support/servers.js';

const databases: Awaited<ReturnType<typeof freshDatabase>>[] = [];
// Dropped once the test file ends: each file imports this module afresh.
afterAll(async () => {
  for (const database of databases.splice(0)) await database.drop();
});

/**
 * A fresh database (named after `label`) with its stores and indexes, its raw collections,
 * and a segment engine whose clock reads `clock.ms` (starting at `startMs`).
 */
export async function engineOnFreshDatabase(label: string, startMs: number) {
  const database = await freshDatabase(label);
  databases.push(database);
  const stores = createStores(database.db);
  await ensureIndexes(stores);
  const clock = { ms: startMs };
  const now = () => new Date(clock.ms);
  const engine = new SegmentEngine({ stores, now, logger: createLogger('silent') });
  return { stores, raw: rawCollections(database.db), engine, clock, now };
}

let serial = 0;

/** A `track` event as stored, received (and sent) at `receivedAt`; a unique id each. */
export function storedTrack(profileId: string, event: string, receivedAt: number, properties: Record<string, unknown> = {}): EventDoc {
  serial += 1;
  return {
    _id: `ev-${serial}`,
    messageId: `m-${serial}`,
    type: 'track',
    event,
    source: 'default',
    profileId,
    properties,
    context: {},
    timestamp: new Date(receivedAt),
    receivedAt: new Date(receivedAt),
  };
}
