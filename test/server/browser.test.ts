/**
 * Segment's analytics.js, unchanged, in a real browser (Debian's Chromium driven by
 * playwright-core), on a page of another origin than Itinera's: the snippet from the
 * README loads the library and its settings from Itinera, the visitor views two pages,
 * tracks, signs up and orders, and Itinera then holds one person under both the anonymous
 * id of the browser's `ajs_anonymous_id` cookie and the user id, with page context and
 * user agent on the timeline.
 *
 * Once with the release Itinera serves (the key in an Authorization header, CORS
 * preflights), and once with an older one (1.70, the key in the body), served by the
 * page's own site as a site pinned to it would have it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const require = createRequire(import.meta.url);
const OLD_RELEASE_DIR = join(dirname(require.resolve('analytics-next-1-70/package.json')), 'dist', 'umd');

let itinera: TestItinera;
let site: Server;
let siteUrl: string;
let browser: Browser;

/** The README's snippet, for a library served from `cdn`. */
function snippet(cdn: string, writeKey: string): string {
  return `<script>
!function(){var a=window.analytics=window.analytics||[];if(a.initialize)return;a._cdn="${cdn}";["page","track","identify","group","alias","reset","ready","screen"].forEach(function(m){a[m]=function(){var args=Array.prototype.slice.call(arguments);a.push([m].concat(args));return a}})}();
analytics.page();
</script>
<script async src="${cdn}/analytics.js/v1/${writeKey}/analytics.min.js"></script>`;
}

/**
 * The shop: two pages, both with the snippet. Under `/pinned` it serves the old release
 * itself (library, chunks, and the settings fetched from Itinera), as a CDN would.
 */
function startSite(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://site');
    const pinned = url.pathname.startsWith('/pinned');
    const path = pinned ? url.pathname.slice('/pinned'.length) : url.pathname;
    if (path === '/favicon.ico') {
      res.statusCode = 204;
      res.end();
      return;
    }
    if (path === '/' || path === '/products') {
      const cdn = pinned ? `${siteUrl}/pinned` : itinera.baseUrl;
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><html><head><title>Shop ${path}</title>${snippet(cdn, WRITE_KEY)}</head><body>shop</body></html>`);
      return;
    }
    if (pinned && path.startsWith('/analytics.js/v1/')) {
      res.setHeader('content-type', 'application/javascript');
      res.end(readFileSync(join(OLD_RELEASE_DIR, 'standalone.js')));
      return;
    }
    const bundle = /^\/analytics-next\/bundles\/([\w.-]+\.js)$/.exec(path);
    if (pinned && bundle && existsSync(join(OLD_RELEASE_DIR, bundle[1]!))) {
      res.setHeader('content-type', 'application/javascript');
      res.end(readFileSync(join(OLD_RELEASE_DIR, bundle[1]!)));
      return;
    }
    if (pinned && path.startsWith('/v1/projects/')) {
      const settings = await fetch(`${itinera.baseUrl}${path}`);
      res.statusCode = settings.status;
      res.setHeader('content-type', 'application/json');
      res.end(await settings.text());
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  itinera = await startTestItinera('browser', { runWorker: false });
  site = await startSite();
  // `localhost` against Itinera's 127.0.0.1: another origin (and another site) for the browser.
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  await itinera?.close();
});

interface TimelineEvent {
  type: string;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  context?: { page?: { path?: string; url?: string }; userAgent?: string };
}

/** A visit: two page views, a track, a sign-up (identify with traits) and an order. */
async function visit(base: string, userId: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const failures: string[] = [];
  /** How each event reached Itinera: the key in a header (a CORS preflight first) or in the body. */
  const keys: ('header' | 'body')[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'POST' || !request.url().startsWith(itinera.baseUrl)) return;
    if (request.headers().authorization !== undefined) keys.push('header');
    else if ((JSON.parse(request.postData() ?? '{}') as { writeKey?: string }).writeKey === WRITE_KEY) keys.push('body');
  });
  page.on('requestfailed', (request) => failures.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(`console: ${message.text()}`);
  });
  const ready = () =>
    page.evaluate(
      () =>
        new Promise<void>((resolve) =>
          (globalThis as unknown as { analytics: { ready(cb: () => void): void } }).analytics.ready(() => resolve()),
        ),
    );

  // The snippet's page view is delivered before the visitor moves on (a page left earlier
  // would have it sent again from the next one, which analytics.js's stored queue does).
  const pageViewDelivered = () =>
    page.waitForResponse((response) => response.request().method() === 'POST' && /\/v1\/p$/.test(response.url()));
  for (const path of ['/', '/products']) {
    const delivered = pageViewDelivered();
    await page.goto(`${base}${path}`);
    await ready();
    expect((await delivered).status()).toBe(200);
  }
  // Each call resolves once analytics.js has delivered it.
  await page.evaluate(async (id) => {
    const analytics = (globalThis as unknown as { analytics: Record<string, (...args: unknown[]) => Promise<unknown>> }).analytics;
    await analytics.track!('Product Viewed', { sku: 'sku-1', price: 25 });
    await analytics.identify!(id, { email: `${id}@example.com`, plan: 'pro' });
    await analytics.track!('Order Completed', { orderId: `o-${id}`, revenue: 42, currency: 'EUR' });
  }, userId);
  const cookie = (await context.cookies()).find((candidate) => candidate.name === 'ajs_anonymous_id');
  const userAgent = await page.evaluate(() => (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent);
  await context.close();
  // Plain in current releases, JSON-quoted in older ones.
  const anonymousId = cookie ? decodeURIComponent(cookie.value).replace(/^"(.*)"$/, '$1') : undefined;
  return { anonymousId, userAgent, failures, keys: [...new Set(keys)] };
}

async function expectOnePerson(visited: Awaited<ReturnType<typeof visit>>, userId: string, prefix = '') {
  expect(visited.failures).toEqual([]);
  expect(visited.anonymousId).toMatch(/^[0-9a-f-]{36}$/);
  const byUser = await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, { auth: bearer(ADMIN_KEY) });
  const byCookie = await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?anonymousId=${visited.anonymousId}`, {
    auth: bearer(ADMIN_KEY),
  });
  expect(byUser.status).toBe(200);
  expect(byCookie.body.id).toBe(byUser.body.id);
  expect(byUser.body.identities).toMatchObject({ anonymousId: [visited.anonymousId], userId: [userId] });
  expect(byUser.body.traits).toMatchObject({ email: `${userId}@example.com`, plan: 'pro' });

  const timeline = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${byUser.body.id}/events?limit=50`, { auth: bearer(ADMIN_KEY) })).body
    .events as TimelineEvent[];
  const pages = timeline
    .filter((event) => event.type === 'page')
    .map((event) => event.context?.page?.path)
    .sort();
  expect(pages).toEqual([`${prefix}/`, `${prefix}/products`]);
  expect(
    timeline
      .filter((event) => event.type === 'track')
      .map((event) => event.event)
      .sort(),
  ).toEqual(['Order Completed', 'Product Viewed']);
  expect(timeline.find((event) => event.event === 'Order Completed')?.properties).toMatchObject({ revenue: 42, currency: 'EUR' });
  expect(timeline.filter((event) => event.type === 'identify')).toHaveLength(1);
  for (const event of timeline) expect(event.context?.userAgent).toBe(visited.userAgent);
  expect(visited.userAgent).toMatch(/Chrome/);
}

describe('analytics.js in Chromium, on a page of another origin', () => {
  it('the release Itinera serves: one person under the cookie and the user id, with pages, track, identify and order', async () => {
    const visited = await visit(siteUrl, 'browser-u1');
    expect(visited.keys).toEqual(['header']);
    await expectOnePerson(visited, 'browser-u1');
  }, 60_000);

  it('an older release (1.70, the write key in the body) pinned by the site works the same', async () => {
    const visited = await visit(`${siteUrl}/pinned`, 'browser-u2');
    expect(visited.keys).toEqual(['body']);
    await expectOnePerson(visited, 'browser-u2', '/pinned');
  }, 60_000);
});
