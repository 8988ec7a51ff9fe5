/**
 * Frequency caps on the dev server: at most N marketing messages of a channel per person
 * and calendar day, across journeys. The runtime's clock is set a few seconds before
 * midnight so the next day comes quickly; Temporal's timers keep real time, as the wait
 * for the next day is a real timer of those few seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { journeyStateQuery } from '../../src/workflows/messages.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const RULES = `
consent offers "Offers" {}
journey burst {
  when performed "Burst"
  requires consent offers
  reentry always
  send webhook "hook" with { n: 1 }
  send webhook "hook" with { n: 2 }
  send webhook "hook" with { n: 3 }
}
journey operational {
  when performed "Operational"
  reentry always
  send webhook "hook" with { n: 1 }
  send webhook "hook" with { n: 2 }
  send webhook "hook" with { n: 3 }
}
`;

let offsetMs = 0;
let itinera: TestItinera;
let receiver: WebhookReceiver;
let version: number;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  itinera = await startTestItinera('caps', { now: () => new Date(Date.now() + offsetMs) });
  expect((await send(itinera.baseUrl, 'PUT', '/v1/destinations/hook', { ...admin, json: { url: `${receiver.url}/hook` } })).status).toBe(
    201,
  );
  const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES });
  expect(deployed.status).toBe(200);
  version = deployed.body.version;
});
afterAll(async () => {
  await itinera?.close();
  await receiver?.close();
});

const sentTo = (profileId: string) =>
  receiver.received
    .filter((request) => JSON.parse(request.body).profileId === profileId)
    .map((request) => JSON.parse(request.body).with.n as number);

async function person(userId: string): Promise<string> {
  expect(
    (await send(itinera.baseUrl, 'POST', '/v1/consents', { ...write, json: { userId, purpose: 'offers', state: 'granted' } })).status,
  ).toBe(200);
  return eventually(
    async () => (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id as string | undefined,
  );
}

describe('frequency caps', () => {
  it('refuses a bad cap with a specific error', async () => {
    expect((await send(itinera.baseUrl, 'PUT', '/v1/frequency-caps/sms', { ...admin, json: { max: 2 } })).body.error.code).toBe(
      'unknown_channel',
    );
    expect((await send(itinera.baseUrl, 'PUT', '/v1/frequency-caps/webhook', { ...admin, json: { max: 0 } })).status).toBe(400);
    expect((await send(itinera.baseUrl, 'PUT', '/v1/frequency-caps/webhook', { ...admin, json: { max: 2, per: 'week' } })).status).toBe(
      400,
    );
    expect((await send(itinera.baseUrl, 'GET', '/v1/frequency-caps', admin)).body.caps).toEqual([]);
  });

  it("holds the marketing message beyond the cap until the person's next day, then sends it; operational ones are not capped", async () => {
    expect((await send(itinera.baseUrl, 'PUT', '/v1/frequency-caps/webhook', { ...admin, json: { max: 2 } })).status).toBe(200);
    const marketing = await person('capped');
    const operational = await person('ops');
    // 12 seconds before midnight, UTC (these people have no time zone): time for two sends, not much waiting.
    const midnight = Math.ceil((Date.now() + offsetMs) / 86_400_000) * 86_400_000;
    offsetMs = midnight - 12_000 - Date.now();

    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId: 'ops', event: 'Operational' } })).status).toBe(
      200,
    );
    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId: 'capped', event: 'Burst' } })).status).toBe(200);
    await eventually(async () => sentTo(operational).length === 3);
    await eventually(async () => sentTo(marketing).length === 2);

    const run = itinera.runtime.temporal.workflow.getHandle(journeyWorkflowId('burst', version, marketing));
    const state = await eventually(async () => {
      const current = await run.query(journeyStateQuery);
      return current.waiting?.reason === 'frequency cap' ? current : undefined;
    });
    expect(state.waiting!.untilMs).toBeGreaterThan(Date.now());
    const held = (
      (await send(itinera.baseUrl, 'GET', `/v1/profiles/${marketing}/messages`, admin)).body.messages as Record<string, any>[]
    ).find((message) => message.status === 'deferred');
    expect(held).toMatchObject({ detail: 'frequency cap', with: { n: 3 } });
    expect(new Date(held!.history[0].until).getTime()).toBe(midnight);

    expect(await run.result()).toBe('completed');
    expect(sentTo(marketing)).toEqual([1, 2, 3]);
    const messages = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${marketing}/messages`, admin)).body.messages as Record<
      string,
      any
    >[];
    const third = messages.find((message) => message.with.n === 3)!;
    expect(third.history.map((step: { status: string }) => step.status)).toEqual(['deferred', 'sending', 'sent']);
    expect(new Date(third.sentAt).getTime()).toBeGreaterThanOrEqual(midnight);
  });
});
