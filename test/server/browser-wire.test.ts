/**
 * What analytics.js sends from a web page, request by request, on the real servers: the
 * short paths, JSON as text/plain, the write key in the body (releases before 1.84),
 * `null` ids, CORS on the tracking routes only (per source), the metrics endpoint, and the
 * library and its settings served by Itinera itself. The whole library in a real browser
 * is test/server/browser.test.ts.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const SHOP_KEY = 'test-shop-write-key';
const SHOP = 'https://shop.example';
let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('wire', {
    runWorker: false,
    sources: [{ name: 'shop', writeKey: SHOP_KEY }],
    allowedOrigins: { shop: [SHOP] },
  });
});
afterAll(async () => {
  await itinera?.close();
});

const admin = { auth: bearer(ADMIN_KEY) };
const profileOf = async (query: string) => send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?${query}`, admin);

/** A request as a browser's fetch makes it: every header given, nothing added. */
const browser = (method: string, path: string, headers: Record<string, string>, body?: string) =>
  fetch(`${itinera.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });

describe('the request shapes of analytics.js', () => {
  it('takes every short path, JSON sent as text/plain, with the key in the Authorization header', async () => {
    const headers = { authorization: basicAuth(WRITE_KEY), 'content-type': 'text/plain' };
    const shapes: [string, Record<string, unknown>][] = [
      ['/v1/p', { anonymousId: 'wire-a1', userId: null, name: null, properties: { path: '/' } }],
      ['/v1/t', { anonymousId: 'wire-a1', userId: null, event: 'Product Viewed' }],
      ['/v1/i', { anonymousId: 'wire-a1', userId: 'wire-u1', traits: { plan: 'pro' } }],
      ['/v1/g', { anonymousId: 'wire-a1', userId: 'wire-u1', groupId: 'wire-g1' }],
      ['/v1/s', { anonymousId: 'wire-a1', userId: 'wire-u1', name: 'Home' }],
      ['/v1/a', { userId: 'wire-u1', previousId: 'wire-a0' }],
    ];
    for (const [path, body] of shapes) {
      const response = await browser('POST', path, headers, JSON.stringify(body));
      expect(response.status, path).toBe(200);
    }
    const batch = {
      batch: [{ type: 'track', anonymousId: 'wire-a1', userId: null, event: 'Product Added' }],
      sentAt: new Date().toISOString(),
    };
    expect((await browser('POST', '/v1/b', headers, JSON.stringify(batch))).status).toBe(200);

    const profile = (await profileOf('anonymousId=wire-a1')).body;
    expect(profile.identities).toEqual({ anonymousId: ['wire-a1', 'wire-a0'], userId: ['wire-u1'] });
    expect(profile.traits.plan).toBe('pro');
    const timeline = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profile.id}/events`, admin)).body.events as {
      type: string;
      event?: string;
    }[];
    expect(timeline.map((event) => event.event ?? event.type).sort()).toEqual([
      'Product Added',
      'Product Viewed',
      'alias',
      'group',
      'identify',
      'page',
      'screen',
    ]);
  });

  it('takes the write key from the body when no Authorization header is sent, and does not store it', async () => {
    const single = await browser(
      'POST',
      '/v1/t',
      { 'content-type': 'text/plain' },
      JSON.stringify({ writeKey: SHOP_KEY, anonymousId: 'wire-a2', event: 'Old Release' }),
    );
    expect(single.status).toBe(200);
    const batch = await browser(
      'POST',
      '/v1/b',
      { 'content-type': 'text/plain' },
      JSON.stringify({ writeKey: SHOP_KEY, batch: [{ type: 'page', anonymousId: 'wire-a2' }] }),
    );
    expect(batch.status).toBe(200);
    const stored = await itinera.raw.events.find({ anonymousId: 'wire-a2' }).toArray();
    expect(stored.map((event) => event.source)).toEqual(['shop', 'shop']);
    expect(JSON.stringify(stored)).not.toContain(SHOP_KEY);
  });

  it('refuses a wrong key in the body, and a body key beside a wrong header, with 401, storing nothing', async () => {
    const wrong = await browser(
      'POST',
      '/v1/t',
      { 'content-type': 'text/plain' },
      JSON.stringify({ writeKey: 'not-a-key', anonymousId: 'wire-a3', event: 'X' }),
    );
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const header = await browser(
      'POST',
      '/v1/t',
      { authorization: basicAuth('not-a-key'), 'content-type': 'text/plain' },
      JSON.stringify({ writeKey: WRITE_KEY, anonymousId: 'wire-a3', event: 'X' }),
    );
    expect(header.status).toBe(401);
    expect(await itinera.raw.events.countDocuments({ anonymousId: 'wire-a3' })).toBe(0);
  });

  it('still refuses a message with no id at all, null or absent', async () => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/t', {
      auth: basicAuth(WRITE_KEY),
      json: { userId: null, anonymousId: null, event: 'Nobody' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].message).toMatch(/userId or anonymousId/);
  });

  it('answers the metrics endpoint and keeps nothing', async () => {
    const before = await itinera.raw.events.countDocuments({});
    const response = await browser(
      'POST',
      '/v1/m',
      { 'content-type': 'text/plain', origin: SHOP },
      JSON.stringify({ series: [{ type: 'Counter', metric: 'analytics_js.invoke', value: 1, tags: {} }] }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(await itinera.raw.events.countDocuments({})).toBe(before);
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin with the methods and headers analytics.js uses', async () => {
    const response = await browser('OPTIONS', '/v1/t', {
      origin: SHOP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    });
    expect(response.status).toBe(204);
    // `default` accepts any origin, so any origin passes the preflight (which carries no key).
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(response.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, X-Retry-Count');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it("holds a request to its source's origins: the shop's key from another site is refused and stores nothing", async () => {
    const headers = { authorization: basicAuth(SHOP_KEY), 'content-type': 'text/plain' };
    const fromShop = await browser(
      'POST',
      '/v1/t',
      { ...headers, origin: SHOP },
      JSON.stringify({ anonymousId: 'wire-a4', event: 'Allowed' }),
    );
    expect(fromShop.status).toBe(200);
    expect(fromShop.headers.get('access-control-allow-origin')).toBe(SHOP);

    const elsewhere = await browser(
      'POST',
      '/v1/t',
      { ...headers, origin: 'https://evil.example' },
      JSON.stringify({ anonymousId: 'wire-a4', event: 'Refused' }),
    );
    expect(elsewhere.status).toBe(403);
    expect(((await elsewhere.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed');
    // The default source (any origin) may still be used from there.
    const defaultKey = await browser(
      'POST',
      '/v1/t',
      { authorization: basicAuth(WRITE_KEY), 'content-type': 'text/plain', origin: 'https://evil.example' },
      JSON.stringify({ anonymousId: 'wire-a4', event: 'Default' }),
    );
    expect(defaultKey.status).toBe(200);
    expect(defaultKey.headers.get('access-control-allow-origin')).toBe('https://evil.example');

    const stored = await itinera.raw.events.find({ anonymousId: 'wire-a4' }).toArray();
    expect(stored.map((event) => event.event).sort()).toEqual(['Allowed', 'Default']);
  });

  it('never answers cross-origin requests on the admin routes', async () => {
    const preflight = await browser('OPTIONS', '/v1/profiles/lookup', {
      origin: SHOP,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    const read = await browser('GET', '/v1/segments', { origin: SHOP, authorization: bearer(ADMIN_KEY) });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the library served from Itinera', () => {
  it('serves analytics.js for a known write key, and the chunks it loads', async () => {
    const script = await browser('GET', `/analytics.js/v1/${WRITE_KEY}/analytics.min.js`, {});
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain('/analytics-next/bundles/');
    // Chunks are loaded from <cdn>/analytics-next/bundles/<name>: every one the package holds is served.
    const chunks = readdirSync(
      join(dirname(createRequire(import.meta.url).resolve('@segment/analytics-next/package.json')), 'dist', 'umd'),
    ).filter((name) => name.endsWith('.bundle.') || /\.bundle\.[0-9a-f]+\.js$/.test(name));
    expect(chunks.length).toBeGreaterThan(3);
    for (const name of chunks) expect((await browser('GET', `/analytics-next/bundles/${name}`, {})).status, name).toBe(200);
    expect((await browser('GET', `/v1/projects/not-a-key/settings`, {})).status).toBe(404);
    expect((await browser('GET', `/analytics.js/v1/not-a-key/analytics.min.js`, {})).status).toBe(404);
    expect((await browser('GET', '/analytics-next/bundles/..%2Fpackage.json', {})).status).toBe(404);
    expect((await browser('GET', '/analytics-next/bundles/nothing.bundle.0.js', {})).status).toBe(404);
  });

  it('serves settings that send everything here and no usage metrics elsewhere, readable cross-origin', async () => {
    const response = await browser('GET', `/v1/projects/${SHOP_KEY}/settings`, { origin: SHOP });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(SHOP);
    const settings = (await response.json()) as { integrations: unknown; metrics: unknown };
    const host = new URL(itinera.baseUrl).host;
    expect(settings.integrations).toEqual({
      'Segment.io': expect.objectContaining({ apiKey: SHOP_KEY, apiHost: `${host}/v1`, protocol: 'http' }),
    });
    expect(settings.metrics).toEqual({ sampleRate: 0, host: `${host}/v1` });
  });
});
