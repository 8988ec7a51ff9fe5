/**
 * The data export (art. 15/20) on the real servers: a durable workflow builds one JSON
 * bundle with everything held about the person; its link downloads once, then the bundle
 * is gone; an expired link answers 410 and deletes what is left; nobody matched, nothing
 * to download.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const RULES = `
consent newsletter "Newsletter" {}
segment readers { performed "Article Read" }
`;
let itinera: TestItinera;
/** The runtime's clock runs this far ahead of real time (an export's expiry, without waiting a week). */
let shiftMs = 0;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);

beforeAll(async () => {
  itinera = await startTestItinera('export', { now: () => new Date(Date.now() + shiftMs) });
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
});
afterAll(async () => {
  await itinera?.close();
});

async function built(id: string) {
  return eventually(async () => {
    const status = await api('GET', `/v1/privacy/exports/${id}`);
    return status.body.status === 'completed' ? status.body : undefined;
  });
}

describe('data export', () => {
  it('builds one bundle with everything held, which downloads once and is then deleted', async () => {
    await api('POST', '/v1/page', { ...write, json: { anonymousId: 'exp-device', name: 'Home' } });
    await api('POST', '/v1/identify', {
      ...write,
      json: { userId: 'exp-1', anonymousId: 'exp-device', traits: { email: 'exp@example.org', first_name: 'Ewa' } },
    });
    await api('POST', '/v1/consents', { ...write, json: { userId: 'exp-1', purpose: 'newsletter', state: 'granted' } });
    for (let i = 0; i < 3; i++)
      await api('POST', '/v1/track', { ...write, json: { userId: 'exp-1', event: 'Article Read', properties: { n: i } } });
    const profile = await eventually(async () => {
      const found = (await api('GET', '/v1/profiles/lookup?userId=exp-1')).body;
      return found.segments?.length === 1 ? found : undefined;
    });

    const accepted = await api('POST', '/v1/privacy/exports', { ...admin, json: { email: 'EXP@example.org' } });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ id: expect.stringMatching(/^ex_/), kind: 'export', status: 'pending' });
    const done = await built(accepted.body.id);
    expect(done).toMatchObject({ found: true, events: 6, downloadUrl: expect.stringContaining('/v1/downloads/') });

    const download = await fetch(done.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="itinera-export-${accepted.body.id}.json"`);
    const text = await download.text();
    expect(Buffer.byteLength(text)).toBe(done.bytes);
    const bundle = JSON.parse(text);
    expect(bundle).toMatchObject({
      type: 'itinera.export',
      version: 1,
      requestId: accepted.body.id,
      profile: { id: profile.id, traits: { email: 'exp@example.org', first_name: 'Ewa' } },
    });
    expect(bundle.identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'userId', value: 'exp-1' },
        { kind: 'email', value: 'exp@example.org' },
        { kind: 'anonymousId', value: 'exp-device' },
      ]),
    );
    expect(bundle.consentLedger).toEqual([
      expect.objectContaining({
        purpose: 'newsletter',
        state: 'granted',
        proof: expect.any(Object),
        origin: expect.objectContaining({ kind: 'api' }),
      }),
    ]);
    expect(bundle.segmentHistory).toEqual([expect.objectContaining({ segment: 'readers', change: 'entered' })]);
    expect(bundle.events).toHaveLength(6);
    expect(
      bundle.events
        .filter((event: { event?: string }) => event.event === 'Article Read')
        .map((event: { properties: { n: number } }) => event.properties.n)
        .sort(),
    ).toEqual([0, 1, 2]);

    // Once: the second click finds nothing, and nothing of the bundle is stored any more.
    const again = await fetch(done.downloadUrl);
    expect(again.status).toBe(410);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('already_downloaded');
    expect(await itinera.raw.db.collection('export_chunks').countDocuments()).toBe(0);
    const after = (await api('GET', `/v1/privacy/exports/${accepted.body.id}`)).body;
    expect(after).toMatchObject({ downloadedAt: expect.any(String), deletedAt: expect.any(String) });
    expect(after.downloadUrl).toBeUndefined();
    expect(JSON.stringify(await itinera.raw.privacyRequests.findOne({ _id: accepted.body.id }))).not.toContain(profile.id);

    const kinds = (await api('GET', '/v1/audit')).body.entries.map((entry: { kind: string }) => entry.kind);
    expect(kinds).toEqual(expect.arrayContaining(['export.requested', 'export.downloaded']));
  });

  it('answers 410 for an expired link and deletes the bundle then', async () => {
    const accepted = await api('POST', '/v1/privacy/exports', { ...admin, json: { userId: 'exp-1' } });
    const done = await built(accepted.body.id);
    expect(await itinera.raw.db.collection('export_chunks').countDocuments()).toBeGreaterThan(0);
    shiftMs = 8 * 24 * 3600 * 1000;
    try {
      const late = await fetch(done.downloadUrl);
      expect(late.status).toBe(410);
      expect(((await late.json()) as { error: { code: string } }).error.code).toBe('expired');
      expect(await itinera.raw.db.collection('export_chunks').countDocuments()).toBe(0);
    } finally {
      shiftMs = 0;
    }
  });

  it('completes an export that matches nobody with nothing to download, and refuses bad input', async () => {
    const accepted = await api('POST', '/v1/privacy/exports', { ...admin, json: { userId: 'never-seen' } });
    const done = await built(accepted.body.id);
    expect(done).toMatchObject({ found: false });
    expect(done.downloadUrl).toBeUndefined();
    expect((await api('POST', '/v1/privacy/exports', { ...admin, json: { userId: 'a', email: 'b@c.d' } })).status).toBe(400);
    expect((await api('POST', '/v1/privacy/exports', { ...admin, json: {} })).status).toBe(400);
    expect((await fetch(`${itinera.baseUrl}/v1/downloads/forged.token`)).status).toBe(400);
    expect((await api('GET', '/v1/privacy/exports/ex_nope')).status).toBe(404);
    expect((await api('GET', `/v1/privacy/erasures/${accepted.body.id}`)).status).toBe(404);
  });
});
