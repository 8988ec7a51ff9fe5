/**
 * Identity resolution and merging on the real database: the scenarios a shop meets.
 */
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { finishInterruptedMerges, mergeProfiles } from '../../src/identity/merge.js';
import { ProfileStore } from '../../src/store/profiles.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('merge', { runWorker: false });
});
afterAll(async () => {
  await itinera?.close();
});

const admin = { auth: bearer(ADMIN_KEY) };
const post = (path: string, json: unknown) => send(itinera.baseUrl, 'POST', path, { auth: basicAuth(WRITE_KEY), json });
const lookup = async (query: string) => send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?${query}`, admin);
const profileCount = () => itinera.raw.profiles.countDocuments();

describe('identity resolution', () => {
  it('turns anonymous browsing into the known customer on sign-up', async () => {
    await post('/v1/page', { anonymousId: 'anon-1', name: 'Home' });
    await post('/v1/track', { anonymousId: 'anon-1', event: 'Product Viewed', properties: { price: 10 } });
    const anonymous = (await lookup('anonymousId=anon-1')).body;
    await post('/v1/identify', { anonymousId: 'anon-1', userId: 'u-signup', traits: { email: 'Signup@Example.org', name: 'Sam' } });
    const known = (await lookup('userId=u-signup')).body;
    expect(known.id).toBe(anonymous.id);
    expect(known.identities).toEqual({ anonymousId: ['anon-1'], userId: ['u-signup'], email: ['signup@example.org'] });
    expect(known.counters['Product Viewed']).toEqual({ count: 1, sum: { price: 10 } });
  });

  it('merges two devices into one profile at the login on the second, uniting everything', async () => {
    const before = await profileCount();
    // Phone: anonymous, then signs up.
    await post('/v1/track', {
      anonymousId: 'phone-1',
      event: 'Order Completed',
      properties: { revenue: 30 },
      timestamp: '2026-01-01T10:00:00Z',
    });
    await post('/v1/identify', {
      anonymousId: 'phone-1',
      userId: 'u-two',
      traits: { plan: 'free', city: 'Gdańsk' },
      timestamp: '2026-01-01T10:01:00Z',
    });
    // Laptop: anonymous browsing, a purchase, a newer trait.
    await post('/v1/track', {
      anonymousId: 'laptop-1',
      event: 'Order Completed',
      properties: { revenue: 12.5 },
      timestamp: '2026-01-02T09:00:00Z',
    });
    await post('/v1/identify', { anonymousId: 'laptop-1', traits: { plan: 'pro' }, timestamp: '2026-01-02T09:01:00Z' });
    const laptop = (await lookup('anonymousId=laptop-1')).body;
    const phone = (await lookup('userId=u-two')).body;
    expect(laptop.id).not.toBe(phone.id);
    expect(await profileCount()).toBe(before + 2);

    // The login on the laptop: one person.
    await post('/v1/identify', { anonymousId: 'laptop-1', userId: 'u-two', timestamp: '2026-01-02T09:05:00Z' });
    expect(await profileCount()).toBe(before + 1);
    const merged = (await lookup('anonymousId=laptop-1')).body;
    expect(merged.id).toBe(phone.id); // the profile holding the userId survives
    expect(merged.identities.anonymousId.sort()).toEqual(['laptop-1', 'phone-1']);
    expect(merged.traits).toEqual({ plan: 'pro', city: 'Gdańsk' }); // most recent wins, nothing lost
    expect(merged.counters['Order Completed']).toEqual({ count: 2, sum: { revenue: 42.5 } });
    expect(merged.mergedFrom).toEqual([laptop.id]);

    // The merged-away id keeps resolving, its events moved, the merge is recorded.
    const old = await send(itinera.baseUrl, 'GET', `/v1/profiles/${laptop.id}`, admin);
    expect(old.body.id).toBe(phone.id);
    const timeline = await send(itinera.baseUrl, 'GET', `/v1/profiles/${phone.id}/events?limit=100`, admin);
    expect(timeline.body.events).toHaveLength(5);
    const record = await itinera.raw.merges.findOne({ from: laptop.id });
    expect(record).toMatchObject({ into: phone.id, via: 'anonymousId', status: 'completed' });
  });

  it('never merges two signed-up people, however many of them share a family e-mail', async () => {
    const before = await profileCount();
    const family = 'family@example.net';
    for (let i = 0; i < 30; i++) {
      expect((await post('/v1/identify', { userId: `u-family-${i}`, traits: { email: family, member: i } })).status).toBe(200);
    }
    // Each again, to try every merge the shared e-mail suggests.
    for (let i = 0; i < 30; i++)
      await post('/v1/track', { userId: `u-family-${i}`, event: 'Logged In', context: { traits: { email: family } } });
    expect(await profileCount()).toBe(before + 30);
    for (let i = 0; i < 30; i += 7) {
      const person = (await lookup(`userId=u-family-${i}`)).body;
      expect(person.identities.userId).toEqual([`u-family-${i}`]);
      expect(person.traits.member).toBe(i);
    }
    // The e-mail stays with the first person who used it; refusals are recorded once each.
    expect((await lookup(`email=${family}`)).body.identities.userId).toEqual(['u-family-0']);
    const refused = await itinera.raw.merges.find({ status: 'refused' }).toArray();
    expect(refused).toHaveLength(29);
    expect(refused[0]!.reason).toContain('userId');
  });

  it('respects the configured limit of e-mails per profile', async () => {
    const limited = await startTestItinera('limits', { runWorker: false, identityLimits: { email: 2 } });
    try {
      const postTo = (json: unknown) => send(limited.baseUrl, 'POST', '/v1/identify', { auth: basicAuth(WRITE_KEY), json });
      for (const email of ['a@x.org', 'b@x.org', 'c@x.org']) await postTo({ userId: 'u-lim', traits: { email } });
      const profile = await send(limited.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-lim', admin);
      expect(profile.body.identities.email).toEqual(['a@x.org', 'b@x.org']);
      expect((await send(limited.baseUrl, 'GET', '/v1/profiles/lookup?email=c@x.org', admin)).status).toBe(404);
    } finally {
      await limited.close();
    }
  });

  it('creates the new people of batches sent in parallel once each, counting every event once', async () => {
    const before = await profileCount();
    // Five shoppers, each on two devices' worth of events, in batches that overlap: every
    // person arrives new in several batches at once, and two messages repeat.
    const message = (n: number) => ({
      type: 'track',
      anonymousId: `bulk-${n % 5}`,
      event: 'Product Viewed',
      properties: { price: n },
      messageId: `bulk-m-${n}`,
    });
    const batches = [
      [0, 1, 2, 3, 4, 5],
      [5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 0],
      [1, 2, 3, 4],
    ].map((ns) => ({ batch: ns.map(message) }));
    const answers = await Promise.all(batches.map((batch) => post('/v1/batch', batch)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(await profileCount()).toBe(before + 5);
    for (let person = 0; person < 5; person++) {
      const profile = (await lookup(`anonymousId=bulk-${person}`)).body;
      const prices = [person, person + 5, person + 10];
      expect(profile.counters).toEqual({ 'Product Viewed': { count: 3, sum: { price: prices[0]! + prices[1]! + prices[2]! } } });
    }
  });

  it('creates exactly one profile when a new person arrives on many parallel requests with several ids', async () => {
    const before = await profileCount();
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        post('/v1/identify', {
          userId: 'u-burst',
          anonymousId: `burst-device-${i % 3}`,
          traits: { email: 'burst@example.org' },
          messageId: `burst-${i}`,
        }),
      ),
    );
    expect(await profileCount()).toBe(before + 1);
    const profile = (await lookup('userId=u-burst')).body;
    expect(profile.identities.anonymousId.sort()).toEqual(['burst-device-0', 'burst-device-1', 'burst-device-2']);
    expect((await lookup('email=burst@example.org')).body.id).toBe(profile.id);
  });

  it('keeps every write another process makes to either profile while the merge reads and writes them', async () => {
    const { stores } = itinera.runtime;
    const { profiles } = stores;
    // A second process: its own client, its own ProfileStore, the same database.
    const other = new MongoClient(inject('mongoUri'));
    await other.connect();
    const elsewhere = new ProfileStore(other.db(itinera.dbName));
    try {
      const now = new Date();
      const [from, into] = ['p_window_from', 'p_window_into'];
      for (const id of [from, into]) await profiles.create(id, {}, now);
      const order = { firstAt: now, lastAt: now, counters: [{ key: 'Order Completed', sums: { revenue: 10 } }] };
      await profiles.applyBatches(from, [{ outboxId: 'ob_before_from', activity: order }], now);
      await profiles.applyBatches(into, [{ outboxId: 'ob_before_into', activity: order }], now);

      // Barrier 1: after the merge read `from`, before it deletes it, the other process
      // tags it and counts an order on it, and both writes complete. Barrier 2: after the
      // merge read the survivor, before it writes the combined profile, the other process
      // does the same to the survivor. Unguarded, the first pair would go with the deleted
      // profile and the second be overwritten by the combined fields.
      const forced: string[] = [];
      const writeElsewhere = async (id: string, n: number) => {
        expect(await elsewhere.addTag(id, `${id}-during-merge`, new Date())).not.toBeNull();
        expect(await elsewhere.applyBatches(id, [{ outboxId: `ob_during_${n}`, activity: order }], new Date())).not.toBeNull();
        forced.push(id);
      };
      const keepAbsorbed = stores.merges.keepAbsorbed;
      stores.merges.keepAbsorbed = async (...args) => {
        if (forced.length === 0) await writeElsewhere(from, 1);
        return keepAbsorbed.apply(stores.merges, args);
      };
      const foldIn = profiles.foldIn;
      profiles.foldIn = (survivorId, absorbed, combine) =>
        foldIn.call(profiles, survivorId, absorbed, async (survivor, taken) => {
          const combined = await combine(survivor, taken);
          if (forced.length === 1) await writeElsewhere(into, 2);
          return combined;
        });
      try {
        await mergeProfiles(stores, from, into, 'userId', now);
      } finally {
        stores.merges.keepAbsorbed = keepAbsorbed;
        profiles.foldIn = foldIn;
      }

      // The interleavings happened, each inside its window...
      expect(forced).toEqual([from, into]);
      // ...and the survivor holds everything: four orders, both profiles' tags, every batch mark.
      const survivor = (await profiles.findById(into))!;
      expect(survivor.tags.sort()).toEqual([`${from}-during-merge`, `${into}-during-merge`]);
      expect(survivor.counters).toEqual({ 'Order Completed': { count: 4, sum: { revenue: 40 } } });
      expect(Object.keys(survivor.appliedBatches ?? {}).sort()).toEqual(['ob_before_from', 'ob_before_into', 'ob_during_1', 'ob_during_2']);
      expect(survivor.mergedFrom).toEqual([from]);
      expect(await profiles.findExact(from)).toBeNull();
      expect((await profiles.findById(from))!._id).toBe(into);
      // The merge record kept the taken profile only while it ran.
      expect(await itinera.raw.merges.findOne({ from })).toMatchObject({ status: 'completed' });
      expect((await itinera.raw.merges.findOne({ from }))?.absorbed).toBeUndefined();
      // Writes addressed to the merged-away id land on the survivor.
      expect(await elsewhere.addTag(from, 'after', new Date())).not.toBeNull();
      expect((await profiles.findById(into))!.tags).toContain('after');
    } finally {
      await other.close();
    }
  });

  it('finishes a merge interrupted after the merged-away profile was deleted, from the profile its record kept', async () => {
    const { stores } = itinera.runtime;
    const now = new Date();
    const [from, into] = ['p_crash_from', 'p_crash_into'];
    for (const id of [from, into]) await stores.profiles.create(id, {}, now);
    expect(await stores.profiles.addTag(from, 'only-on-from', now)).not.toBeNull();
    // A crash right after the delete: the process dies before folding `from` in.
    const foldIn = stores.profiles.foldIn;
    stores.profiles.foldIn = async () => {
      throw new Error('killed');
    };
    await expect(mergeProfiles(stores, from, into, 'userId', now)).rejects.toThrow('killed');
    stores.profiles.foldIn = foldIn;
    expect(await stores.profiles.findExact(from)).toBeNull();
    expect((await stores.profiles.findById(into))!.tags).toEqual([]);

    // The sweeper finishes pending merges: the tag comes back from the merge record.
    expect(await finishInterruptedMerges(stores, new Date(Date.now() + 60_000), new Date())).toBeGreaterThanOrEqual(1);
    expect((await stores.profiles.findById(into))!.tags).toEqual(['only-on-from']);
    expect((await itinera.raw.merges.findOne({ from }))?.status).toBe('completed');
  });
});
