/**
 * Segment's HTTP Tracking API in full on the real servers: every call type, batches,
 * sources, limits, counters and the timeline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const IOS_KEY = 'test-ios-write-key';
let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('spec', {
    runWorker: false,
    sources: [{ name: 'ios', writeKey: IOS_KEY }],
    externalIdKinds: ['shopify_id'],
  });
});
afterAll(async () => {
  await itinera?.close();
});

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const post = (path: string, json: unknown, auth = writer) => send(itinera.baseUrl, 'POST', path, { ...auth, json });
const profileOf = async (query: string) => (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?${query}`, admin)).body;

describe('every call type', () => {
  it('stores page, screen, group and alias calls and applies them to the profile', async () => {
    expect(
      (
        await post('/v1/page', {
          anonymousId: 'a-page',
          name: 'Pricing',
          category: 'Docs',
          properties: { url: 'https://shop.example/pricing' },
        })
      ).status,
    ).toBe(200);
    expect((await post('/v1/screen', { anonymousId: 'a-page', name: 'Cart' })).status).toBe(200);
    expect((await post('/v1/group', { anonymousId: 'a-page', groupId: 'acme', traits: { name: 'Acme', employees: 40 } })).status).toBe(200);
    expect((await post('/v1/alias', { previousId: 'a-page', userId: 'u-page' })).status).toBe(200);

    const profile = await profileOf('userId=u-page');
    expect(profile.identities).toEqual({ anonymousId: ['a-page'], userId: ['u-page'] });
    expect(profile.groups).toEqual(['acme']);
    expect(profile.counters).toEqual({ 'Page Viewed': { count: 1 }, 'Screen Viewed': { count: 1 } });
    const group = await itinera.raw.groups.findOne({ _id: 'acme' });
    expect(group?.traits).toEqual({ name: 'Acme', employees: 40 });

    const timeline = await send(itinera.baseUrl, 'GET', `/v1/profiles/${profile.id}/events`, admin);
    expect(timeline.body.events.map((e: { type: string }) => e.type).sort()).toEqual(['alias', 'group', 'page', 'screen']);
    const page = timeline.body.events.find((e: { type: string }) => e.type === 'page');
    expect(page).toMatchObject({ name: 'Pricing', category: 'Docs', source: 'default' });
  });

  it('records which source sent an event, by its write key', async () => {
    expect((await post('/v1/track', { userId: 'u-src', event: 'Opened App' }, { auth: basicAuth(IOS_KEY) })).status).toBe(200);
    const event = await itinera.raw.events.findOne({ userId: 'u-src' });
    expect(event?.source).toBe('ios');
  });

  it('keeps counters of events and totals of their numeric properties', async () => {
    for (const [i, revenue] of [19.5, 30, 0.5].entries()) {
      const sent = await post('/v1/track', {
        userId: 'u-count',
        event: 'Order Completed',
        messageId: `m-count-${i}`,
        properties: { revenue, currency: 'EUR', items: 2 },
      });
      expect(sent.status).toBe(200);
    }
    await post('/v1/track', { userId: 'u-count', event: 'Order Completed', messageId: 'm-count-0', properties: { revenue: 19.5 } }); // a repeat
    await post('/v1/track', { userId: 'u-count', event: 'v1.clicked' });
    const profile = await profileOf('userId=u-count');
    expect(profile.counters['Order Completed']).toEqual({ count: 3, sum: { revenue: 50, items: 6 } });
    expect(profile.counters['v1.clicked']).toEqual({ count: 1 });
  });

  it('counts every one of many parallel events of one person', async () => {
    await post('/v1/identify', { userId: 'u-parallel' });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post('/v1/track', { userId: 'u-parallel', event: 'Tapped', messageId: `par-${i}`, properties: { points: 2 } }),
      ),
    );
    expect((await profileOf('userId=u-parallel')).counters.Tapped).toEqual({ count: 30, sum: { points: 60 } });
  });

  it('links phone numbers and configured external ids', async () => {
    await post('/v1/identify', {
      userId: 'u-ext',
      traits: { phone: '+48 600 100 200' },
      context: { externalIds: [{ id: 'S-77', type: 'shopify_id', collection: 'users', encoding: 'none' }] },
    });
    const byPhone = await profileOf('phone=%2B48600100200');
    const byShopify = await profileOf('shopify_id=S-77');
    expect(byPhone.id).toBeDefined();
    expect(byShopify.id).toBe(byPhone.id);
    expect(byPhone.identities.userId).toEqual(['u-ext']);
  });
});

describe('enrichment', () => {
  it('derives device, browser, language, time zone, URL and place from the context', async () => {
    await post('/v1/page', {
      anonymousId: 'a-enrich',
      name: 'Pricing',
      properties: { url: 'https://shop.example/pricing?utm_source=news' },
      context: {
        ip: '8.8.8.8',
        locale: 'pl-PL',
        timezone: 'Europe/Warsaw',
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      },
    });
    const { traits } = await profileOf('anonymousId=a-enrich');
    expect(traits).toMatchObject({
      device_type: 'desktop',
      os: 'Windows',
      browser: 'Chrome',
      browser_language: 'pl-PL',
      timezone: 'Europe/Warsaw',
      current_url: 'https://shop.example/pricing?utm_source=news',
      ip: '8.8.8.8',
      country: 'US',
    });
  });

  it('stores no address and no place when the client asks for anonymised IPs', async () => {
    await post('/v1/track', { anonymousId: 'a-anon-ip', event: 'Viewed', context: { ip: '8.8.8.8', ipAnonymized: true } });
    const { traits } = await profileOf('anonymousId=a-anon-ip');
    expect(traits.ip).toBeUndefined();
    expect(traits.country).toBeUndefined();
  });
});

describe('batches', () => {
  it('stores every message of a batch, with the batch context filled in', async () => {
    const response = await post('/v1/batch', {
      context: { locale: 'pl-PL' },
      batch: [
        { type: 'identify', userId: 'u-batch', traits: { plan: 'free' }, messageId: 'b-1' },
        { type: 'track', userId: 'u-batch', event: 'Viewed', messageId: 'b-2' },
        { type: 'identify', userId: 'u-batch', traits: { plan: 'pro' }, messageId: 'b-3' },
        { type: 'page', anonymousId: 'a-batch', name: 'Home', messageId: 'b-4' },
      ],
    });
    expect(response.status).toBe(200);
    expect(await itinera.raw.events.countDocuments({ messageId: { $in: ['b-1', 'b-2', 'b-3', 'b-4'] } })).toBe(4);
    const stored = await itinera.raw.events.findOne({ messageId: 'b-2' });
    expect(stored?.context).toEqual({ locale: 'pl-PL' });
    // Messages of one person are applied in order: the later identify wins.
    expect((await profileOf('userId=u-batch')).traits.plan).toBe('pro');
  });

  it('refuses a batch with one bad message, naming it, and stores none of it', async () => {
    const response = await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'u-badbatch', event: 'Fine', messageId: 'bb-1' },
        { type: 'track', userId: 'u-badbatch', messageId: 'bb-2' },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('batch.1.event');
    expect(await itinera.raw.events.countDocuments({ messageId: 'bb-1' })).toBe(0);
  });

  it('refuses unknown message types and batches over 500 KB', async () => {
    const unknown = await post('/v1/batch', { batch: [{ type: 'purchase', userId: 'u1' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('batch.0.type');
    const big = { type: 'track', userId: 'u-big', event: 'Big', properties: { blob: 'x'.repeat(20_000) } };
    const tooBig = await post('/v1/batch', { batch: Array.from({ length: 30 }, () => big) });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.message).toContain('500 KB');
    expect(await itinera.raw.events.countDocuments({ userId: 'u-big' })).toBe(0);
  });

  it('holds each message of a batch to 32 KB', async () => {
    const response = await post('/v1/batch', {
      batch: [{ type: 'track', userId: 'u-big1', event: 'Big', properties: { blob: 'x'.repeat(40_000) } }],
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('message_too_large');
  });
});

describe('the timeline', () => {
  it('pages through a profile’s events newest first and filters them by name and time', async () => {
    const base = Date.parse('2026-03-01T10:00:00Z');
    const batch = Array.from({ length: 25 }, (_, i) => ({
      type: 'track',
      userId: 'u-timeline',
      event: i % 2 === 0 ? 'Even' : 'Odd',
      messageId: `tl-${i}`,
      timestamp: new Date(base + i * 60_000).toISOString(),
    }));
    expect((await post('/v1/batch', { batch })).status).toBe(200);
    const id = (await profileOf('userId=u-timeline')).id;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=10${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await send(itinera.baseUrl, 'GET', `/v1/profiles/${id}/events?${query}`, admin);
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((e: { messageId: string }) => e.messageId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(batch.map((m) => m.messageId).reverse());

    const odd = await send(
      itinera.baseUrl,
      'GET',
      `/v1/profiles/${id}/events?event=Odd&since=2026-03-01T10:10:00Z&until=2026-03-01T10:20:00Z`,
      admin,
    );
    expect(odd.body.events.map((e: { messageId: string }) => e.messageId)).toEqual(['tl-19', 'tl-17', 'tl-15', 'tl-13', 'tl-11']);

    const bad = await send(itinera.baseUrl, 'GET', `/v1/profiles/${id}/events?limit=5000`, admin);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_query');
  });
});
