/**
 * POST /v1/privacy/retention/dry-run: what the next retention run would remove, under the
 * stored policy or one given, and nothing removed, erased, recorded or audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const DAY_MS = 24 * 3600 * 1000;

beforeAll(async () => {
  itinera = await startTestItinera('retention_dry_run');
});
afterAll(async () => {
  await itinera?.close();
});

/** Everything a run could touch, to compare before and after. */
async function snapshot() {
  const { raw } = itinera;
  return {
    events: await raw.events.countDocuments({}),
    profiles: await raw.profiles.countDocuments({}),
    requests: await raw.privacyRequests.countDocuments({}),
    audit: await raw.audit.countDocuments({}),
    retention: await raw.db.collection('retention').find({}).toArray(),
  };
}

describe('POST /v1/privacy/retention/dry-run', () => {
  it('counts what a run would remove and changes nothing', async () => {
    const old = new Date(Date.now() - 100 * DAY_MS).toISOString();
    for (const event of ['Page Read', 'Page Read', 'Order Placed'])
      expect(
        (await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'rd-old', event, timestamp: old } })).status,
      ).toBe(200);
    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'rd-new', event: 'Page Read' } })).status).toBe(
      200,
    );
    const oldProfile = await eventually(
      async () => (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=rd-old', admin)).body?.id,
    );
    await eventually(async () => (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=rd-new', admin)).body?.id);
    // The person was last seen long ago (a new profile counts as seen when it arrived).
    await itinera.raw.profiles.updateOne({ _id: oldProfile }, { $set: { lastSeenAt: new Date(old) } });
    const policy = { events: [{ olderThanDays: 30, event: 'Page Read' }, { olderThanDays: 365 }], inactivePeopleDays: 60 };
    expect((await send(itinera.baseUrl, 'PUT', '/v1/privacy/retention', { ...admin, json: policy })).status).toBe(200);

    const before = await snapshot();
    const stored = await send(itinera.baseUrl, 'POST', '/v1/privacy/retention/dry-run', admin);
    expect(stored.status).toBe(200);
    expect(stored.body.policy).toBe('stored');
    expect(stored.body.events.map((e: { count: number }) => e.count)).toEqual([2, 0]);
    expect(stored.body.inactivePeople).toMatchObject({ days: 60, count: 1, capped: false });

    // A policy under consideration, counted the same way.
    const given = await send(itinera.baseUrl, 'POST', '/v1/privacy/retention/dry-run', {
      ...admin,
      json: { policy: { events: [{ olderThanDays: 30 }] } },
    });
    expect(given.status).toBe(200);
    expect(given.body).toMatchObject({ policy: 'given', events: [{ rule: { olderThanDays: 30 }, count: 3 }] });
    expect(given.body.inactivePeople).toBeUndefined();

    expect(await snapshot()).toEqual(before);
  });

  it('refuses a malformed policy', async () => {
    for (const json of [{ policy: { events: [{ olderThanDays: 0 }] } }, { policy: { inactivePeopleDays: 'x' } }, { run: true }]) {
      const answer = await send(itinera.baseUrl, 'POST', '/v1/privacy/retention/dry-run', { ...admin, json });
      expect(answer.status, JSON.stringify(json)).toBe(400);
      expect(answer.body.error.code).toBe('invalid_body');
    }
  });
});
