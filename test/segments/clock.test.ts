/**
 * A person's clock, set far ahead in their clock shard, is moved earlier by a later event
 * whose window closes sooner: the person leaves that segment when its window closes, not
 * when the clock was first set to ring. A recovery sets a clock the shard lost again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentClockShardOf, segmentClocksWorkflowId } from '../../src/util/workflow-ids.js';
import { segmentClockDueQuery, segmentClockForgetSignal } from '../../src/workflows/messages.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const RULES =
  'segment hour_browsers {\n  performed "Browsed" within 1 hour\n}\nsegment quick_clickers {\n  performed "Clicked" within 3 seconds\n}\n';

let itinera: TestItinera;
const shardOf = (profileId: string) =>
  itinera.runtime.temporal.workflow.getHandle(segmentClocksWorkflowId(itinera.taskQueue, segmentClockShardOf(profileId)));
const dueOf = async (profileId: string) =>
  (await shardOf(profileId)
    .query(segmentClockDueQuery, profileId)
    .catch(() => null)) ?? undefined;

beforeAll(async () => {
  itinera = await startTestItinera('segment-clock');
});
afterAll(async () => {
  await itinera?.close();
});

describe('a segment clock', () => {
  it('set an hour ahead, rings at the earlier instant a later event needs', async () => {
    expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
    await eventually(
      async () =>
        (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments.every(
          (segment: { state: string }) => segment.state === 'ready',
        ),
      60_000,
    );
    const track = (event: string) => send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'clock-1', event } });
    expect((await track('Browsed')).status).toBe(200);
    const profile = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=clock-1', admin)).body;
    expect(profile.segments.map((segment: { name: string }) => segment.name)).toEqual(['hour_browsers']);
    // The clock is set, an hour from now.
    const hourAhead = await eventually(() => dueOf(profile.id));
    expect(hourAhead).toBeGreaterThan(Date.now() + 59 * 60_000);

    expect((await track('Clicked')).status).toBe(200);
    const names = async () =>
      (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profile.id}`, admin)).body.segments.map(
        (segment: { name: string }) => segment.name,
      );
    expect(await names()).toEqual(['hour_browsers', 'quick_clickers']);
    await eventually(async () => (await names()).length === 1, 30_000);
    expect(await names()).toEqual(['hour_browsers']);
    const history = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profile.id}/segments/history`, admin)).body.changes;
    expect(history[0]).toMatchObject({ segment: 'quick_clickers', change: 'exited', reason: { kind: 'time window' } });
  });

  it('is set again by a recovery, after a crash between writing its instant and setting it', async () => {
    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'clock-2', event: 'Browsed' } })).status).toBe(
      200,
    );
    const profile = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=clock-2', admin)).body;
    const { segmentClockAt } = (await itinera.raw.profiles.findOne({ _id: profile.id }))!;
    expect(segmentClockAt).toBeInstanceOf(Date);
    expect(await eventually(() => dueOf(profile.id))).toBe(segmentClockAt!.getTime());
    // The crash: the instant is on the profile, the shard does not hold it.
    await shardOf(profile.id).signal(segmentClockForgetSignal, profile.id);
    await eventually(async () => (await shardOf(profile.id).query(segmentClockDueQuery, profile.id)) === null);
    const events = [];
    for await (const event of itinera.runtime.stores.events.factSourcesOf(profile.id)) events.push(event);
    await itinera.runtime.segments.refresh(profile.id, {
      change: { events: ['Browsed'] },
      reason: { kind: 'profile update' },
      rebuild: events,
    });
    expect(await eventually(() => dueOf(profile.id))).toBe(segmentClockAt!.getTime());
    expect((await itinera.raw.profiles.findOne({ _id: profile.id }))!.segmentClockAt).toEqual(segmentClockAt);
  });
});
