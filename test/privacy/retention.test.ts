/**
 * Retention on the real servers: a policy set over HTTP creates a Temporal Schedule; a
 * run removes exactly the events its rules name (older than their days, of their name or
 * type) and erases people not seen for the policy's days, without suppressing them; the
 * counts are recorded and audited. The runtime's clock is moved ahead instead of waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const DAY = 24 * 3600 * 1000;
let itinera: TestItinera;
let shiftMs = 0;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);

beforeAll(async () => {
  itinera = await startTestItinera('retention', { now: () => new Date(Date.now() + shiftMs) });
});
afterAll(async () => {
  await api('PUT', '/v1/privacy/retention', { ...admin, json: {} }).catch(() => undefined);
  await itinera?.close();
});

const eventsOf = async (profileId: string) =>
  (await api('GET', `/v1/profiles/${profileId}/events?limit=100`)).body.events as { type: string; event?: string; timestamp: string }[];

describe('retention', () => {
  it('is off until a policy is set, and refuses a bad one', async () => {
    expect((await api('GET', '/v1/privacy/retention')).body).toEqual({ events: [], nextRunAt: null });
    expect((await api('POST', '/v1/privacy/retention/run', { ...admin, json: {} })).status).toBe(409);
    for (const json of [
      { events: [{ olderThanDays: 0 }] },
      { events: [{ olderThanDays: 30, type: 'nope' }] },
      { inactivePeopleDays: 'x' },
      { other: 1 },
    ]) {
      expect((await api('PUT', '/v1/privacy/retention', { ...admin, json })).status).toBe(400);
    }
    expect((await api('GET', '/v1/privacy/retention')).body.events).toEqual([]);
  });

  it('removes only the events its rules name and erases inactive people, unsuppressed', async () => {
    // Today: an active customer's visits, cart and order; a visitor who never comes back.
    await api('POST', '/v1/page', { ...write, json: { userId: 'ret-active', name: 'Home' } });
    await api('POST', '/v1/track', { ...write, json: { userId: 'ret-active', event: 'Cart Viewed' } });
    await api('POST', '/v1/track', { ...write, json: { userId: 'ret-active', event: 'Order Completed', properties: { revenue: 10 } } });
    await api('POST', '/v1/identify', { ...write, json: { userId: 'ret-gone', traits: { email: 'gone@example.org' } } });
    const active = (await api('GET', '/v1/profiles/lookup?userId=ret-active')).body.id as string;

    const policy = await api('PUT', '/v1/privacy/retention', {
      ...admin,
      json: {
        events: [
          { olderThanDays: 365, type: 'page' },
          { olderThanDays: 365, event: 'Cart Viewed' },
        ],
        inactivePeopleDays: 730,
        reason: 'records schedule v2',
      },
    });
    expect(policy.status).toBe(200);
    expect(policy.body).toMatchObject({
      events: [
        { olderThanDays: 365, type: 'page' },
        { olderThanDays: 365, event: 'Cart Viewed' },
      ],
      inactivePeopleDays: 730,
    });
    expect(Date.parse(policy.body.nextRunAt)).toBeGreaterThan(Date.now());

    // 800 days on, the customer is back today.
    shiftMs = 800 * DAY;
    await api('POST', '/v1/page', { ...write, json: { userId: 'ret-active', name: 'Home again' } });
    expect(await eventsOf(active)).toHaveLength(4);

    expect((await api('POST', '/v1/privacy/retention/run', { ...admin, json: {} })).status).toBe(202);
    const run = await eventually(async () => (await api('GET', '/v1/privacy/retention')).body.lastRun, 30_000);
    expect(run).toMatchObject({ events: [1, 1], peopleErased: 1 });
    const kept = await eventsOf(active);
    expect(kept.map((event) => event.event ?? `${event.type}`).sort()).toEqual(['Order Completed', 'page']);
    expect(kept.find((event) => event.type === 'page')!.timestamp.slice(0, 10)).toBe(
      new Date(Date.now() + shiftMs).toISOString().slice(0, 10),
    );

    await eventually(async () => (await api('GET', '/v1/profiles/lookup?userId=ret-gone')).status === 404, 30_000);
    // Not suppressed: the same person coming back is someone new.
    await api('POST', '/v1/identify', { ...write, json: { userId: 'ret-gone', traits: { email: 'gone@example.org' } } });
    expect((await api('GET', '/v1/profiles/lookup?userId=ret-gone')).status).toBe(200);
    expect((await api('GET', '/v1/privacy/suppressions')).body.suppressions).toEqual([]);

    const applied = (await api('GET', '/v1/audit?kind=retention.applied')).body.entries;
    expect(applied).toEqual([expect.objectContaining({ actor: 'system', detail: { events: [1, 1], peopleErased: 1 } })]);
    expect((await api('GET', '/v1/audit?kind=retention.changed')).body.entries[0]).toMatchObject({ reason: 'records schedule v2' });
  });

  it('is off again once the policy is emptied', async () => {
    shiftMs = 0;
    expect((await api('PUT', '/v1/privacy/retention', { ...admin, json: {} })).body).toMatchObject({ events: [], nextRunAt: null });
  });
});
