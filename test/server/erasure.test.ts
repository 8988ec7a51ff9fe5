/**
 * "Forget me": after an erasure nothing of the person remains in any collection, and no
 * workflow history ever held their e-mail address or traits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('erasure');
});
afterAll(async () => {
  await itinera?.close();
});

const writer = { auth: basicAuth(WRITE_KEY) };
const admin = { auth: bearer(ADMIN_KEY) };
const EMAIL = 'forget.me@example.org';
const NAME = 'Zofia Forgetme';

/** Every document of every collection, as text, to search for traces of a person. */
async function everythingStored(): Promise<string> {
  const { db } = itinera.raw;
  const collections = await db.listCollections().toArray();
  const dumps = await Promise.all(collections.map(async ({ name }) => JSON.stringify(await db.collection(name).find().toArray())));
  return dumps.join('\n');
}

describe('erasure', () => {
  it('removes the profile, its events and identities, and keeps others', async () => {
    await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: 'journey hello { when performed "Signed Up" tag "hello" }' });
    await send(itinera.baseUrl, 'POST', '/v1/identify', {
      ...writer,
      json: { userId: 'u-forget', anonymousId: 'anon-forget', traits: { email: EMAIL, name: NAME } },
    });
    await send(itinera.baseUrl, 'POST', '/v1/track', {
      ...writer,
      json: { userId: 'u-forget', event: 'Signed Up', properties: { note: NAME } },
    });
    await send(itinera.baseUrl, 'POST', '/v1/identify', { ...writer, json: { userId: 'u-keep', traits: { email: 'keep@example.org' } } });
    const profile = await eventually(async () => {
      const found = await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-forget', admin);
      return found.body.tags?.includes('hello') && found.body.journeys.length === 0 ? found.body : undefined;
    });

    const accepted = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', { ...admin, json: { email: EMAIL.toUpperCase() } });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ id: expect.stringMatching(/^er_/), status: 'pending' });

    const done = await eventually(async () => {
      const status = await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${accepted.body.id}`, admin);
      return status.body.status === 'completed' ? status.body : undefined;
    });
    expect(done.removed).toEqual({
      profiles: 1,
      merges: 0,
      events: 2,
      identities: 3,
      consentRecords: 0,
      segmentMemberships: 0,
      segmentHistory: 0,
      messages: 0,
      journeyRuns: 0,
      suppressed: 3,
    });

    const stored = await everythingStored();
    for (const trace of [profile.id, EMAIL, NAME, 'u-forget', 'anon-forget']) expect(stored).not.toContain(trace);
    expect(stored).toContain('keep@example.org');
    expect((await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-forget', admin)).status).toBe(404);

    // The person's next message is answered as usual and dropped: they stay erased.
    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'u-forget', event: 'Came Back' } })).status).toBe(
      200,
    );
    expect((await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-forget', admin)).status).toBe(404);
  });

  it('erases what profiles merged into the person left under their old ids, two merges deep', async () => {
    const lookup = async (query: string) => (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?${query}`, admin)).body.id as string;
    const identify = (json: unknown) => send(itinera.baseUrl, 'POST', '/v1/identify', { ...writer, json });
    // A journey run that started under an old id goes on under it and holds a message (quiet hours).
    const queuedUnder = (profileId: string) =>
      itinera.runtime.stores.deliveries.advance(
        {
          key: `journey:x:v1:${profileId}:run:s1`,
          profileId,
          channel: 'email',
          name: 'welcome',
          with: {},
          journey: 'x',
          rulesVersion: 1,
          step: 's1',
        },
        { status: 'deferred', at: new Date() },
      );
    await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { anonymousId: 'anon-first', event: 'Browsed' } });
    await identify({ anonymousId: 'anon-middle', traits: { email: 'middle.forget@example.org' } });
    await identify({ userId: 'u-merged', traits: { email: 'merged.forget@example.org' } });
    const [first, middle, survivor] = [
      await lookup('anonymousId=anon-first'),
      await lookup('anonymousId=anon-middle'),
      await lookup('userId=u-merged'),
    ];
    expect(new Set([first, middle, survivor]).size).toBe(3);

    await identify({ anonymousId: 'anon-first', traits: { email: 'middle.forget@example.org' } });
    expect(await lookup('anonymousId=anon-first')).toBe(middle);
    await queuedUnder(first);
    await identify({ anonymousId: 'anon-middle', userId: 'u-merged' });
    expect(await lookup('anonymousId=anon-first')).toBe(survivor);
    await queuedUnder(middle);
    expect(await itinera.raw.deliveries.countDocuments({ profileId: { $in: [first, middle] } })).toBe(2);

    const accepted = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', {
      ...admin,
      json: { email: 'merged.forget@example.org' },
    });
    await eventually(
      async () => (await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${accepted.body.id}`, admin)).body.status === 'completed',
    );
    const stored = await everythingStored();
    const traces = [
      first,
      middle,
      survivor,
      'anon-first',
      'anon-middle',
      'u-merged',
      'middle.forget@example.org',
      'merged.forget@example.org',
    ];
    for (const trace of traces) expect(stored).not.toContain(trace);
  });

  it('keeps personal data out of workflow histories', async () => {
    const histories: string[] = [];
    for await (const execution of itinera.runtime.temporal.workflow.list({ query: `TaskQueue = "${await taskQueueOfAnyRun()}"` })) {
      const history = await itinera.runtime.temporal.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      // Payloads are bytes: decode them so the search sees what a reader of the history would.
      histories.push(JSON.stringify(history, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value)));
    }
    expect(histories.length).toBeGreaterThanOrEqual(2);
    expect(histories.join('\n')).toContain('journeyWorkflow');
    for (const history of histories) {
      expect(history).not.toContain(EMAIL);
      expect(history).not.toContain(NAME);
    }
  });

  it('completes a request that matches nobody, removing nothing', async () => {
    const accepted = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', { ...admin, json: { userId: 'never-seen' } });
    expect(accepted.status).toBe(202);
    const done = await eventually(async () => {
      const status = await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${accepted.body.id}`, admin);
      return status.body.status === 'completed' ? status.body : undefined;
    });
    expect(done.removed).toMatchObject({ profiles: 0, events: 0, identities: 0, suppressed: 0 });
  });

  it('answers 404 for an unknown request id', async () => {
    expect((await send(itinera.baseUrl, 'GET', '/v1/privacy/erasures/er_nope', admin)).status).toBe(404);
  });
});

async function taskQueueOfAnyRun(): Promise<string> {
  const request = await itinera.raw.privacyRequests.findOne({});
  const description = await itinera.runtime.temporal.workflow.getHandle(`erasure:${request!._id}`).describe();
  return description.taskQueue;
}
