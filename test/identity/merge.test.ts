/**
 * Identity resolution and merging on the real database: the scenarios a shop meets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeProfiles } from '../../src/identity/merge.js';
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

function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { open, opened };
}

const PENDING = Symbol('pending');
/**
 * Whether a promise is still unsettled, without waiting for time to pass: a settled
 * promise's reaction is queued before the marker's, so it wins the race.
 */
const isPending = async (promise: Promise<unknown>) => (await Promise.race([promise, Promise.resolve(PENDING)]).catch(() => undefined)) === PENDING;

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
    await post('/v1/track', { anonymousId: 'phone-1', event: 'Order Completed', properties: { revenue: 30 }, timestamp: '2026-01-01T10:00:00Z' });
    await post('/v1/identify', { anonymousId: 'phone-1', userId: 'u-two', traits: { plan: 'free', city: 'Gdańsk' }, timestamp: '2026-01-01T10:01:00Z' });
    // Laptop: anonymous browsing, a purchase, a newer trait.
    await post('/v1/track', { anonymousId: 'laptop-1', event: 'Order Completed', properties: { revenue: 12.5 }, timestamp: '2026-01-02T09:00:00Z' });
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
    for (let i = 0; i < 30; i++) await post('/v1/track', { userId: `u-family-${i}`, event: 'Logged In', context: { traits: { email: family } } });
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
      type: 'track', anonymousId: `bulk-${n % 5}`, event: 'Product Viewed', properties: { price: n }, messageId: `bulk-m-${n}`,
    });
    const batches = [[0, 1, 2, 3, 4, 5], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 0], [1, 2, 3, 4]].map((ns) => ({ batch: ns.map(message) }));
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
    await Promise.all(Array.from({ length: 25 }, (_, i) =>
      post('/v1/identify', { userId: 'u-burst', anonymousId: `burst-device-${i % 3}`, traits: { email: 'burst@example.org' }, messageId: `burst-${i}` })));
    expect(await profileCount()).toBe(before + 1);
    const profile = (await lookup('userId=u-burst')).body;
    expect(profile.identities.anonymousId.sort()).toEqual(['burst-device-0', 'burst-device-1', 'burst-device-2']);
    expect((await lookup('email=burst@example.org')).body.id).toBe(profile.id);
  });

  it('loses no write to either profile that waits on a merge holding them', async () => {
    const { stores } = itinera.runtime;
    const { profiles } = stores;
    const now = new Date();
    const [from, into, bystander] = ['p_window_from', 'p_window_into', 'p_window_bystander'];
    for (const id of [from, into, bystander]) await profiles.create(id, {}, now);
    expect(await profiles.addTag(from, 'from-before', now)).toBe(true);
    expect(await profiles.addTag(into, 'into-before', now)).toBe(true);

    // Two barriers in the real merge, on the real database. (1) Right after absorb read
    // both profiles, under both locks, before it writes the survivor: tag writes to both ids
    // are issued from there, so they start inside the window where an unguarded write to
    // `from` would be deleted with it and one to `into` overwritten by the combined tags.
    // (2) Then the merge stops on a latch just before it redirects and deletes `from`.
    const writes: { tag: string; done: Promise<boolean> }[] = [];
    const tagWhileMerging = (id: string, tag: string) => writes.push({ tag, done: profiles.addTag(id, tag, new Date()) });
    const readByMerge: { survivor: string[]; absorbed: string[] }[] = [];
    const atRedirect = latch();
    const release = latch();
    const absorb = profiles.absorb;
    profiles.absorb = (survivorId, absorbedId, combine, at) => absorb.call(profiles, survivorId, absorbedId, (survivor, absorbed) => {
      readByMerge.push({ survivor: [...survivor.tags], absorbed: [...absorbed.tags] });
      for (let i = 0; i < 5; i++) {
        tagWhileMerging(absorbedId, `from-at-read-${i}`);
        tagWhileMerging(survivorId, `into-at-read-${i}`);
      }
      return combine(survivor, absorbed);
    }, at);
    const redirect = profiles.redirects.redirect;
    profiles.redirects.redirect = async (...args) => {
      atRedirect.open();
      await release.opened;
      return redirect.apply(profiles.redirects, args);
    };
    let merging: Promise<void> | undefined;
    try {
      merging = mergeProfiles(stores, from, into, 'userId', now);
      await Promise.race([atRedirect.opened, merging.then(() => { throw new Error('the merge never reached the barrier'); })]);
      for (let i = 0; i < 5; i++) {
        tagWhileMerging(from, `from-paused-${i}`);
        tagWhileMerging(into, `into-paused-${i}`);
      }

      // The race happened: the merge read both profiles before any of these writes...
      expect(readByMerge).toEqual([{ survivor: ['into-before'], absorbed: ['from-before'] }]);
      // ...the store keeps serving other profiles (and the probe sees a finished write)...
      const unrelated = profiles.addTag(bystander, 'served', new Date());
      expect(await unrelated).toBe(true);
      expect(await isPending(unrelated)).toBe(false);
      // ...while every write to the merging pair waits, none of them applied yet.
      expect(await Promise.all(writes.map(({ done }) => isPending(done)))).toEqual(writes.map(() => true));
      expect(await isPending(merging)).toBe(true);
      expect((await profiles.findExact(from))!.tags).toEqual(['from-before']);
      expect((await profiles.findById(into))!.tags.sort()).toEqual(['from-before', 'into-before']);
    } finally {
      release.open();
      profiles.absorb = absorb;
      profiles.redirects.redirect = redirect;
      await merging;
    }

    // Released: the writes to `from` found it gone and followed the redirect to the survivor.
    expect(await Promise.all(writes.map(({ done }) => done))).toEqual(writes.map(() => true));
    expect(await profiles.addTag(from, 'from-after', new Date())).toBe(true);
    const everyTag = ['from-before', 'into-before', 'from-after', ...writes.map(({ tag }) => tag)].sort();
    expect(writes).toHaveLength(20);
    expect((await profiles.findById(into))!.tags.sort()).toEqual(everyTag);
    // `from` is gone, and resolves to the survivor.
    expect(await profiles.findExact(from)).toBeNull();
    expect((await profiles.findById(from))!._id).toBe(into);
    const viaApi = await send(itinera.baseUrl, 'GET', `/v1/profiles/${from}`, admin);
    expect(viaApi.body.id).toBe(into);
    expect(viaApi.body.tags.sort()).toEqual(everyTag);
  });
});
