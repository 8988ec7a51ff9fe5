/**
 * The preview before deploy, and the example as a new user tries it: deploy
 * examples/ebook.itn, take a person through the first chapter, and GET /v1/segments shows
 * mid_ebook with one member, who entered when the journey tagged them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const EBOOK = readFileSync(join(import.meta.dirname, '../../examples/ebook.itn'), 'utf8');

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('segment-preview');
});
afterAll(async () => {
  await itinera?.close();
});

const preview = (draft: string) => send(itinera.baseUrl, 'POST', '/v1/segments/preview', { ...admin, text: draft });
const catalog = async () =>
  (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body as {
    version: number | null;
    segments: { name: string; size: number; state: string }[];
  };

describe('the segment preview', () => {
  it('answers a draft with its size and a sample, before anything is deployed, changing nothing', async () => {
    for (const [userId, revenue] of [
      ['pv-1', 500],
      ['pv-2', 80],
      ['pv-3', 350],
    ] as const) {
      expect(
        (
          await send(itinera.baseUrl, 'POST', '/v1/track', {
            ...writer,
            json: { userId, event: 'Order Completed', properties: { revenue } },
          })
        ).status,
      ).toBe(200);
    }
    await itinera.runtime.writer.drain();
    const answer = await preview('segment big_orders "Big orders" {\n  max "revenue" of "Order Completed" > 300\n}\n');
    expect(answer.status).toBe(200);
    const ids = await Promise.all(
      ['pv-1', 'pv-3'].map(
        async (userId) => (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id as string,
      ),
    );
    expect(answer.body.segments).toEqual([{ name: 'big_orders', title: 'Big orders', size: 2, sample: ids.sort() }]);
    expect(await catalog()).toEqual({ version: null, segments: [] });
    expect(await itinera.raw.segments.countDocuments({})).toBe(0);
  });

  it('gives diagnostics with positions in the draft, and refuses what is not a segment', async () => {
    const bad = await preview('segment typo {\n  performed "X" at least two times\n}\n');
    expect(bad.status).toBe(422);
    expect(bad.body.diagnostics[0]).toMatchObject({ severity: 'error', line: 2 });
    const journey = await preview('journey j {\n  when performed "X"\n  tag "t"\n}\n');
    expect(journey.status).toBe(422);
    expect(journey.body.diagnostics).toEqual([expect.objectContaining({ code: 'ITN1801', line: 1, column: 1 })]);
    const empty = await preview('# nothing here\n');
    expect(empty.body.diagnostics).toEqual([expect.objectContaining({ code: 'ITN1802' })]);
    expect((await send(itinera.baseUrl, 'POST', '/v1/segments/preview', { ...admin, json: { segment: 'x' } })).status).toBe(415);
  });

  it('takes the deployed rules as context: their segments and consents, a draft replacing one of the same name', async () => {
    expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: EBOOK })).status).toBe(200);
    await eventually(async () => (await catalog()).segments.every((segment) => segment.state === 'ready'), 60_000);
    const draft =
      'segment big_basket {\n  average "revenue" of "Order Completed" within 90 days > 400\n}\nsegment big_and_mid {\n  in segment big_basket and not in segment mid_ebook\n}\n';
    const answer = await preview(draft);
    expect(answer.status).toBe(200);
    expect(answer.body.segments.map((segment: { name: string; size: number }) => [segment.name, segment.size])).toEqual([
      ['big_basket', 1],
      ['big_and_mid', 1],
    ]);
    // The deployed big_basket (> 300: two people) is untouched by the preview.
    expect((await catalog()).segments.find((segment) => segment.name === 'big_basket')?.size).toBe(2);
    const unknown = await preview('segment x {\n  in segment nope\n}\n');
    expect(unknown.status).toBe(422);
    expect(unknown.body.diagnostics[0]).toMatchObject({ code: 'ITN1203', line: 2 });
  });

  it('examples/ebook.itn: a person through the first chapter is in mid_ebook', async () => {
    const reader = { userId: 'ebook-reader' };
    expect(
      (
        await send(itinera.baseUrl, 'POST', '/v1/consents', {
          ...writer,
          json: { ...reader, purpose: 'email_marketing', state: 'granted' },
        })
      ).status,
    ).toBe(200);
    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { ...reader, event: 'Ebook Signup' } })).status).toBe(200);
    const mid = await eventually(async () => {
      const found = (await catalog()).segments.find((segment) => segment.name === 'mid_ebook');
      return found && found.size === 1 ? found : undefined;
    });
    expect(mid).toMatchObject({ state: 'ready', size: 1 });
    const profile = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=ebook-reader', admin)).body;
    expect(profile.tags).toContain('1rozdz1ebook');
    expect(profile.segments).toEqual([{ name: 'mid_ebook', since: expect.any(String) }]);
    const members = (await send(itinera.baseUrl, 'GET', '/v1/segments/mid_ebook/members', admin)).body.members;
    expect(members).toEqual([{ profileId: profile.id, since: profile.segments[0].since, identifiers: { userId: ['ebook-reader'] } }]);
  });
});
