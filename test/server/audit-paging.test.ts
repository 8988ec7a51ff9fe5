/**
 * GET /v1/audit pages newest first by cursor: more than the old cap of 1,000 entries are
 * reachable, pages neither repeat nor skip an entry while new ones arrive, the filters
 * (kind, actor, person, from/to) narrow the pages, a bad cursor is a 400, and entries
 * written before paging existed (no hour bucket) are reached once migrated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditKind } from '../../src/model.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };
const HOUR_MS = 3600 * 1000;
/** Three days back from a whole hour, so entries spread over days and hours. */
const START = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 72 * HOUR_MS;
const ENTRIES = 1_250;
const countOf = (which: (i: number) => boolean) => Array.from({ length: ENTRIES }, (_, i) => i).filter(which).length;

interface Entry {
  id: string;
  at: string;
  kind: string;
  actor: string;
  profileId?: string;
}

beforeAll(async () => {
  itinera = await startTestItinera('audit_paging', { runWorker: false });
  const audit = itinera.runtime.stores.audit;
  // One entry every 3.4 minutes over three days: 1,250 of them, a few kinds and actors, some about a person.
  for (let from = 0; from < ENTRIES; from += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, ENTRIES - from) }, (_, j) => {
        const i = from + j;
        const kind: AuditKind = i % 100 === 0 ? 'erasure.requested' : i % 2 ? 'profile.viewed' : 'consent.changed';
        return audit.record({
          at: new Date(START + i * 207_000),
          kind,
          actor: i % 10 === 0 ? 'user:ada' : 'admin',
          ...(i % 125 === 1 ? { subject: { profileId: 'p_paged' } } : {}),
        });
      }),
    );
  }
});
afterAll(async () => {
  await itinera?.close();
});

const get = (query: string) => send(itinera.baseUrl, 'GET', `/v1/audit?${query}`, admin);

/** Every page of a query, following `next`; `between` runs after each page (new entries arriving). */
async function allPages(query: string, between: () => Promise<void> = async () => undefined): Promise<{ entries: Entry[]; pages: number }> {
  const entries: Entry[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const answer = await get(`${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    entries.push(...(answer.body.entries as Entry[]));
    cursor = answer.body.next;
    pages++;
    await between();
  } while (cursor);
  return { entries, pages };
}

const newestFirst = (entries: Entry[]) => entries.every((entry, i) => i === 0 || entries[i - 1]!.id > entry.id);

describe('GET /v1/audit, paged', () => {
  it('reaches every entry past 1,000, newest first, with no repeat or gap while new entries arrive', async () => {
    const before = await itinera.raw.audit.find({}, { projection: { _id: 1 } }).toArray();
    expect(before.length).toBeGreaterThanOrEqual(ENTRIES);
    let arrived = 0;
    const { entries, pages } = await allPages('limit=300', async () => {
      // Written now: newer than any cursor, so on no later page.
      await itinera.runtime.stores.audit.record({ at: new Date(), kind: 'rules.deployed', actor: 'admin' });
      arrived++;
    });
    expect(pages).toBeGreaterThanOrEqual(5);
    const ids = entries.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newestFirst(entries)).toBe(true);
    expect(new Set(ids)).toEqual(new Set(before.map((doc) => doc._id)));
    expect(arrived).toBe(pages);
    // The first page now starts with what arrived meanwhile.
    const first = await get('limit=5');
    expect(first.body.entries.map((entry: Entry) => entry.kind)).toEqual(Array(5).fill('rules.deployed'));
    expect(first.body.next).toEqual(expect.any(String));
  });

  it('filters by kind, actor, person and time, across pages', async () => {
    const erasures = await allPages('kind=erasure.requested&limit=4');
    expect(erasures.entries).toHaveLength(countOf((i) => i % 100 === 0));
    expect(erasures.pages).toBe(Math.ceil(countOf((i) => i % 100 === 0) / 4));
    expect(newestFirst(erasures.entries)).toBe(true);
    expect(new Set(erasures.entries.map((entry) => entry.kind))).toEqual(new Set(['erasure.requested']));

    // `ada` is the console user `user:ada`.
    const ada = await allPages('actor=ada&limit=100');
    expect(ada.entries).toHaveLength(countOf((i) => i % 10 === 0));
    expect(new Set(ada.entries.map((entry) => entry.actor))).toEqual(new Set(['user:ada']));

    const person = await allPages('profileId=p_paged&limit=3');
    expect(person.entries).toHaveLength(countOf((i) => i % 125 === 1));
    expect(newestFirst(person.entries)).toBe(true);

    // One day's window: [START + 24 h, START + 48 h).
    const from = new Date(START + 24 * HOUR_MS).toISOString();
    const to = new Date(START + 48 * HOUR_MS).toISOString();
    const day = await allPages(`from=${from}&to=${to}&limit=200`);
    const expected = Array.from({ length: ENTRIES }, (_, i) => START + i * 207_000).filter(
      (t) => t >= START + 24 * HOUR_MS && t < START + 48 * HOUR_MS,
    );
    expect(day.entries).toHaveLength(expected.length);
    expect(day.entries.every((entry) => entry.at >= from && entry.at < to)).toBe(true);
    // `since`, the parameter's name before paging, is `from`.
    const since = await allPages(`since=${from}&to=${to}&limit=500`);
    expect(since.entries.map((entry) => entry.id)).toEqual(day.entries.map((entry) => entry.id));
    // Filters combine.
    const both = await allPages(`kind=erasure.requested&actor=ada&from=${from}&limit=50`);
    expect(both.entries.every((entry) => entry.kind === 'erasure.requested' && entry.actor === 'user:ada' && entry.at >= from)).toBe(true);
    expect(both.entries.length).toBeGreaterThan(0);
  });

  it('refuses a bad cursor, limit or filter with a 400', async () => {
    for (const query of ['cursor=nope', 'cursor=au_123_x', 'limit=0', 'limit=1001', 'from=yesterday', 'kind=nope', 'order=asc']) {
      const answer = await get(query);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe('invalid_query');
    }
  });

  it('reaches entries written before paging once the migration gives them their hour', async () => {
    const at = new Date(START - 30 * 24 * HOUR_MS);
    const id = `au_${String(at.getTime()).padStart(13, '0')}_legacy`;
    await itinera.raw.audit.insertOne({ _id: id, at, kind: 'retention.changed', actor: 'admin' });
    const unmigrated = await allPages('kind=retention.changed&limit=10');
    expect(unmigrated.entries.map((entry) => entry.id)).not.toContain(id);
    expect(await itinera.runtime.stores.audit.addHours()).toBe(1);
    const migrated = await allPages('kind=retention.changed&limit=10');
    expect(migrated.entries.map((entry) => entry.id)).toContain(id);
  });
});
