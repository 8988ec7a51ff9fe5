/**
 * Fault: the profile writer is full. Its write is held inside the store (as behind a
 * database that stopped answering) until the writer holds its limit of events and a stored
 * batch waits for room; then a burst of tracking requests arrives. Each is refused with
 * 503, `Retry-After` and the error body, and every refusal is answered while the held
 * write is still held: refusing waits for nothing. Once the write is released, the waiting
 * batch is acknowledged, the refused requests sent again (as an SDK does after
 * Retry-After) are taken, and every acknowledged event counts exactly once.
 * test/ingest/back-pressure.test.ts shows one refusal; this is the burst, its latency and
 * the exact counts after.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  WRITE_KEY,
  basicAuth,
  bearer,
  eventually,
  request,
  send,
  startTestItinera,
  type TestItinera,
} from '../support/runtime.js';

const BURST = 40;
const USER = 'full-u';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('faults-full', {
    runWorker: false,
    writerLimits: { maxOutstandingEvents: 1, maxWaitingBatches: 1 },
  });
});
afterAll(async () => {
  await itinera?.close();
});

/** Holds the writer's next profile write until `release` (the store is itself again after). */
function holdProfileWrites(): { release: () => void; holding: Promise<void> } {
  const { profiles } = itinera.runtime.stores;
  const applyBatches = profiles.applyBatches;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  profiles.applyBatches = async (...args) => {
    await held;
    return applyBatches.apply(profiles, args);
  };
  return { release, holding: held.then(() => void (profiles.applyBatches = applyBatches)) };
}

const track = (event: string) =>
  request(itinera.baseUrl, 'POST', '/v1/track', { auth: basicAuth(WRITE_KEY), json: { userId: USER, event, messageId: `full-${event}` } });

it('refuses a burst with 503 and Retry-After without waiting for the held write, and applies every acknowledged event once after', async () => {
  const { writer } = itinera.runtime;
  expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { auth: basicAuth(WRITE_KEY), json: { userId: USER } })).status).toBe(200);
  await writer.drain();
  const { release, holding } = holdProfileWrites();
  let released = false;

  expect((await track('First')).status).toBe(200);
  const second = track('Second');
  await eventually(async () => writer.waitingBatches === 1);

  const names = Array.from({ length: BURST }, (_, n) => `Burst${n}`);
  const timed = await Promise.all(
    names.map(async (name) => {
      const started = performance.now();
      const answer = await track(name);
      return { ...answer, ms: performance.now() - started, whileHeld: !released };
    }),
  );
  for (const answer of timed) {
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(answer.body).toEqual({ error: { code: 'overloaded', message: expect.stringContaining('send again in 2 s') } });
    expect(answer.whileHeld).toBe(true);
  }
  const latencies = timed.map((answer) => answer.ms).sort((a, b) => a - b);
  const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1]!;
  console.info(`[faults] writer full: ${BURST} refusals, p50 ${latencies[latencies.length >> 1]!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
  // Refused before anything was stored.
  expect(await itinera.raw.events.countDocuments({ event: { $in: names } })).toBe(0);

  released = true;
  release();
  await holding;
  expect((await second).status).toBe(200);
  // The SDK's retries after Retry-After, a few at a time, as the writer frees room.
  for (const name of names) {
    const answer = await eventually(async () => {
      const retried = await track(name);
      return retried.status === 200 ? retried : undefined;
    });
    expect(answer.status).toBe(200);
  }
  await writer.drain();

  const acknowledged = ['First', 'Second', ...names];
  expect(await itinera.raw.events.countDocuments({ event: { $in: acknowledged } })).toBe(acknowledged.length);
  const profile = (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${USER}`, { auth: bearer(ADMIN_KEY) })).body;
  const counters = profile.counters as Record<string, { count: number }>;
  expect(Object.keys(counters).sort()).toEqual([...acknowledged].sort());
  expect(Object.values(counters).every((counter) => counter.count === 1)).toBe(true);
});
