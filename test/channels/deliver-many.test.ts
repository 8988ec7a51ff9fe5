/**
 * A broadcast's batch path (deliverMany) on the real database and a real SMTP sink: the
 * same decisions as one `deliver` per person, at the moment of sending — a person who
 * withdrew consent, a restricted one, an erased one and one without an address get
 * nothing; a message recorded sent by an earlier attempt is not sent again; one claimed
 * by an attempt that died before its answer was recorded is sent again with the same
 * Message-ID. A retried batch sends and counts nothing more. The console's counters and
 * list (GET /v1/delivery-stats, GET /v1/deliveries) and the person's messages hold each
 * batched message once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverer, type Deliverer } from '../../src/channels/deliver.js';
import { LinkSigner } from '../../src/channels/links.js';
import { createMailer, messageIdOf, type Mailer } from '../../src/channels/mailer.js';
import type { BroadcastRequest } from '../../src/model.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const FROM = 'Shop <news@shop.example>';
const RULES = `
consent email_marketing "E-mail marketing" {}
`;
const READERS = 12;

let itinera: TestItinera;
let sink: SmtpSink;
let mailer: Mailer;
let deliverer: Deliverer;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, json?: unknown) => send(itinera.baseUrl, method, path, { ...admin, ...(json ? { json } : {}) });
const today = () => new Date().toISOString().slice(0, 10);

async function person(userId: string, traits: Record<string, unknown>, granted = true): Promise<string> {
  if (granted)
    expect(
      (await send(itinera.baseUrl, 'POST', '/v1/consents', { ...write, json: { userId, purpose: 'email_marketing', state: 'granted' } }))
        .status,
    ).toBe(200);
  expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { ...write, json: { userId, traits } })).status).toBe(200);
  return (await api('GET', `/v1/profiles/lookup?userId=${userId}`)).body.id as string;
}

const request = (broadcast: string, profileId: string): BroadcastRequest => ({
  key: `broadcast:${broadcast}:${profileId}`,
  profileId,
  channel: 'email',
  name: 'news',
  with: { code: 'SPRING' },
  consents: ['email_marketing'],
  messages: 'marketing',
  broadcast,
  rulesVersion: 1,
});

beforeAll(async () => {
  sink = await startSmtpSink();
  itinera = await startTestItinera('deliver_many', { smtp: { url: sink.url, from: FROM } });
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  expect((await api('PUT', '/v1/templates/news', { subject: 'News for {{ traits.name }}', html: '<p>{{ with.code }}</p>' })).status).toBe(
    201,
  );
  mailer = createMailer(sink.url, FROM);
  deliverer = createDeliverer({
    stores: itinera.runtime.stores,
    now: () => new Date(),
    mailer,
    links: new LinkSigner('deliver-many-test-link-secret'),
    publicUrl: 'http://localhost:3000',
    defaultTimeZone: 'UTC',
  });
}, 120_000);
afterAll(async () => {
  mailer?.close();
  await itinera?.close();
  await sink?.close();
});

describe('a broadcast batch', () => {
  it('sends each eligible member once, skips the others with the reason, and resends only a claim left unanswered', async () => {
    const readers: string[] = [];
    for (let i = 0; i < READERS; i++) readers.push(await person(`reader${i}`, { email: `reader${i}@example.com`, name: `R${i}` }));
    const withdrew = await person('withdrew', { email: 'withdrew@example.com' });
    expect(
      (
        await send(itinera.baseUrl, 'POST', '/v1/consents', {
          ...write,
          json: { userId: 'withdrew', purpose: 'email_marketing', state: 'revoked' },
        })
      ).status,
    ).toBe(200);
    const restricted = await person('restricted', { email: 'restricted@example.com' });
    expect((await api('PUT', `/v1/profiles/${restricted}/restriction`, { reason: 'accuracy contested' })).status).toBe(200);
    const nowhere = await person('nowhere', { name: 'No address' });
    const never = await person('never', { email: 'never@example.com' }, false);
    const erased = 'p_erased_before_the_batch';

    // An earlier attempt of this batch sent reader0 (recorded) and claimed reader1, then died before the answer was recorded.
    const { deliveries } = itinera.runtime.stores;
    const at = new Date();
    await deliveries.advance(request('spring', readers[0]!), { status: 'sending', at });
    await deliveries.advance(request('spring', readers[0]!), { status: 'sent', at, detail: 'smtp 250' }, { sentAt: at });
    await deliveries.advance(request('spring', readers[1]!), { status: 'sending', at });

    const audience = [...readers, withdrew, restricted, nowhere, never, erased];
    const outcomes = await deliverer.deliverMany(audience.map((id) => request('spring', id)));
    expect(outcomes.map((outcome) => outcome?.status)).toEqual([
      ...readers.map(() => 'sent'),
      'skipped',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(outcomes.slice(READERS).map((outcome) => outcome?.detail)).toEqual([
      'consent email_marketing',
      'restricted',
      'no address',
      'consent email_marketing',
      'no profile',
    ]);

    // reader0 was sent before, not again; every other reader once, reader1 with the claim's Message-ID.
    expect(sink.mailbox('reader0@example.com')).toHaveLength(0);
    for (let i = 1; i < READERS; i++) expect(sink.mailbox(`reader${i}@example.com`), `reader${i}`).toHaveLength(1);
    const [mail] = sink.mailbox('reader3@example.com');
    expect(mail!.subject).toBe('News for R3');
    expect(mail!.headers.get('message-id')).toBe(messageIdOf(`broadcast:spring:${readers[3]}`, FROM));
    expect(mail!.headers.has('list-unsubscribe')).toBe(true);
    for (const address of ['withdrew', 'restricted', 'never'].map((name) => `${name}@example.com`))
      expect(sink.mailbox(address)).toHaveLength(0);
    expect(await deliveries.findById(`broadcast:spring:${readers[1]}`)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await deliveries.findById(`broadcast:spring:${readers[2]}`)).toMatchObject({
      status: 'sent',
      attempts: 1,
      detail: 'smtp 250',
      sentAt: expect.any(Date),
      broadcast: 'spring',
      bucket: expect.any(String),
    });
    // Erased: nothing recorded about them.
    expect(await deliveries.findById(`broadcast:spring:${erased}`)).toBeNull();

    // The batch retried (its activity restarted): nothing sent, nothing counted a second time.
    const received = sink.received.length;
    const again = await deliverer.deliverMany(audience.map((id) => request('spring', id)));
    expect(again.map((outcome) => outcome?.status)).toEqual(outcomes.map((outcome) => outcome?.status));
    expect(sink.received.length).toBe(received);

    const stats = (await api('GET', `/v1/delivery-stats?from=${today()}&to=${today()}&broadcast=spring`)).body;
    expect(stats.days[0]).toMatchObject({ sent: READERS, skipped: 4, failed: 0, channels: { email: { sent: READERS, skipped: 4 } } });
    const listed = (await api('GET', '/v1/deliveries?broadcast=spring&limit=100')).body.deliveries as { key: string }[];
    expect(listed.map((d) => d.key).sort()).toEqual(
      audience
        .filter((id) => id !== erased)
        .map((id) => `broadcast:spring:${id}`)
        .sort(),
    );

    // The person's messages hold their broadcast e-mail (recorded in bulk, found by the indexed profile id).
    const messages = (await api('GET', `/v1/profiles/${readers[2]}/messages`)).body;
    expect(JSON.stringify(messages)).toContain(`broadcast:spring:${readers[2]}`);
    expect(await deliveries.countByProfiles([readers[2]!])).toBe(1);
  });

  it('sends at the pace asked', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await person(`paced${i}`, { email: `paced${i}@example.com` }));
    const began = Date.now();
    const outcomes = await deliverer.deliverMany(
      ids.map((id) => request('paced', id)),
      { gapMs: 200 },
    );
    expect(outcomes.every((outcome) => outcome?.status === 'sent')).toBe(true);
    // Four messages 200 ms apart: the last leaves at least 600 ms after the batch began.
    expect(Date.now() - began).toBeGreaterThanOrEqual(600);
  });
});
