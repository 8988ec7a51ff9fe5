/**
 * Faults at the receiving end of a message, on the real servers with real peers:
 *
 * - an SMTP server that takes the whole message and then does not answer until the
 *   mailer's socket timeout has made it give up (it answers into a closed connection):
 *   the send is retried, the second transmission carries the same Message-ID, and the
 *   person's mailbox holds the message once;
 * - a webhook receiver that answers slowly (after the sender's 10 s timeout), then 500,
 *   then 200: three requests with one Idempotency-Key, one delivery recorded as sent,
 *   its history showing each attempt.
 *
 * The slow answers are held until the sender closes the connection (an observable
 * event), never for a guessed time. The mailer's socket timeout comes from the SMTP URL
 * (`?socketTimeout=`, which nodemailer reads), so the test waits one second, not thirty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const RULES = `
journey welcome {
  when performed "Signed Up"
  operational
  reentry always
  send email "welcome"
}

journey crm {
  when performed "Lead Captured"
  reentry always
  send webhook "crm"
}
`;
const SOCKET_TIMEOUT_MS = 1_000;

let itinera: TestItinera;
let sink: SmtpSink;
let receiver: WebhookReceiver;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startWebhookReceiver();
  itinera = await startTestItinera('faults-slow', {
    smtp: { url: `${sink.url}?socketTimeout=${SOCKET_TIMEOUT_MS}`, from: 'Shop <shop@shop.example>' },
  });
  expect(
    (await send(itinera.baseUrl, 'PUT', '/v1/templates/welcome', { ...admin, json: { subject: 'Welcome', html: '<p>Hi</p>' } })).status,
  ).toBe(201);
  expect((await send(itinera.baseUrl, 'PUT', '/v1/destinations/crm', { ...admin, json: { url: `${receiver.url}/crm` } })).status).toBe(201);
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
});
afterAll(async () => {
  await itinera?.close();
  await sink?.close();
  await receiver?.close();
});

async function person(userId: string): Promise<string> {
  const identified = await send(itinera.baseUrl, 'POST', '/v1/identify', {
    ...write,
    json: { userId, traits: { email: `${userId}@example.com` } },
  });
  expect(identified.status).toBe(200);
  return (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id as string;
}

const track = async (userId: string, event: string) =>
  expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId, event } })).status).toBe(200);

/** The person's messages once every one has a final state. */
const finalMessages = (profileId: string) =>
  eventually(async () => {
    const messages = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/messages`, admin)).body.messages as Record<
      string,
      any
    >[];
    return messages.length > 0 && messages.every((message) => ['sent', 'failed', 'skipped'].includes(message.status))
      ? messages
      : undefined;
  }, 60_000);

describe('an SMTP server slower than the mailer waits', () => {
  it('times the send out, retries it with the same Message-ID, and the person gets it once', async () => {
    let held = 0;
    sink.onMessage = async (mail, { clientGone }) => {
      if (mail.to !== 'slow-smtp@example.com' || held++ > 0) return;
      // The message is delivered; the answer comes only after the mailer gave up on it.
      await clientGone;
    };
    const profileId = await person('slow-smtp');
    await track('slow-smtp', 'Signed Up');

    const [message, ...others] = await finalMessages(profileId);
    expect(others).toEqual([]);
    expect(message).toMatchObject({ status: 'sent', channel: 'email', name: 'welcome', detail: 'smtp 250', attempts: 2 });
    expect(message!.history.map((step: { status: string }) => step.status)).toEqual(['sending', 'sending', 'sent']);
    expect(held).toBe(2);
    const transmissions = sink.received.filter((mail) => mail.to === 'slow-smtp@example.com');
    expect(transmissions).toHaveLength(2);
    expect(transmissions[1]!.messageId).toBe(transmissions[0]!.messageId);
    expect(sink.mailbox('slow-smtp@example.com').map((mail) => mail.subject)).toEqual(['Welcome']);
  });
});

describe('a webhook receiver that answers slowly, then 500, then 200', () => {
  it('is delivered once in the end, the delivery recording each attempt', { timeout: 90_000 }, async () => {
    receiver.script('/crm', [
      { status: 200, body: 'too late', holdUntilClientGone: true },
      { status: 500, body: 'down' },
      { status: 200, body: '{"accepted":true}' },
    ]);
    const profileId = await person('slow-hook');
    await track('slow-hook', 'Lead Captured');

    const [message, ...others] = await finalMessages(profileId);
    expect(others).toEqual([]);
    expect(message).toMatchObject({
      status: 'sent',
      channel: 'webhook',
      name: 'crm',
      detail: 'http 200',
      attempts: 3,
      answer: { status: 200, body: '{"accepted":true}' },
    });
    expect(message!.history.map((step: { status: string }) => step.status)).toEqual(['sending', 'sending', 'sending', 'sent']);
    const requests = receiver.received.filter((request) => request.path === '/crm');
    expect(requests).toHaveLength(3);
    // One message: a receiver keeping the first Idempotency-Key it saw processes it once.
    expect(new Set(requests.map((request) => request.headers['idempotency-key']))).toEqual(new Set([message!.key]));
    expect(new Set(requests.map((request) => JSON.parse(request.body).deliveryKey))).toEqual(new Set([message!.key]));
  });
});
