/**
 * A segment's member buckets on the real database: reads visit only the buckets a segment
 * uses once their list is known complete; members written before the list existed (an
 * older deployment) are found by a first read over all 256 buckets, which completes it;
 * the list never misses a bucket written after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/store/collections.js';
import { bucketOf, SegmentMemberStore } from '../../src/store/segment-members.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  database = await freshDatabase('segment_members');
});
afterAll(async () => {
  await database?.drop();
});

const raw = () => database.db.collection<{ _id: string; buckets?: Record<string, true>; complete?: true }>(COLLECTIONS.segmentMembers);
const at = new Date('2026-12-01T10:00:00Z');

describe('segment member buckets', () => {
  it('lists the buckets a segment uses, and pages, counts and lists its members from them', async () => {
    const store = new SegmentMemberStore(database.db);
    const people = ['p1', 'p2', 'p3', 'p4', 'p5'];
    for (const id of people) expect(await store.add('small', id, at)).toBe(true);
    const listed = await raw().findOne({ _id: 'small#buckets' });
    expect(
      Object.keys(listed?.buckets ?? {})
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...new Set(people.map(bucketOf))].sort((a, b) => a - b));
    expect(await store.count('small')).toBe(5);
    const first = await store.page('small', 3);
    const second = await store.page('small', 3, first.next);
    expect([...first.members, ...second.members].map((m) => m.profileId).sort()).toEqual(people);
    expect(second.next).toBeUndefined();
    expect((await raw().findOne({ _id: 'small#buckets' }))?.complete).toBe(true);
  });

  it('pages through every member once, whatever the page size, across buckets read several at a time', async () => {
    const store = new SegmentMemberStore(database.db);
    const people = Array.from({ length: 300 }, (_, i) => `m${i}`);
    for (const id of people) await store.add('many', id, at);
    for (const size of [1, 7, 50, 1000]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.page('many', size, cursor);
        expect(page.members.length).toBeLessThanOrEqual(size);
        seen.push(...page.members.map((m) => m.profileId));
        cursor = page.next;
      } while (cursor !== undefined);
      expect(seen.sort()).toEqual([...people].sort());
    }
  });

  it('finds members written before the list existed, then keeps the list complete as buckets are added', async () => {
    const store = new SegmentMemberStore(database.db);
    for (const id of ['a1', 'a2', 'a3']) await store.add('older', id, at);
    // As an earlier version left it: buckets, no list.
    await raw().deleteOne({ _id: 'older#buckets' });
    expect((await store.page('older', 10)).members.map((m) => m.profileId).sort()).toEqual(['a1', 'a2', 'a3']);
    expect((await raw().findOne({ _id: 'older#buckets' }))?.complete).toBe(true);
    // A person whose bucket the segment did not use yet.
    const newcomer = Array.from({ length: 200 }, (_, i) => `n${i}`).find((id) => !['a1', 'a2', 'a3'].map(bucketOf).includes(bucketOf(id)))!;
    await store.add('older', newcomer, at);
    expect((await store.page('older', 10)).members.map((m) => m.profileId).sort()).toEqual(['a1', 'a2', 'a3', newcomer].sort());
  });

  it('reads an empty segment as empty, and forgets the list with the segment', async () => {
    const store = new SegmentMemberStore(database.db);
    expect(await store.page('nobody', 10)).toEqual({ members: [] });
    expect(await store.count('nobody')).toBe(0);
    await store.add('gone', 'g1', at);
    await store.drop('gone');
    expect(await raw().findOne({ _id: 'gone#buckets' })).toBeNull();
    expect(await store.count('gone')).toBe(0);
  });

  it('moves many people at once, one write per bucket, as person-by-person moves would', async () => {
    const store = new SegmentMemberStore(database.db);
    const people = Array.from({ length: 600 }, (_, i) => `moved-${i}`);
    // Some are listed already; one of those is in a bucket with newcomers, so its guard misses.
    for (const id of people.slice(0, 5)) expect(await store.add('moved', id, at)).toBe(true);
    const later = new Date(at.getTime() + 60_000);
    const entering = people.slice(0, 500).map((profileId) => ({ segment: 'moved', profileId, change: 'entered' as const, since: later }));
    const leavingUnlisted = people
      .slice(500, 510)
      .map((profileId) => ({ segment: 'moved', profileId, change: 'exited' as const, since: later }));
    const elsewhere = [{ segment: 'other', profileId: 'moved-0', change: 'entered' as const, since: later }];
    const moved = await store.moveMany([...entering, ...leavingUnlisted, ...elsewhere]);
    // Entries of people listed already and exits of people never listed do not move.
    expect(moved).toEqual([...people.slice(0, 500).map((_, i) => i >= 5), ...leavingUnlisted.map(() => false), true]);
    expect(await store.count('moved')).toBe(500);
    expect(await store.count('other')).toBe(1);
    // Those listed before keep their first `since`.
    expect((await store.member('moved', 'moved-0'))?.since).toEqual(at);
    expect((await store.member('moved', 'moved-400'))?.since).toEqual(later);
    // Every bucket written is listed, so a page finds every member.
    const listed = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.page('moved', 150, cursor);
      for (const member of page.members) listed.add(member.profileId);
      cursor = page.next;
    } while (cursor);
    expect([...listed].sort()).toEqual(people.slice(0, 500).sort());

    // Leaving and entering in one call: those listed leave, the others come.
    const again = await store.moveMany([
      ...people.slice(0, 300).map((profileId) => ({ segment: 'moved', profileId, change: 'exited' as const, since: later })),
      ...people.slice(500, 600).map((profileId) => ({ segment: 'moved', profileId, change: 'entered' as const, since: later })),
    ]);
    expect(again.every(Boolean)).toBe(true);
    expect(await store.count('moved')).toBe(300);
    expect(await store.member('moved', 'moved-10')).toBeNull();
    expect(await store.member('moved', 'moved-550')).not.toBeNull();
  });
});
