/**
 * The profile-change pipeline (src/profile-changes/pipeline.ts) on the real servers: every
 * change is recorded once, follows a merge to the survivor, brings no erased person back,
 * and is judged by the segment engine, whoever makes it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDoc } from '../../src/model.js';
import { counterIncrementOf } from '../../src/profile/counters.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const RULES = `
consent newsletter "Newsletter" {
}
segment reviewers {
  tagged "reviewer"
}
segment buyers {
  performed "Order Completed"
}
`;

let itinera: TestItinera;

beforeAll(async () => {
  itinera = await startTestItinera('pipeline');
  const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { auth: bearer(ADMIN_KEY), text: RULES });
  expect(deployed.status).toBe(200);
  // The segments are computed by a workflow: judged changes count once they are ready.
  await eventually(async () => {
    const listed = await send(itinera.baseUrl, 'GET', '/v1/segments', { auth: bearer(ADMIN_KEY) });
    return (listed.body.segments as { state: string }[]).every((segment) => segment.state === 'ready');
  }, 60_000);
});
afterAll(async () => {
  await itinera?.close();
});

const track = async (who: Record<string, string>, event: string, properties: Record<string, unknown> = {}) => {
  const answer = await send(itinera.baseUrl, 'POST', '/v1/track', { auth: basicAuth(WRITE_KEY), json: { ...who, event, properties } });
  expect(answer.status).toBe(200);
  await itinera.runtime.writer.settled();
};

const profileOf = async (kind: 'userId' | 'anonymousId', value: string) => {
  const profile = await itinera.raw.profiles.findOne({ [`identities.${kind}`]: value });
  expect(profile).not.toBeNull();
  return profile!;
};

/** An order stored for `profileId` the way ingestion stores one, under a batch of its own. */
async function storedOrder(profileId: string, outboxId: string): Promise<EventDoc> {
  const now = new Date();
  const event: EventDoc = {
    _id: `evt_${randomUUID()}`,
    messageId: randomUUID(),
    type: 'track',
    event: 'Order Completed',
    profileId,
    properties: { revenue: 30 },
    context: {},
    source: 'test',
    timestamp: now,
    receivedAt: now,
    outboxId,
  };
  await itinera.runtime.stores.events.insertNew([event]);
  return event;
}

const partOf = (event: EventDoc) => ({
  outboxId: event.outboxId!,
  events: [event],
  activity: { firstAt: event.timestamp, lastAt: event.timestamp, counters: [counterIncrementOf(event)!] },
});

describe('the profile-change pipeline', () => {
  it('lands an edit addressed to a merged-away profile on the survivor, and judges the survivor', async () => {
    const anonymousId = `anon-${randomUUID()}`;
    const userId = `user-${randomUUID()}`;
    await track({ anonymousId }, 'Product Viewed');
    await track({ userId }, 'Signed Up');
    const mergedAway = (await profileOf('anonymousId', anonymousId))._id;
    await track({ userId, anonymousId }, 'Product Viewed');
    const survivor = await profileOf('userId', userId);
    expect(survivor._id).not.toBe(mergedAway);

    const outcome = await itinera.runtime.changes.edit(mergedAway, { kind: 'tag', tag: 'reviewer' });

    expect(outcome).toMatchObject({ profileId: survivor._id, changed: true });
    const after = await itinera.raw.profiles.findOne({ _id: survivor._id });
    expect(after?.tags).toContain('reviewer');
    expect(Object.keys(after?.segments ?? {})).toContain('reviewers');
    expect(await itinera.raw.profiles.countDocuments({ _id: mergedAway })).toBe(0);
  });

  it("judges each of a row's edits made together (one read of the rules for all): in the segment after the tag, out after the untag", async () => {
    const userId = `user-${randomUUID()}`;
    await track({ userId }, 'Product Viewed');
    const profileId = (await profileOf('userId', userId))._id;
    const segmentsNow = async () => Object.keys((await itinera.raw.profiles.findOne({ _id: profileId }))?.segments ?? {});
    const edit = itinera.runtime.changes.editsTogether();

    expect(await edit(profileId, { kind: 'tag', tag: 'reviewer' })).toMatchObject({ profileId, changed: true });
    expect(await segmentsNow()).toContain('reviewers');
    await edit(profileId, { kind: 'trait', path: 'plan', value: 'vip' });
    await edit(profileId, { kind: 'untag', tag: 'reviewer' });

    const after = await itinera.raw.profiles.findOne({ _id: profileId });
    expect(after?.traits.plan).toBe('vip');
    expect(after?.tags ?? []).not.toContain('reviewer');
    expect(await segmentsNow()).not.toContain('reviewers');
    expect(await edit(`p_${randomUUID()}`, { kind: 'tag', tag: 'reviewer' })).toBeNull();
  });

  it('brings no erased person back: an edit for a profile that is gone writes nothing', async () => {
    const gone = `p_${randomUUID()}`;
    expect(await itinera.runtime.changes.edit(gone, { kind: 'trait', path: 'plan', value: 'vip' })).toBeNull();
    expect(await itinera.runtime.changes.edit(gone, { kind: 'restrict', restriction: { since: new Date() } })).toBeNull();
    expect(await itinera.raw.profiles.countDocuments({ _id: gone })).toBe(0);
  });

  it('counts a batch once however often it is applied, and judges it only where it was applied', async () => {
    const userId = `user-${randomUUID()}`;
    await track({ userId }, 'Signed Up');
    const profileId = (await profileOf('userId', userId))._id;
    const order = await storedOrder(profileId, `o_${randomUUID()}`);

    const first = await itinera.runtime.changes.applyEvents(profileId, [partOf(order)], {
      fold: await itinera.runtime.changes.segmentContext(),
    });
    const again = await itinera.runtime.changes.applyEvents(profileId, [partOf(order)], { rebuild: true });

    expect(first.events.map((event) => event._id)).toEqual([order._id]);
    expect(again.events).toEqual([]);
    const after = await itinera.raw.profiles.findOne({ _id: profileId });
    expect(after?.counters?.['Order Completed']).toEqual({ count: 1, sum: { revenue: 30 } });
    expect(Object.keys(after?.segments ?? {})).toContain('buyers');
  });

  it("applies a batch's consent in recovery when the process that counted the batch died before its consent step", async () => {
    const userId = `user-${randomUUID()}`;
    await track({ userId }, 'Signed Up');
    const profileId = (await profileOf('userId', userId))._id;
    const outboxId = `o_${randomUUID()}`;
    const identify: EventDoc = {
      ...(await storedOrder(profileId, outboxId)),
      type: 'identify',
      consent: { changes: [{ purpose: 'newsletter', state: 'granted' }], origin: { kind: 'api' }, proof: { method: 'form', shown: {} } },
    };
    delete identify.event;
    await itinera.raw.events.replaceOne({ _id: identify._id }, identify);
    const part = { outboxId, events: [identify], activity: { firstAt: identify.timestamp, lastAt: identify.timestamp } };
    // What a process does before it dies: the batch counted on the profile, nothing else.
    await itinera.runtime.stores.profiles.applyBatches(profileId, [{ outboxId, activity: part.activity }], new Date());

    await itinera.runtime.changes.applyEvents(profileId, [part], { rebuild: true });
    await itinera.runtime.changes.applyEvents(profileId, [part], { rebuild: true });

    const after = await itinera.raw.profiles.findOne({ _id: profileId });
    expect(after?.consents?.newsletter?.state).toBe('granted');
    expect(after?.consentLog).toHaveLength(1);
  });

  it('deletes the events of a person erased before their batch was applied', async () => {
    const gone = `p_${randomUUID()}`;
    const order = await storedOrder(gone, `o_${randomUUID()}`);

    const applied = await itinera.runtime.changes.applyEvents(gone, [partOf(order)], { rebuild: true });

    expect(applied).toEqual({ profile: null, events: [] });
    expect(await itinera.raw.events.countDocuments({ _id: order._id })).toBe(0);
    expect(await itinera.raw.profiles.countDocuments({ _id: gone })).toBe(0);
  });

  it('restricts once: a repeated restriction changes nothing and keeps the first date', async () => {
    const userId = `user-${randomUUID()}`;
    await track({ userId }, 'Order Completed', { revenue: 5 });
    const profileId = (await profileOf('userId', userId))._id;
    const since = new Date('2026-01-02T03:04:05Z');

    const first = await itinera.runtime.changes.edit(profileId, { kind: 'restrict', restriction: { since } });
    const second = await itinera.runtime.changes.edit(profileId, { kind: 'restrict', restriction: { since: new Date() } });

    expect(first).toMatchObject({ profileId, changed: true, endedRuns: 0 });
    expect(second).toMatchObject({ profileId, changed: false, endedRuns: 0 });
    expect(second?.before?.restricted?.since).toEqual(since);
    const after = await itinera.raw.profiles.findOne({ _id: profileId });
    // A restricted person is in no segment (segments/membership.ts), judged at the restriction.
    expect(after?.segments ?? {}).toEqual({});
  });
});
