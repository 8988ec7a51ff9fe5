/**
 * The walking skeleton end to end on the real servers: an event sent over HTTP is stored
 * in MongoDB, dispatched to Temporal, and the journey's tag appears on the profile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const HELLO = 'journey hello { when performed "Signed Up" tag "hello" }';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('e2e');
});
afterAll(async () => {
  await itinera?.close();
});

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };

describe('track → journey → tag', () => {
  it('tags the profile of whoever performed the trigger event', async () => {
    const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: HELLO });
    expect(deployed.status).toBe(200);
    expect(deployed.body.version).toBeGreaterThanOrEqual(1);

    const tracked = await send(itinera.baseUrl, 'POST', '/v1/track', {
      ...writer,
      json: { userId: 'u-e2e-1', event: 'Signed Up', properties: { plan: 'pro' }, messageId: 'm-e2e-1' },
    });
    expect(tracked).toEqual({ status: 200, body: { success: true } });

    const profile = await eventually(async () => {
      const found = await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-e2e-1', admin);
      return found.status === 200 && found.body.tags.includes('hello') ? found.body : undefined;
    });
    expect(profile.identities.userId).toEqual(['u-e2e-1']);
    // Applied and dispatched: nothing is left owing in the outbox.
    await itinera.runtime.writer.drain();
    expect(await itinera.raw.outbox.countDocuments()).toBe(0);
  });

  it('does not tag for other events', async () => {
    await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'u-e2e-2', event: 'Viewed Page' } });
    // The tagging path is asynchronous: wait until the event was dispatched, then look.
    await itinera.runtime.writer.drain();
    const found = await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-e2e-2', admin);
    expect(found.status).toBe(200);
    expect(found.body.tags).toEqual([]);
  });
});

describe('identify and the single customer view', () => {
  it('upserts traits and resolves the profile by every identifier', async () => {
    const first = await send(itinera.baseUrl, 'POST', '/v1/identify', {
      ...writer,
      json: { userId: 'u-id-1', anonymousId: 'anon-id-1', traits: { email: 'Ada@Example.com', plan: 'free' } },
    });
    expect(first.status).toBe(200);
    await send(itinera.baseUrl, 'POST', '/v1/identify', { ...writer, json: { userId: 'u-id-1', traits: { plan: 'pro', city: 'Kraków' } } });

    const byUser = await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-id-1', admin);
    expect(byUser.status).toBe(200);
    expect(byUser.body.traits).toEqual({ email: 'Ada@Example.com', plan: 'pro', city: 'Kraków' });
    const byEmail = await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?email=ada@example.com', admin);
    const byAnon = await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?anonymousId=anon-id-1', admin);
    const byId = await send(itinera.baseUrl, 'GET', `/v1/profiles/${byUser.body.id}`, admin);
    expect(byEmail.body.id).toBe(byUser.body.id);
    expect(byAnon.body.id).toBe(byUser.body.id);
    expect(byId.body).toEqual(byUser.body);
    expect(Object.keys(byId.body).sort()).toEqual([
      'consents',
      'counters',
      'createdAt',
      'firstSeenAt',
      'groups',
      'id',
      'identities',
      'journeyHistory',
      'journeys',
      'lastSeenAt',
      'mergedFrom',
      'segments',
      'tags',
      'traits',
      'updatedAt',
    ]);
  });

  it('answers 404 for unknown profiles', async () => {
    expect((await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=nobody', admin)).status).toBe(404);
    expect((await send(itinera.baseUrl, 'GET', '/v1/profiles/p_missing', admin)).status).toBe(404);
  });

  it('stores a repeated messageId once', async () => {
    const message = { userId: 'u-dup', event: 'Clicked', messageId: 'm-dup-1', properties: { n: 1 } };
    for (let i = 0; i < 3; i++) expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: message })).status).toBe(200);
    expect(await itinera.raw.events.countDocuments({ messageId: 'm-dup-1' })).toBe(1);
  });

  it('creates exactly one profile when many requests for a new person race', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'u-race', event: 'Raced', messageId: `m-race-${i}` } }),
      ),
    );
    const profiles = await itinera.raw.profiles.countDocuments({ 'identities.userId': 'u-race' });
    const identities = await itinera.raw.identities.find({ _id: 'userId:u-race' }).toArray();
    expect(profiles).toBe(1);
    expect(identities).toHaveLength(1);
    expect(await itinera.raw.events.countDocuments({ userId: 'u-race', profileId: identities[0]!.profileId })).toBe(20);
  });

  it('corrects client clock skew with sentAt', async () => {
    // The client's clock is an hour fast: it says it sent at 13:00 what happened at 12:59.
    await send(itinera.baseUrl, 'POST', '/v1/track', {
      ...writer,
      json: { userId: 'u-skew', event: 'Skewed', messageId: 'm-skew', timestamp: '2030-01-01T12:59:00Z', sentAt: '2030-01-01T13:00:00Z' },
    });
    const event = await itinera.raw.events.findOne({ messageId: 'm-skew' });
    const lag = event!.receivedAt.getTime() - event!.timestamp.getTime();
    expect(lag).toBe(60_000);
  });
});

describe('health', () => {
  it('is alive and ready when Temporal and MongoDB answer', async () => {
    expect(await send(itinera.baseUrl, 'GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await send(itinera.baseUrl, 'GET', '/ready')).toEqual({
      status: 200,
      body: { status: 'ready', mongodb: 'up', temporal: 'up', worker: 'up' },
    });
  });
});
