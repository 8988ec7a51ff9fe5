/**
 * Segment's own Node.js client, unchanged, pointed at Itinera: a small shop's day of
 * traffic (anonymous visits, sign-ups, orders, a company account) ends up as one profile
 * per person with the right traits, tags-free counters and timeline.
 */
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('segment', { runWorker: false });
});
afterAll(async () => {
  await itinera?.close();
});

const admin = { auth: bearer(ADMIN_KEY) };
const lookup = async (query: string) => (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?${query}`, admin)).body;

function client(flushAt: number): { analytics: Analytics; errors: unknown[] } {
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: itinera.baseUrl, flushAt, flushInterval: 200, maxRetries: 0 });
  const errors: unknown[] = [];
  analytics.on('error', (error) => errors.push(error));
  return { analytics, errors };
}

describe('@segment/analytics-node against Itinera', () => {
  it('sends identify, track, page, group and alias calls, batched, and every person becomes one profile', async () => {
    const { analytics, errors } = client(10);
    const people = Array.from({ length: 12 }, (_, i) => ({ anonymousId: `visitor-${i}`, userId: `customer-${i}` }));
    for (const [i, person] of people.entries()) {
      // Browsing anonymously…
      analytics.page({ anonymousId: person.anonymousId, name: 'Home', properties: { url: 'https://shop.example/' } });
      analytics.track({ anonymousId: person.anonymousId, event: 'Product Viewed', properties: { sku: `sku-${i}`, price: 20 + i } });
      // …signing up…
      analytics.identify({
        anonymousId: person.anonymousId,
        userId: person.userId,
        traits: { email: `Customer${i}@Shop.example`, plan: 'free' },
      });
      // …and ordering, as a known customer.
      analytics.track({ userId: person.userId, event: 'Order Completed', properties: { revenue: 10 * (i + 1), currency: 'EUR' } });
      if (i % 3 === 0) analytics.track({ userId: person.userId, event: 'Order Completed', properties: { revenue: 5, currency: 'EUR' } });
      analytics.group({ userId: person.userId, groupId: i < 6 ? 'acme' : 'globex', traits: { name: i < 6 ? 'Acme' : 'Globex' } });
    }
    // A returning customer on a new device, whose old and new ids are tied by alias.
    analytics.track({ anonymousId: 'tablet-0', event: 'Cart Viewed' });
    analytics.alias({ previousId: 'tablet-0', userId: 'customer-0' });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);

    expect(await itinera.raw.profiles.countDocuments()).toBe(people.length);
    for (const [i, person] of people.entries()) {
      const profile = await lookup(`userId=${person.userId}`);
      expect(profile.traits).toMatchObject({ email: `Customer${i}@Shop.example`, plan: 'free' });
      expect((await lookup(`anonymousId=${person.anonymousId}`)).id).toBe(profile.id);
      expect((await lookup(`email=customer${i}@shop.example`)).id).toBe(profile.id);
      const orders = i % 3 === 0 ? 2 : 1;
      expect(profile.counters['Order Completed']).toEqual({ count: orders, sum: { revenue: 10 * (i + 1) + (orders - 1) * 5 } });
      expect(profile.counters['Product Viewed']).toEqual({ count: 1, sum: { price: 20 + i } });
      expect(profile.counters['Page Viewed']).toEqual({ count: 1 });
      expect(profile.groups).toEqual([i < 6 ? 'acme' : 'globex']);
      const timeline = await send(itinera.baseUrl, 'GET', `/v1/profiles/${profile.id}/events?limit=50`, admin);
      expect(timeline.body.events.length).toBe(4 + orders + (i === 0 ? 2 : 0));
    }
    expect((await lookup('anonymousId=tablet-0')).identities.userId).toEqual(['customer-0']);
  });

  it('gets a clear refusal for a wrong write key, and nothing is stored', async () => {
    const before = await itinera.raw.events.countDocuments();
    const analytics = new Analytics({ writeKey: 'not-the-key', host: itinera.baseUrl, flushAt: 1, maxRetries: 0 });
    const errors: { code?: string; reason?: unknown }[] = [];
    analytics.on('error', (error) => errors.push(error as { code?: string; reason?: unknown }));
    analytics.track({ userId: 'intruder', event: 'Hacked' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors.length).toBeGreaterThan(0);
    expect(String(errors[0]!.reason)).toContain('401');
    expect(await itinera.raw.events.countDocuments()).toBe(before);
  });
});
