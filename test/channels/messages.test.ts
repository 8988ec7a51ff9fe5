/**
 * Messages that leave: journeys on the dev server send e-mail through a real local SMTP
 * server (smtp-server) and webhooks to a real local HTTP receiver. Templates and
 * destinations are managed over HTTP; every message's fate is readable per person.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverer } from '../../src/channels/deliver.js';
import { LinkSigner } from '../../src/channels/links.js';
import { createMailer, messageIdOf } from '../../src/channels/mailer.js';
import type { MessageRequest } from '../../src/model.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const FROM = 'Shop <news@shop.example>';
const RULES = `
consent email_marketing "E-mail marketing" {}
consent newsletter "Newsletter" {}

journey welcome {
  when performed "Signed Up"
  requires consent email_marketing
  reentry always
  send email "welcome" with { offer: "SPRING" }
  tag "welcomed"
}

journey receipt {
  when performed "Order Completed"
  operational
  reentry always
  send email "receipt"
}

journey shipped {
  when performed "Order Shipped"
  operational
  reentry always
  send email "receipt"
  tag "shipped"
}
journey lost {
  when performed "Ping"
  operational
  reentry always
  send email "nowhere"
}

journey crm {
  when performed "Lead Captured"
  reentry always
  send webhook "crm" with { stage: "lead" }
}

journey strict {
  when performed "Lead Lost"
  reentry always
  send webhook "strict"
}
`;

let itinera: TestItinera;
let sink: SmtpSink;
let receiver: WebhookReceiver;
/** Carried from one test to the next: the secret shown once, the link in Ada's e-mail. */
let crmSecret = '';
let adaUnsubscribePath = '';
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startWebhookReceiver();
  itinera = await startTestItinera('messages', { smtp: { url: sink.url, from: FROM } });
});
afterAll(async () => {
  await itinera?.close();
  await sink?.close();
  await receiver?.close();
});

async function person(userId: string, traits: Record<string, unknown>, purposes: string[] = []): Promise<string> {
  for (const purpose of purposes) {
    expect((await send(itinera.baseUrl, 'POST', '/v1/consents', { ...write, json: { userId, purpose, state: 'granted' } })).status).toBe(
      200,
    );
  }
  expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { ...write, json: { userId, traits } })).status).toBe(200);
  return (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id as string;
}

const track = async (userId: string, event: string) =>
  expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId, event } })).status).toBe(200);

const messagesOf = async (profileId: string) =>
  (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/messages`, admin)).body.messages as Record<string, any>[];

/** The person's only message, once it has reached a final state. */
const finalMessage = (profileId: string) =>
  eventually(async () => {
    const [message] = await messagesOf(profileId);
    return message && ['sent', 'failed', 'skipped', 'not-configured'].includes(message.status) ? message : undefined;
  }, 60_000);

describe('templates and destinations over HTTP', () => {
  it('deploys rules naming what does not exist yet with warnings, then manages templates', async () => {
    const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES });
    expect(deployed.status).toBe(200);
    expect(
      deployed.body.warnings
        .map((w: { code: string; template?: string; destination?: string }) => `${w.code} ${w.template ?? w.destination}`)
        .sort(),
    ).toEqual([
      'destination_missing crm',
      'destination_missing strict',
      'template_missing nowhere',
      'template_missing receipt',
      'template_missing welcome',
    ]);
    // One warning per missing template, whichever journeys name it.
    expect(deployed.body.warnings.find((w: { template?: string }) => w.template === 'receipt')).toMatchObject({
      journeys: ['receipt', 'shipped'],
      sends: 2,
    });

    const broken = await send(itinera.baseUrl, 'PUT', '/v1/templates/welcome', {
      ...admin,
      json: { subject: 'Hi', html: '<p>\n{% if traits.vip %}VIP</p>' },
    });
    expect(broken.status).toBe(422);
    expect(broken.body.error.code).toBe('template_invalid');
    expect(broken.body.error.details).toEqual([{ part: 'html', message: 'tag {% if traits.vip %} not closed', line: 2, column: 1 }]);
    const badFilter = await send(itinera.baseUrl, 'PUT', '/v1/templates/welcome', {
      ...admin,
      json: { subject: '{{ traits.first_name | shout }}', html: 'x' },
    });
    expect(badFilter.status).toBe(422);
    expect(badFilter.body.error.details[0]).toMatchObject({ part: 'subject', message: 'undefined filter: shout', line: 1, column: 1 });
    expect((await send(itinera.baseUrl, 'PUT', '/v1/templates/welcome', { ...admin, json: { subject: 'Hi' } })).status).toBe(400);

    const welcome = {
      subject: 'Welcome, {{ traits.first_name | default: "friend" }}',
      html: '<p>Hello {{ traits.first_name }}, your code is {{ with.offer }}.</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>',
      text: 'Hello {{ traits.first_name }}, your code is {{ with.offer }}.',
    };
    expect((await send(itinera.baseUrl, 'PUT', '/v1/templates/welcome', { ...admin, json: welcome })).status).toBe(201);
    expect((await send(itinera.baseUrl, 'PUT', '/v1/templates/welcome', { ...admin, json: welcome })).status).toBe(200);
    expect(
      (
        await send(itinera.baseUrl, 'PUT', '/v1/templates/receipt', {
          ...admin,
          json: { subject: 'Your receipt', html: '<p>Thank you</p>' },
        })
      ).status,
    ).toBe(201);

    const listed = await send(itinera.baseUrl, 'GET', '/v1/templates', admin);
    expect(listed.body.templates.map((t: { name: string; usedBy: string[] }) => [t.name, t.usedBy])).toEqual([
      ['receipt', ['receipt', 'shipped']],
      ['welcome', ['welcome']],
    ]);
    expect(listed.body.missing).toEqual(['nowhere']);

    // A preview renders for a real person without sending; markup in a trait is escaped in HTML.
    const profileId = await person('preview-1', { first_name: '<b>Ada</b>', email: 'preview@example.com' });
    const preview = await send(itinera.baseUrl, 'POST', '/v1/templates/welcome/preview', {
      ...admin,
      json: { profileId, with: { offer: 'X1' } },
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      to: 'preview@example.com',
      subject: 'Welcome, <b>Ada</b>',
      text: 'Hello <b>Ada</b>, your code is X1.',
    });
    expect(preview.body.html).toContain('Hello &lt;b&gt;Ada&lt;/b&gt;, your code is X1.');
    expect((await send(itinera.baseUrl, 'POST', '/v1/templates/welcome/preview', { ...admin, json: { profileId: 'nobody' } })).status).toBe(
      404,
    );
    expect(sink.received).toEqual([]);
  });

  it('generates a destination secret and shows it once', async () => {
    const created = await send(itinera.baseUrl, 'PUT', '/v1/destinations/crm', {
      ...admin,
      json: { url: `${receiver.url}/crm`, traits: ['plan'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    const strict = await send(itinera.baseUrl, 'PUT', '/v1/destinations/strict', {
      ...admin,
      json: { url: `${receiver.url}/strict`, secret: 'a-secret-of-our-own' },
    });
    expect(strict.status).toBe(201);
    expect(strict.body.secret).toBeUndefined();
    const listed = await send(itinera.baseUrl, 'GET', '/v1/destinations', admin);
    expect(listed.body.destinations).toEqual([
      expect.objectContaining({ name: 'crm', url: `${receiver.url}/crm`, traits: ['plan'] }),
      expect.objectContaining({ name: 'strict', url: `${receiver.url}/strict`, traits: [] }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    expect((await send(itinera.baseUrl, 'PUT', '/v1/destinations/bad', { ...admin, json: { url: 'ftp://x.example' } })).status).toBe(400);
    crmSecret = created.body.secret;
  });
});

describe('e-mail', () => {
  it('sends a marketing e-mail once, with a one-click unsubscribe link, and records it', async () => {
    const profileId = await person('ada', { first_name: 'Ada', email: 'ada@example.com' }, ['email_marketing', 'newsletter']);
    await track('ada', 'Signed Up');
    const message = await finalMessage(profileId);
    expect(message).toMatchObject({
      status: 'sent',
      channel: 'email',
      name: 'welcome',
      journey: 'welcome',
      detail: 'smtp 250',
      attempts: 1,
    });
    expect(message.history.map((step: { status: string }) => step.status)).toEqual(['sending', 'sent']);

    const [mail, ...more] = sink.mailbox('ada@example.com');
    expect(more).toEqual([]);
    expect(mail!.subject).toBe('Welcome, Ada');
    expect(mail!.text).toBe('Hello Ada, your code is SPRING.');
    expect(mail!.from).toBe('news@shop.example');
    expect(mail!.messageId).toBe(messageIdOf(message.key, FROM));
    expect(mail!.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const unsubscribeUrl = /^<([^>]+)>$/.exec(mail!.headers.get('list-unsubscribe') ?? '')?.[1];
    expect(unsubscribeUrl).toMatch(/^http:\/\/localhost:\d+\/v1\/unsubscribe\/[\w-]+\.[\w-]+$/);
    expect(mail!.html).toContain(`href="${unsubscribeUrl}"`);
    adaUnsubscribePath = new URL(unsubscribeUrl!).pathname;
  });

  it('unsubscribes with one POST, and never with a GET', async () => {
    const path = adaUnsubscribePath;
    const profileId = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=ada', admin)).body.id as string;
    const consents = async () => (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/consents`, admin)).body;

    const page = await fetch(`${itinera.baseUrl}${path}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect((await consents()).consents.email_marketing.state).toBe('granted');

    const tampered = await fetch(`${itinera.baseUrl}${path.slice(0, -2)}xx`, { method: 'POST' });
    expect(tampered.status).toBe(400);

    for (let click = 0; click < 2; click++) {
      const posted = await fetch(`${itinera.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(posted.status).toBe(200);
    }
    await itinera.runtime.writer.settled();
    const after = await consents();
    expect(after.consents.email_marketing.state).toBe('revoked');
    // Only the purpose the message's journey required.
    expect(after.consents.newsletter.state).toBe('granted');
    const revocations = after.history.filter((record: { state: string }) => record.state === 'revoked');
    expect(revocations).toHaveLength(1);
    const [message] = await messagesOf(profileId);
    expect(revocations[0]).toMatchObject({
      purpose: 'email_marketing',
      origin: { kind: 'unsubscribe', source: 'unsubscribe' },
      proof: { method: 'unsubscribe', message: message!.key },
    });
  });

  it('sends operational e-mail (a journey declared `operational`) without an unsubscribe link', async () => {
    const profileId = await person('bob', { email: 'bob@example.com' });
    await track('bob', 'Order Completed');
    expect(await finalMessage(profileId)).toMatchObject({ status: 'sent', name: 'receipt' });
    const [mail] = sink.mailbox('bob@example.com');
    expect(mail!.subject).toBe('Your receipt');
    expect(mail!.headers.has('list-unsubscribe')).toBe(false);
  });

  /**
   * Issue 31: the message's kind decides. A message of a run whose rules version was
   * compiled before then carries no kind, and is marketing when it names consents, as it
   * was; one that says `operational` is sent as such. Delivered here as a run hands them
   * over, through a deliverer on the same database and SMTP server.
   */
  it('decides the unsubscribe link from the message kind, and from its consents for runs of older rules versions', async () => {
    const profileId = await person('dora', { email: 'dora@example.com' }, ['email_marketing']);
    const deliverer = createDeliverer({
      stores: itinera.runtime.stores,
      now: () => new Date(),
      mailer: createMailer(sink.url, FROM),
      links: new LinkSigner('kinds-test-link-secret'),
      publicUrl: 'http://localhost:3000',
      defaultTimeZone: 'UTC',
    });
    const request = (step: string, extra: Partial<MessageRequest>): MessageRequest => ({
      key: `kinds:${profileId}:${step}`,
      profileId,
      channel: 'email',
      name: 'receipt',
      with: {},
      journey: 'receipt',
      rulesVersion: 1,
      step,
      ...extra,
    });
    const unsubscribes = () => sink.mailbox('dora@example.com').map((mail) => mail.headers.has('list-unsubscribe'));

    // Before issue 31: consents named, no kind → marketing, as it was.
    expect(await deliverer.deliver(request('legacy', { consents: ['email_marketing'] }))).toMatchObject({ status: 'sent' });
    await eventually(async () => unsubscribes().length === 1);
    expect(await deliverer.deliver(request('operational', { messages: 'operational' }))).toMatchObject({ status: 'sent' });
    await eventually(async () => unsubscribes().length === 2);
    expect(await deliverer.deliver(request('marketing', { messages: 'marketing', consents: ['email_marketing'] }))).toMatchObject({
      status: 'sent',
    });
    await eventually(async () => unsubscribes().length === 3);
    expect(unsubscribes()).toEqual([true, false, true]);
    // Marketing is checked against the consent at the moment of sending; operational is not.
    expect(await deliverer.deliver(request('no-consent', { messages: 'marketing', consents: ['newsletter'] }))).toEqual({
      status: 'skipped',
      detail: 'consent newsletter',
    });
  });

  it('records a permanent refusal (5xx) as failed without retrying it', async () => {
    const profileId = await person('bounce', { email: 'bounce@example.com' });
    await track('bounce', 'Order Completed');
    expect(await finalMessage(profileId)).toMatchObject({ status: 'failed', detail: 'smtp 550', attempts: 1 });
    expect(sink.refusals.filter((address) => address === 'bounce@example.com')).toHaveLength(1);
  });

  it('retries a transient refusal (4xx) and sends once', async () => {
    const profileId = await person('busy', { email: 'busy@example.com' });
    await track('busy', 'Order Completed');
    expect(await finalMessage(profileId)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sink.refusals.filter((address) => address === 'busy@example.com')).toHaveLength(1);
    expect(sink.received.filter((mail) => mail.to === 'busy@example.com')).toHaveLength(1);
  });

  it('retries a transient refusal inside a row of steps (send, tag), sends once, then takes the tag', async () => {
    const profileId = await person('busy-row', { email: 'busy@row.example' });
    await track('busy-row', 'Order Shipped');
    // The row's send is refused for now (451): the regular activity's retry sends it.
    expect(await finalMessage(profileId)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sink.refusals.filter((address) => address === 'busy@row.example')).toHaveLength(1);
    expect(sink.received.filter((mail) => mail.to === 'busy@row.example')).toHaveLength(1);
    await eventually(async () =>
      ((await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=busy-row', admin)).body.tags as string[] | undefined)?.includes(
        'shipped',
      ),
    );
  });

  it('records a send naming a missing template as failed, and one to a person without an address as skipped', async () => {
    const lost = await person('lost', { email: 'lost@example.com' });
    await track('lost', 'Ping');
    expect(await finalMessage(lost)).toMatchObject({ status: 'failed', detail: 'template missing' });
    const silent = await person('silent', { first_name: 'No address' });
    await track('silent', 'Order Completed');
    expect(await finalMessage(silent)).toMatchObject({ status: 'skipped', detail: 'no address' });
  });
});

describe('webhooks', () => {
  it('signs each request, retries a 500 with the same Idempotency-Key, and records one delivery', async () => {
    receiver.script('/crm', [
      { status: 500, body: 'down' },
      { status: 200, body: '{"accepted":true}' },
    ]);
    const profileId = await person('carol', { email: 'carol@example.com', plan: 'pro' });
    await track('carol', 'Lead Captured');
    const message = await finalMessage(profileId);
    expect(message).toMatchObject({
      status: 'sent',
      channel: 'webhook',
      name: 'crm',
      detail: 'http 200',
      attempts: 2,
      answer: { status: 200, body: '{"accepted":true}' },
    });

    const requests = receiver.received.filter((request) => request.path === '/crm');
    expect(requests).toHaveLength(2);
    expect(requests.map((request) => request.headers['idempotency-key'])).toEqual([message.key, message.key]);
    for (const request of requests) {
      const [t, v1] = String(request.headers['itinera-signature'])
        .split(',')
        .map((part) => part.split('=')[1]);
      expect(v1).toBe(createHmac('sha256', crmSecret).update(`${t}.${request.body}`).digest('hex'));
    }
    const body = JSON.parse(requests[1]!.body);
    // Only the traits the destination may receive: the plan, not the e-mail address.
    expect(body).toMatchObject({
      type: 'journey.step',
      journey: 'crm',
      profileId,
      with: { stage: 'lead' },
      traits: { plan: 'pro' },
      deliveryKey: message.key,
    });
    expect(requests[1]!.body).not.toContain('carol@example.com');
  });

  it('records a 400 as a permanent failure, sent once', async () => {
    receiver.script('/strict', [{ status: 400, body: 'bad payload' }]);
    const profileId = await person('dave', { email: 'dave@example.com' });
    await track('dave', 'Lead Lost');
    expect(await finalMessage(profileId)).toMatchObject({
      status: 'failed',
      detail: 'http 400',
      attempts: 1,
      answer: { status: 400, body: 'bad payload' },
    });
    expect(receiver.received.filter((request) => request.path === '/strict')).toHaveLength(1);
  });
});
