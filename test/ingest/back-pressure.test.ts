/**
 * Back-pressure on the real servers: once the profile writer is full and enough stored
 * batches wait for room, a tracking request is refused with 503 and Retry-After before
 * anything is stored; what was acknowledged is all applied once the writer catches up.
 * The writer is held inside a profile write (the store's `applyBatches`, for a person
 * already known) so that "full" is a state the test makes, not a race it hopes for.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('pressure', {
    runWorker: false,
    readWaitMs: 300,
    writerLimits: { maxOutstandingEvents: 1, maxWaitingBatches: 1 },
  });
});
afterAll(async () => {
  await itinera?.close();
});

/**
 * Holds the profile writer's next write until `release`: the writer is stuck behind it, as
 * behind a slow database. `holding` settles once released and the store is itself again.
 */
function holdProfileWrites(): { release: () => void; holding: Promise<void> } {
  const { profiles } = itinera.runtime.stores;
  const applyBatches = profiles.applyBatches;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  profiles.applyBatches = async (...args) => {
    await held;
    return applyBatches.apply(profiles, args);
  };
  const holding = held.then(() => {
    profiles.applyBatches = applyBatches;
  });
  return { release, holding };
}

const track = (event: string, userId = 'pressure-u') =>
  send(itinera.baseUrl, 'POST', '/v1/t', { auth: basicAuth(WRITE_KEY), json: { userId, event, messageId: `${userId}-${event}` } });
const lookup = (userId: string) =>
  fetch(`${itinera.baseUrl}/v1/profiles/lookup?userId=${userId}`, { headers: { authorization: bearer(ADMIN_KEY) } });

it('refuses with 503 and Retry-After while the writer is saturated, storing nothing, and accepts again once it catches up', async () => {
  const { writer } = itinera.runtime;
  // Known first (an identify counts nothing): a known person's events go through applyBatches.
  expect(
    (
      await send(itinera.baseUrl, 'POST', '/v1/identify', {
        auth: basicAuth(WRITE_KEY),
        json: { userId: 'pressure-u', messageId: 'pressure-known' },
      })
    ).status,
  ).toBe(200);
  await writer.drain();
  const { release, holding } = holdProfileWrites();

  // The first batch fills the writer (one event outstanding) and is acknowledged.
  expect((await track('First')).status).toBe(200);
  // The second is stored and waits for room: its answer is pending.
  const second = track('Second');
  await eventually(async () => writer.waitingBatches === 1);
  expect(writer.saturated()).toBe(true);

  const refused = await fetch(`${itinera.baseUrl}/v1/track`, {
    method: 'POST',
    headers: { authorization: basicAuth(WRITE_KEY), 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'pressure-u', event: 'Third', messageId: 'pressure-Third' }),
  });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('2');
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('overloaded');
  expect(await itinera.raw.events.countDocuments({ event: 'Third' })).toBe(0);

  release();
  await holding;
  expect((await second).status).toBe(200);
  // The retry, as an SDK sends it after Retry-After, is taken.
  expect((await track('Third')).status).toBe(200);
  await writer.drain();

  const profile = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=pressure-u', { auth: bearer(ADMIN_KEY) })).body;
  expect(Object.keys(profile.counters).sort()).toEqual(['First', 'Second', 'Third']);
  expect(Object.values(profile.counters as Record<string, { count: number }>).map((counter) => counter.count)).toEqual([1, 1, 1]);
});

it('answers a profile read after a bounded wait when the writer is behind, saying how far, then exactly once it caught up', async () => {
  const { writer } = itinera.runtime;
  expect((await track('Seen', 'reader-u')).status).toBe(200);
  await writer.drain();
  const { release, holding } = holdProfileWrites();
  expect((await track('Later', 'reader-u')).status).toBe(200);

  const behind = await lookup('reader-u');
  expect(behind.status).toBe(200);
  expect(behind.headers.get('itinera-behind-events')).toBe('1');
  expect(Object.keys(((await behind.json()) as { counters: object }).counters)).toEqual(['Seen']);

  release();
  await holding;
  await writer.drain();
  const caughtUp = await lookup('reader-u');
  expect(caughtUp.headers.get('itinera-behind-events')).toBeNull();
  expect(Object.keys(((await caughtUp.json()) as { counters: object }).counters).sort()).toEqual(['Later', 'Seen']);
});
