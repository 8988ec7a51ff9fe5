/**
 * The leaf states live in one document, changed by read-modify-write guarded by its
 * version: writers racing each other (the recompute's prepare and a writer round setting a
 * cutoff, several processes) each have their change kept, the very first write included,
 * when the document does not exist yet.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStores, type Stores } from '../../src/store/index.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let stores: Stores;
beforeAll(async () => {
  database = await freshDatabase('segment_leaves');
  stores = createStores(database.db);
});
afterAll(async () => {
  await database?.drop();
});

it("keeps every racing writer's change, from the first write of the document on", async () => {
  const keys = Array.from({ length: 12 }, (_, i) => `leaf${i}`);
  // Twelve writers at once on a database with no leaf states yet, each adding its own leaf.
  await Promise.all(keys.map((key) => stores.segments.updateLeaves((current) => ({ ...current, [key]: { leaf: { key }, ready: false } }))));
  expect(Object.keys(await stores.segments.leaves()).sort()).toEqual([...keys].sort());
});
