/**
 * The data catalogue on the real servers: events sent over HTTP show up in
 * `GET /v1/catalog` with their counts, property paths, kinds, traits and consent
 * categories; any name survives; repeats count once; caps hold; no value is stored; a failed
 * flush is logged and retried; several processes add up.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { CATALOG_LIMITS, type CatalogObservation } from '../../src/store/catalog-tallies.js';
import { DataCatalogStore } from '../../src/store/data-catalog.js';
import { COLLECTIONS } from '../../src/store/collections.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('catalog', { runWorker: false });
});
afterAll(async () => {
  await itinera?.close();
});

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const post = (path: string, json: unknown) => send(itinera.baseUrl, 'POST', path, { ...writer, json });
const catalog = async () => {
  const answer = await send(itinera.baseUrl, 'GET', '/v1/catalog', admin);
  expect(answer.status).toBe(200);
  return answer.body;
};
const eventNamed = (body: Record<string, any>, name: string) => body.events.find((event: { name: string }) => event.name === name);
interface PathEntry {
  path: string;
  kinds: string[];
  count: number;
}
const pathIn = (paths: PathEntry[], path: string) => paths.find((entry) => entry.path === path);

describe('GET /v1/catalog', () => {
  it('needs the admin key', async () => {
    expect((await send(itinera.baseUrl, 'GET', '/v1/catalog')).status).toBe(401);
    expect((await send(itinera.baseUrl, 'GET', '/v1/catalog', { auth: bearer('wrong') })).status).toBe(401);
  });

  it('shows the events, properties and kinds, traits, consent categories and templates sent', async () => {
    for (const [i, total] of [120, 80.5, 10].entries()) {
      expect(
        (
          await post('/v1/track', {
            userId: 'u-cat-1',
            event: 'Order Completed',
            messageId: `cat-order-${i}`,
            properties: { order: { total, currency: 'EUR', lines: [{ sku: 'x' }] }, coupon: i === 0 ? null : 'SPRING', gift: i === 2 },
          })
        ).status,
      ).toBe(200);
    }
    expect(
      (await post('/v1/track', { userId: 'u-cat-1', event: 'Ebook Signup', messageId: 'cat-ebook', properties: { source: 'landing' } }))
        .status,
    ).toBe(200);
    expect(
      (await post('/v1/page', { userId: 'u-cat-1', name: 'Pricing', messageId: 'cat-page', properties: { path: '/pricing' } })).status,
    ).toBe(200);
    expect(
      (
        await post('/v1/identify', {
          userId: 'u-cat-1',
          messageId: 'cat-identify',
          traits: { plan: 'pro', address: { city: 'Kraków' }, interests: ['books'], vip: true, score: 7 },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await post('/v1/track', {
          userId: 'u-cat-1',
          event: 'Ebook Signup',
          messageId: 'cat-consent',
          context: { consent: { categoryPreferences: { Marketing: true, Analytics: false, 'Ads v2': true } } },
        })
      ).status,
    ).toBe(200);
    expect(
      (await send(itinera.baseUrl, 'PUT', '/v1/templates/welcome', { ...admin, json: { subject: 'Hi', html: '<p>Hi</p>' } })).status,
    ).toBe(201);

    const body = await catalog();
    const order = eventNamed(body, 'Order Completed');
    expect(order).toMatchObject({ name: 'Order Completed', count: 3 });
    expect(new Date(order.lastSeen).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(pathIn(order.properties, 'order')).toEqual({ path: 'order', kinds: ['object'], count: 3 });
    expect(pathIn(order.properties, 'order.total')).toEqual({ path: 'order.total', kinds: ['number'], count: 3 });
    // Arrays are recorded as themselves, their elements not followed.
    expect(pathIn(order.properties, 'order.lines')).toEqual({ path: 'order.lines', kinds: ['array'], count: 3 });
    expect(pathIn(order.properties, 'order.lines.sku')).toBeUndefined();
    expect(pathIn(order.properties, 'coupon')).toEqual({ path: 'coupon', kinds: ['string', 'null'], count: 3 });
    expect(pathIn(order.properties, 'gift')).toEqual({ path: 'gift', kinds: ['boolean'], count: 3 });

    expect(eventNamed(body, 'Ebook Signup')).toMatchObject({ count: 2, properties: [{ path: 'source', kinds: ['string'], count: 1 }] });
    expect(eventNamed(body, 'Page Viewed')).toMatchObject({ count: 1, properties: [{ path: 'path', kinds: ['string'], count: 1 }] });
    // Identify calls count as no event.
    expect(body.events.map((event: { name: string }) => event.name).sort()).toEqual(['Ebook Signup', 'Order Completed', 'Page Viewed']);
    // Most frequent first.
    expect(body.events.map((event: { count: number }) => event.count)).toEqual([3, 2, 1]);

    expect(pathIn(body.traits, 'plan')).toEqual({ path: 'plan', kinds: ['string'], count: 1 });
    expect(pathIn(body.traits, 'address.city')).toEqual({ path: 'address.city', kinds: ['string'], count: 1 });
    expect(pathIn(body.traits, 'interests')).toEqual({ path: 'interests', kinds: ['array'], count: 1 });
    expect(pathIn(body.traits, 'vip')?.kinds).toEqual(['boolean']);
    expect(pathIn(body.traits, 'score')?.kinds).toEqual(['number']);

    expect(body.consentCategories.map((category: { name: string; count: number }) => [category.name, category.count]).sort()).toEqual([
      ['Ads v2', 1],
      ['Analytics', 1],
      ['Marketing', 1],
    ]);
    expect(body.consentCategories[0].lastSeen).toEqual(expect.any(String));
    expect(body.templates).toEqual(['welcome']);
    expect(new Date(body.updatedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps names with dots, dollar signs, spaces and any script, as names, not nested fields', async () => {
    const names = ['v1.clicked', '$set', 'Add to cart $ 2.0', 'Zamówienie złożone 注文', 'a.$b..c'];
    for (const [i, event] of names.entries()) {
      const sent = await post('/v1/track', {
        userId: 'u-cat-odd',
        event,
        messageId: `cat-odd-${i}`,
        // Ingestion refuses property keys with a dot or a leading `$` (segment-spec.ts); nesting makes dotted paths.
        properties: { price$: 1, price: { net: 2 }, 'ключ с пробелом': { ß$: 'x' }, '🛒': true, 'a b': 'c' },
      });
      expect(sent.status).toBe(200);
    }
    const body = await catalog();
    for (const name of names) {
      const event = eventNamed(body, name);
      expect(event, name).toMatchObject({ name, count: 1 });
      expect(event.properties.map((entry: { path: string }) => entry.path).sort()).toEqual(
        ['price$', 'price', 'price.net', 'a b', 'ключ с пробелом', 'ключ с пробелом.ß$', '🛒'].sort(),
      );
    }
    // Stored as values: no document gained a nested field from a name.
    const raw = await itinera.raw.db.collection(COLLECTIONS.dataCatalog).findOne({ _id: 'event:v1.clicked' as never });
    expect(raw?.name).toBe('v1.clicked');
    expect(Object.keys(raw?.properties ?? {}).every((key) => /^k[A-Za-z0-9_-]+$/.test(key))).toBe(true);
  });

  it('writes behind by itself within seconds, with no read to trigger it', async () => {
    expect((await post('/v1/track', { userId: 'u-cat-behind', event: 'Written Behind', messageId: 'cat-behind' })).status).toBe(200);
    const raw = itinera.raw.db.collection(COLLECTIONS.dataCatalog);
    const stored = await eventually(async () => (await raw.findOne({ _id: 'event:Written Behind' as never })) ?? undefined, 10_000);
    expect(stored).toMatchObject({ kind: 'event', name: 'Written Behind', count: 1 });
  });

  it('counts a repeated messageId once, across requests and inside one batch', async () => {
    const track = { userId: 'u-cat-dup', event: 'Repeated Once', messageId: 'cat-dup-1', properties: { n: 1 } };
    expect((await post('/v1/track', track)).status).toBe(200);
    expect((await post('/v1/track', track)).status).toBe(200);
    expect(
      (
        await post('/v1/batch', {
          batch: [
            { ...track, type: 'track' },
            { ...track, type: 'track', messageId: 'cat-dup-2' },
            { ...track, type: 'track', messageId: 'cat-dup-2' },
          ],
        })
      ).status,
    ).toBe(200);
    const event = eventNamed(await catalog(), 'Repeated Once');
    expect(event).toMatchObject({ count: 2, properties: [{ path: 'n', kinds: ['number'], count: 2 }] });
  });

  it('follows objects five levels deep and holds the cap of property paths per event, counting what it drops', async () => {
    const wide = Object.fromEntries(
      Array.from({ length: CATALOG_LIMITS.propertyPathsPerEvent + 30 }, (_, i) => [`p${String(i).padStart(3, '0')}`, i]),
    );
    expect((await post('/v1/track', { userId: 'u-cat-wide', event: 'Wide', messageId: 'cat-wide-1', properties: wide })).status).toBe(200);
    expect(
      (await post('/v1/track', { userId: 'u-cat-wide', event: 'Wide', messageId: 'cat-wide-2', properties: { p000: 1, extra: 1 } })).status,
    ).toBe(200);
    expect(
      (
        await post('/v1/track', {
          userId: 'u-cat-wide',
          event: 'Deep',
          messageId: 'cat-deep',
          properties: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } },
        })
      ).status,
    ).toBe(200);

    const body = await catalog();
    const event = eventNamed(body, 'Wide');
    expect(event.count).toBe(2);
    expect(event.properties).toHaveLength(CATALOG_LIMITS.propertyPathsPerEvent);
    expect(pathIn(event.properties, 'p000')?.count).toBe(2);
    expect(pathIn(event.properties, 'extra')).toBeUndefined();
    expect(body.dropped.properties).toBe(31);
    expect(eventNamed(body, 'Deep').properties.map((entry: { path: string }) => entry.path)).toEqual([
      'a',
      'a.b',
      'a.b.c',
      'a.b.c.d',
      'a.b.c.d.e',
    ]);
    expect(pathIn(eventNamed(body, 'Deep').properties, 'a.b.c.d.e')?.kinds).toEqual(['object']);
  });

  it('stores names and counts only: no property or trait value, and no key shaped like an e-mail address', async () => {
    expect(
      (
        await post('/v1/track', {
          userId: 'u-cat-private',
          event: 'Private Things',
          messageId: 'cat-private-1',
          properties: { note: 'secret-value-4711', contact: { email: 'alice@example.com' }, 'bob@example': true, amount: 987654321 },
        })
      ).status,
    ).toBe(200);
    expect(
      (await post('/v1/track', { userId: 'u-cat-private', event: 'Mailed dave@example.com', messageId: 'cat-private-3' })).status,
    ).toBe(200);
    expect(
      (
        await post('/v1/identify', {
          userId: 'u-cat-private',
          messageId: 'cat-private-2',
          traits: { email: 'carol@example.com', name: 'Carol Secret-Surname' },
        })
      ).status,
    ).toBe(200);
    const body = await catalog();
    expect(
      eventNamed(body, 'Private Things')
        .properties.map((entry: { path: string }) => entry.path)
        .sort(),
    ).toEqual(['amount', 'contact', 'contact.email', 'note']);
    expect(body.events.some((event: { name: string }) => event.name.includes('dave'))).toBe(false);
    expect(body.dropped.unrecordable).toBeGreaterThanOrEqual(2);

    const stored = JSON.stringify(await itinera.raw.db.collection(COLLECTIONS.dataCatalog).find({}).toArray());
    for (const value of [
      'secret-value-4711',
      'alice@example.com',
      'bob@example',
      'dave@example.com',
      'carol@example.com',
      'Carol Secret-Surname',
      '987654321',
      'Kraków',
      'SPRING',
    ]) {
      expect(stored, value).not.toContain(value);
    }
    const answered = JSON.stringify(body);
    for (const value of [
      'secret-value-4711',
      'alice@example.com',
      'bob@example',
      'dave@example.com',
      'carol@example.com',
      'Carol Secret-Surname',
    ])
      expect(answered, value).not.toContain(value);
  });
});

/** A second process over the same database, as another Itinera instance would be. */
const observation = (name: string, at = new Date()): CatalogObservation => ({
  at,
  event: { name, properties: [{ path: 'x', kind: 'number' }] },
  traits: [{ path: 't', kind: 'string' }],
  consentCategories: ['Second'],
  unrecordable: 0,
});

describe('the catalogue store', () => {
  it('adds up the counts of several processes (each writes increments, never whole documents)', async () => {
    const first = new DataCatalogStore(itinera.raw.db);
    const second = new DataCatalogStore(itinera.raw.db);
    for (let i = 0; i < 3; i += 1) first.record(observation('Two Processes'));
    for (let i = 0; i < 4; i += 1) second.record(observation('Two Processes'));
    await first.flush();
    await second.flush();
    const body = await catalog();
    expect(eventNamed(body, 'Two Processes')).toMatchObject({ count: 7, properties: [{ path: 'x', kinds: ['number'], count: 7 }] });
    expect(body.consentCategories.find((category: { name: string }) => category.name === 'Second')?.count).toBe(7);
  });

  it('writes what is left on close (shutdown)', async () => {
    const store = new DataCatalogStore(itinera.raw.db);
    store.record(observation('Written On Close'));
    await store.close();
    expect(eventNamed(await catalog(), 'Written On Close')).toMatchObject({ count: 1 });
  });

  it('logs a failed flush and keeps its counts for the next one', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      'warn',
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const store = new DataCatalogStore(itinera.raw.db);
    store.reportFailuresTo(logger);
    const raw = itinera.raw.db.collection(COLLECTIONS.dataCatalog);
    // A document in the way: `$inc` of `properties.<key>.count` cannot go into a string.
    await raw.insertOne({ _id: 'event:Blocked For Now' as never, kind: 'event', name: 'Blocked For Now', properties: 'in the way' });
    store.record(observation('Blocked For Now'));
    store.record(observation('Not Blocked'));
    await expect(store.flush()).rejects.toThrow();
    expect(lines.join('')).toContain('data catalogue counts not written; kept for the next flush');
    // What could be written was.
    expect(eventNamed(await catalog(), 'Not Blocked')).toMatchObject({ count: 1 });
    expect(eventNamed(await catalog(), 'Blocked For Now').count ?? 0).toBe(0);

    await raw.deleteOne({ _id: 'event:Blocked For Now' as never });
    store.record(observation('Blocked For Now'));
    await store.flush();
    expect(eventNamed(await catalog(), 'Blocked For Now')).toMatchObject({
      count: 2,
      properties: [{ path: 'x', kinds: ['number'], count: 2 }],
    });
    expect(eventNamed(await catalog(), 'Not Blocked')).toMatchObject({ count: 1 });
    await store.close();
  });

  it('holds the cap of event names, trait paths and consent categories, counting what it drops', async () => {
    const store = new DataCatalogStore(itinera.raw.db);
    const before = await catalog();
    const room = CATALOG_LIMITS.eventNames - before.events.length;
    for (let i = 0; i < room + 12; i += 1) store.record(observation(`Many ${i}`));
    const traits = Array.from({ length: CATALOG_LIMITS.traitPaths + 5 }, (_, i) => ({ path: `trait${i}`, kind: 'string' as const }));
    const categories = Array.from({ length: CATALOG_LIMITS.consentCategories + 3 }, (_, i) => `Category ${i}`);
    store.record({ at: new Date(), traits, consentCategories: categories, unrecordable: 0 });
    await store.flush();
    // A process that learns the stored state only from the database holds the caps too.
    const other = new DataCatalogStore(itinera.raw.db);
    other.record(observation('One Too Many'));
    other.record({
      at: new Date(),
      traits: [{ path: 'another-trait', kind: 'number' }],
      consentCategories: ['Another Category'],
      unrecordable: 0,
    });
    await other.flush();

    const body = await catalog();
    expect(body.events).toHaveLength(CATALOG_LIMITS.eventNames);
    expect(eventNamed(body, 'One Too Many')).toBeUndefined();
    expect(body.dropped.events - before.dropped.events).toBe(13);
    expect(body.traits).toHaveLength(CATALOG_LIMITS.traitPaths);
    expect(pathIn(body.traits, 'another-trait')).toBeUndefined();
    expect(body.dropped.traits - before.dropped.traits).toBeGreaterThanOrEqual(1);
    expect(body.consentCategories).toHaveLength(CATALOG_LIMITS.consentCategories);
    expect(body.consentCategories.find((category: { name: string }) => category.name === 'Another Category')).toBeUndefined();
    expect(body.dropped.consentCategories - before.dropped.consentCategories).toBeGreaterThanOrEqual(4);
    await store.close();
    await other.close();
  });
});
