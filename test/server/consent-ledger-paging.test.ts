/**
 * GET /v1/consents/ledger?format=json: the ledger a page at a time, newest first (by when
 * the record was given), with the CSV's filters and a person's and a kind's; every record
 * reached once across pages; the CSV stays the whole ledger; a bad cursor is a 400; and
 * records written before paging (no hour bucket) are reached once migrated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };
const HOUR_MS = 3600 * 1000;
const START = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 5 * 24 * HOUR_MS;
const PEOPLE = 40;
/** Three records a person: a grant of e-mail, of texts, then a revocation of e-mail, hours apart. */
const RECORDS = PEOPLE * 3;

interface LedgerRecord {
  id: string;
  profileId: string;
  purpose: string;
  state: string;
  at: string;
}

beforeAll(async () => {
  itinera = await startTestItinera('ledger_paging');
  const rules = 'consent email_marketing "E-mail news" {}\nconsent sms {}\njourney hello { when performed "Signed Up" tag "hi" }';
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: rules })).status).toBe(200);
  for (let person = 0; person < PEOPLE; person++) {
    const given = [
      ['email_marketing', 'granted'],
      ['sms', 'granted'],
      ['email_marketing', 'revoked'],
    ];
    await Promise.all(
      given.map(async ([purpose, state], k) => {
        const at = new Date(START + person * 2.9 * HOUR_MS + k * 7 * 60_000);
        const answer = await send(itinera.baseUrl, 'POST', '/v1/consents', {
          auth: basicAuth(WRITE_KEY),
          json: { userId: `lp-${person}`, purpose, state, timestamp: at.toISOString(), messageId: `lp-${person}-${k}` },
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      }),
    );
  }
  await eventually(async () => (await itinera.raw.consentLedger.countDocuments({})) === RECORDS, 60_000);
});
afterAll(async () => {
  await itinera?.close();
});

const get = (query: string) => send(itinera.baseUrl, 'GET', `/v1/consents/ledger?${query}`, admin);

async function allPages(query: string): Promise<{ records: LedgerRecord[]; pages: number }> {
  const records: LedgerRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const answer = await get(`format=json&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    records.push(...(answer.body.records as LedgerRecord[]));
    cursor = answer.body.next;
    pages++;
  } while (cursor);
  return { records, pages };
}

const newestFirst = (records: LedgerRecord[]) =>
  records.every(
    (record, i) => i === 0 || records[i - 1]!.at > record.at || (records[i - 1]!.at === record.at && records[i - 1]!.id > record.id),
  );

describe('GET /v1/consents/ledger?format=json', () => {
  it('pages the whole ledger newest first, each record once', async () => {
    const { records, pages } = await allPages('limit=25');
    expect(pages).toBe(Math.ceil(RECORDS / 25));
    expect(records).toHaveLength(RECORDS);
    expect(new Set(records.map((record) => record.id)).size).toBe(RECORDS);
    expect(newestFirst(records)).toBe(true);
    expect(records[0]).toMatchObject({ purpose: 'email_marketing', state: 'revoked', profileId: expect.any(String) });
    expect(records[0]).not.toHaveProperty('hour');

    // The CSV is still every record, in one download, oldest first.
    const csv = await get('');
    expect(csv.status).toBe(200);
    const rows = String(csv.body).trim().split('\r\n');
    expect(rows).toHaveLength(RECORDS + 1);
  });

  it("filters by purpose, kind, person and time, as the CSV's filters do", async () => {
    const sms = await allPages('purpose=sms&limit=7');
    expect(sms.records).toHaveLength(PEOPLE);
    expect(new Set(sms.records.map((record) => record.purpose))).toEqual(new Set(['sms']));
    const revoked = await allPages('state=revoked&limit=50');
    expect(revoked.records).toHaveLength(PEOPLE);
    expect(newestFirst(revoked.records)).toBe(true);
    const someone = revoked.records[3]!.profileId;
    const theirs = await allPages(`profileId=${someone}&limit=2`);
    expect(theirs.records.map((record) => [record.purpose, record.state])).toEqual([
      ['email_marketing', 'revoked'],
      ['sms', 'granted'],
      ['email_marketing', 'granted'],
    ]);
    const since = new Date(START + 24 * HOUR_MS).toISOString();
    const to = new Date(START + 48 * HOUR_MS).toISOString();
    const day = await allPages(`since=${since}&to=${to}&limit=10`);
    expect(day.records.length).toBeGreaterThan(10);
    expect(day.records.every((record) => record.at >= since && record.at < to)).toBe(true);
    const csv = await get(`since=${encodeURIComponent(since)}&to=${encodeURIComponent(to)}`);
    expect(String(csv.body).trim().split('\r\n')).toHaveLength(day.records.length + 1);
  });

  it('refuses a bad cursor or limit, and paging the CSV', async () => {
    for (const query of [
      'format=json&cursor=nope',
      `format=json&cursor=${Buffer.from('12|x').toString('base64url')}`,
      'format=json&limit=0',
      'format=json&limit=501',
      'format=xml',
      'limit=10',
      'format=json&state=maybe',
    ]) {
      const answer = await get(query);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe('invalid_query');
    }
  });

  it('reaches records written before paging once the migration gives them their hour', async () => {
    const [record] = await itinera.raw.consentLedger.find({}).limit(1).toArray();
    const at = new Date(START - 40 * 24 * HOUR_MS);
    const legacy = { ...record!, _id: 'cr:legacy-event:sms', purpose: 'sms', at };
    delete (legacy as { hour?: string }).hour;
    await itinera.raw.consentLedger.insertOne(legacy);
    expect((await allPages('purpose=sms&limit=100')).records.map((r) => r.id)).not.toContain(legacy._id);
    expect(await itinera.runtime.stores.consents.addHours()).toBe(1);
    expect((await allPages('purpose=sms&limit=100')).records.at(-1)?.id).toBe(legacy._id);
  });
});
