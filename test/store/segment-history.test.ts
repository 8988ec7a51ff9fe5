/**
 * Each person's segment history on the real database: a person's first changes open their
 * first chunk with one insert for many people, a copy made again adds nothing, and changes
 * after the first go into the chunk already stored, in order, across chunk boundaries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentChange } from '../../src/model.js';
import { HISTORY_CHUNK, SegmentHistoryStore } from '../../src/store/segment-history.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  database = await freshDatabase('segment_history');
});
afterAll(async () => {
  await database?.drop();
});

const at = new Date('2026-12-07T10:00:00Z');
const change = (profileId: string, n: number): SegmentChange => ({
  _id: `${profileId}:${n}`,
  profileId,
  segment: n % 2 === 0 ? 'buyers' : 'vips',
  change: 'entered',
  at,
  reason: { kind: 'rules deployed', version: 1 },
});
const sequences = (changes: readonly SegmentChange[]) => changes.map((one) => Number(one._id.split(':')[1])).sort((a, b) => a - b);

describe('segment history chunks', () => {
  it('opens, appends and copies again without doubling a change', async () => {
    const store = new SegmentHistoryStore(database.db);
    const people = Array.from({ length: 50 }, (_, index) => `p_${index}`);
    // Everyone's first changes at once (a deploy's pass); one person's twice in the same copy.
    await store.append([...people.map((id) => change(id, 0)), change('p_0', 0), change('p_0', 1)]);
    expect(sequences(await store.ofProfile('p_0', 10, 2))).toEqual([0, 1]);
    expect(sequences(await store.ofProfile('p_49', 10, 1))).toEqual([0]);

    // Copied again beside new people's and later changes: the stored chunks take the rest.
    await store.append([change('p_0', 0), change('p_0', 2), change('p_1', 0), change('p_1', 1), change('p_new', 0)]);
    expect(sequences(await store.ofProfile('p_0', 10, 3))).toEqual([0, 1, 2]);
    expect(sequences(await store.ofProfile('p_1', 10, 2))).toEqual([0, 1]);
    expect(sequences(await store.ofProfile('p_new', 10, 1))).toEqual([0]);
    expect(await store.countOfProfile('p_0')).toBe(3);

    // A person past their first chunk: the change goes into the next one.
    const many = Array.from({ length: HISTORY_CHUNK + 1 }, (_, n) => change('p_many', n));
    await store.append(many);
    await store.append([many[0]!]);
    expect(await store.countOfProfile('p_many')).toBe(HISTORY_CHUNK + 1);
    expect(sequences(await store.ofProfile('p_many', 3, HISTORY_CHUNK + 1))).toEqual([HISTORY_CHUNK - 2, HISTORY_CHUNK - 1, HISTORY_CHUNK]);
  });
});
