/**
 * Segments exact from the moment they are deployed: events applied while a new segment
 * computes count for it at once (the person's own share of the backfill is computed on the
 * live path), a window closes on time, an event after the cutoff and a merge in between are
 * counted once, and the backfill that ends later neither undoes nor doubles any of it. The
 * backfill is held back throughout by a batch received before the cutoff and left open (as
 * another process still applying it would), so every reading below is made while computing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const WINDOW_MS = 3_000;

const RULES = `
segment buyers_twice {
  performed "Buy" at least 2 times
}
segment buys_exactly_three {
  performed "Buy" exactly 3 times
}
segment clicks_exactly_two {
  performed "Click" exactly 2 times
}
segment pinged {
  performed "Ping" within 3 seconds
}
journey welcome_buyers {
  when enters segment buyers_twice
  tag "welcomed"
}
`;

let itinera: TestItinera;
/** The warm-up rules' leaf, backfilled long before. */
const isWarmUp = (state: { leaf: unknown }) => (state.leaf as { event?: string }).event === 'Warm Up';
const deployAndWait = async (source: string) => {
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: source })).status).toBe(200);
  await eventually(
    async () =>
      (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments.every(
        (segment: { state: string }) => segment.state === 'ready',
      ),
    60_000,
  );
};
beforeAll(async () => {
  itinera = await startTestItinera('segment-exact-from-deploy');
});
afterAll(async () => {
  await itinera?.close();
});

const batch = async (messages: Record<string, unknown>[]) =>
  expect((await send(itinera.baseUrl, 'POST', '/v1/batch', { ...writer, json: { batch: messages } })).status).toBe(200);
const buy = (who: Record<string, string>) => ({ type: 'track', ...who, event: 'Buy' });

/** A profile as stored, found by a user or anonymous id (read straight away: the API waits for the held batch). */
async function stored(kind: 'userId' | 'anonymousId', value: string) {
  const profile = await itinera.raw.profiles.findOne({ [`identities.${kind}`]: value });
  expect(profile).not.toBeNull();
  return profile!;
}
const segmentsOf = async (userId: string) => Object.keys((await stored('userId', userId)).segments ?? {}).sort();
const leafStates = async () => Object.values(await itinera.runtime.stores.segments.leaves());

describe('a segment being computed', () => {
  it('counts what happens meanwhile at once, exactly once, and the backfill changes nothing of it', async () => {
    // Rules with an event condition deployed before, as on any database in use (on the very
    // first such deploy the leaf states are first written by the recompute: src/segments/leaf-cutoffs.ts).
    await deployAndWait('segment warm_up {\n  performed "Warm Up"\n}\n');
    // History from before the deploy: only the backfill, or the person's own share of it, counts it.
    await batch([buy({ userId: 'x-hist' }), buy({ userId: 'x-hist' }), buy({ userId: 'x-known' }), buy({ userId: 'x-known' })]);
    await itinera.runtime.writer.drain();

    // A batch received before the cutoff and not yet applied (another process's, say) holds the
    // backfill back. Opened before the deploy, so it is dated before the cutoff (250 ms after the
    // deploy starts) and is there when the recompute first looks, however slow the machine.
    const holder = await itinera.runtime.stores.outbox.open([], new Date(), {
      owner: 'exact-holder',
      until: new Date(Date.now() + 600_000),
    });
    try {
      expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
      const pingedAt = Date.now();
      await batch([
        buy({ userId: 'x-new' }),
        buy({ userId: 'x-new' }),
        { type: 'identify', userId: 'x-hist', traits: { plan: 'basic' } },
        buy({ anonymousId: 'x-laptop' }),
        { type: 'track', userId: 'x-click', event: 'Click' },
        { type: 'track', userId: 'x-ping', event: 'Ping', timestamp: new Date(pingedAt).toISOString() },
      ]);
      await itinera.runtime.writer.settled();
      // Judged at once, on history and new events together.
      expect(await segmentsOf('x-new')).toEqual(['buyers_twice']);
      expect(await segmentsOf('x-hist')).toEqual(['buyers_twice']);
      expect(await segmentsOf('x-click')).toEqual([]);
      expect(await segmentsOf('x-ping')).toEqual(['pinged']);

      // Past the cutoff: a second click is folded live, and the laptop's buyer signs in as x-known (a merge).
      const cutoff = Math.max(...(await leafStates()).map((state) => state.cutoff!.getTime()));
      await eventually(async () => Date.now() > cutoff + 10, 10_000, 20);
      await batch([
        { type: 'track', userId: 'x-click', event: 'Click' },
        { type: 'identify', userId: 'x-known', anonymousId: 'x-laptop' },
      ]);
      await itinera.runtime.writer.settled();
      expect(await segmentsOf('x-click')).toEqual(['clicks_exactly_two']);
      expect(await segmentsOf('x-known')).toEqual(['buyers_twice', 'buys_exactly_three']);

      // The window closes with nobody writing: the person leaves on time, the segment still computing.
      await eventually(async () => (await segmentsOf('x-ping')).length === 0, 15_000, 20);
      const exitLag = Date.now() - (pingedAt + WINDOW_MS);
      expect(exitLag).toBeLessThan(2_000);
      expect((await leafStates()).filter((state) => state.ready && !isWarmUp(state))).toEqual([]);
    } finally {
      await itinera.runtime.stores.outbox.close(holder);
    }

    await eventually(
      async () =>
        (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments.every(
          (segment: { state: string }) => segment.state === 'ready',
        ),
      60_000,
    );
    // The backfill and the pass changed nothing: not undone, not doubled.
    expect(await segmentsOf('x-new')).toEqual(['buyers_twice']);
    expect(await segmentsOf('x-hist')).toEqual(['buyers_twice']);
    expect(await segmentsOf('x-known')).toEqual(['buyers_twice', 'buys_exactly_three']);
    expect(await segmentsOf('x-click')).toEqual(['clicks_exactly_two']);
    expect(await segmentsOf('x-ping')).toEqual([]);
    // The next write folds the backfill into the live facts: a third click or a fourth buy is counted on the exact totals.
    await batch([{ type: 'track', userId: 'x-click', event: 'Click' }, buy({ userId: 'x-known' })]);
    await itinera.runtime.writer.drain();
    expect(await segmentsOf('x-click')).toEqual([]);
    expect(await segmentsOf('x-known')).toEqual(['buyers_twice']);

    // `initial`: x-hist was a buyer before the deploy; x-new became one after it, and is welcomed.
    const entryOf = async (userId: string) => {
      const { id } = (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body as { id: string };
      const { changes } = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${id}/segments/history`, admin)).body as {
        changes: { segment: string; change: string; reason: { kind: string }; initial?: boolean }[];
      };
      return changes.filter((change) => change.segment === 'buyers_twice');
    };
    expect(await entryOf('x-hist')).toMatchObject([{ change: 'entered', reason: { kind: 'event' }, initial: true }]);
    const [entered] = await entryOf('x-new');
    expect(entered).toMatchObject({ change: 'entered', reason: { kind: 'event' } });
    expect(entered!.initial).toBeUndefined();
    await eventually(async () => (await stored('userId', 'x-new')).tags.includes('welcomed'), 20_000);
    expect((await stored('userId', 'x-hist')).tags).toEqual([]);
  }, 120_000);
});
