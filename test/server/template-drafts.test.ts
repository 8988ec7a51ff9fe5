/**
 * Drafts of templates, as the console's Messages page uses them: rendered without being
 * stored (sample data or a real person, that read audited), and sent as a test through
 * the SMTP transport real sends use to a real local SMTP server: "[Test]" in the subject,
 * no delivery recorded for anyone, at most 10 a minute per user, audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/store/collections.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, request, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const FROM = 'Shop <news@shop.example>';
const admin = { auth: bearer(ADMIN_KEY) };

const DRAFT = {
  subject: 'Chapter {{ with.chapter }} for {{ traits.first_name | default: "you" }}',
  html: '<p>Hello {{ traits.first_name }}, chapter {{ with.chapter }}.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
  text: 'Hello {{ traits.first_name }}, chapter {{ with.chapter }}.',
};

let itinera: TestItinera;
let sink: SmtpSink;
let marketer: Record<string, string>;
let viewer: Record<string, string>;
let profileId = '';
/** The server's clock, held still where a test needs one rate-limit window. */
let frozen: Date | undefined;

/** Creates the user with the admin key and signs them in: the cookie and the CSRF token the console holds. */
async function signIn(name: string, role: string): Promise<Record<string, string>> {
  const password = `pw-${name}-correct-horse-battery`;
  expect((await send(itinera.baseUrl, 'POST', '/v1/users', { ...admin, json: { name, role, password } })).status).toBe(201);
  const response = await fetch(`${itinera.baseUrl}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0]!)
    .join('; ');
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, 'x-csrf-token': csrfToken };
}

const as = (headers: Record<string, string>, method: string, path: string, json?: unknown) =>
  request(itinera.baseUrl, method, path, { headers, ...(json === undefined ? {} : { json }) });

const auditOf = (kind: string) => itinera.raw.audit.find({ kind: kind as never }).toArray();

beforeAll(async () => {
  sink = await startSmtpSink();
  itinera = await startTestItinera('template-drafts', {
    smtp: { url: sink.url, from: FROM },
    runWorker: false,
    now: () => frozen ?? new Date(),
  });
  marketer = await signIn('mia', 'marketer');
  viewer = await signIn('vic', 'viewer');
  const identified = await send(itinera.baseUrl, 'POST', '/v1/identify', {
    auth: basicAuth(WRITE_KEY),
    json: { userId: 'reader-1', traits: { email: 'reader@example.com', first_name: 'Zofia' } },
  });
  expect(identified.status).toBe(200);
  const found = await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=reader-1', admin);
  profileId = found.body.id;
}, 120_000);

afterAll(async () => {
  await itinera?.close();
  await sink?.close();
});

describe('rendering a draft', () => {
  it('renders sample data without storing anything; markup in a trait is escaped in HTML only', async () => {
    const answer = await as(marketer, 'POST', '/v1/templates/render', {
      ...DRAFT,
      sample: { traits: { first_name: '<b>Ada</b>' }, with: { chapter: 2 } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      subject: 'Chapter 2 for <b>Ada</b>',
      html: expect.stringContaining('<p>Hello &lt;b&gt;Ada&lt;/b&gt;, chapter 2.</p>'),
      text: 'Hello <b>Ada</b>, chapter 2.',
    });
    expect(answer.body.html).toContain('/v1/unsubscribe/(preview)');
    expect(await itinera.raw.db.collection(COLLECTIONS.templates).countDocuments()).toBe(0);
  });

  it('answers 422 with the part, line and column of a Liquid mistake, and stores nothing', async () => {
    const answer = await as(marketer, 'POST', '/v1/templates/render', {
      subject: 'Hi',
      html: '<p>Hello</p>\n<p>{{ traits.first_name | shout }}</p>',
    });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('template_invalid');
    expect(answer.body.error.details).toEqual([{ part: 'html', message: expect.stringContaining('shout'), line: 2, column: 4 }]);
    // A mistake only rendering finds (a filter's arguments) is told the same way.
    const late = await as(marketer, 'POST', '/v1/templates/render', { subject: '{{ "a" | append }}', html: '<p>x</p>' });
    expect(late.status).toBe(422);
    expect(late.body.error.details).toEqual([{ part: 'subject', message: expect.stringContaining('append'), line: 1, column: 1 }]);
    expect(await itinera.raw.db.collection(COLLECTIONS.templates).countDocuments()).toBe(0);
  });

  it('refuses the tags that would read files of the server', async () => {
    const answer = await as(marketer, 'POST', '/v1/templates/render', { subject: 'x', html: '<p>{% include "package.json" %}</p>' });
    expect(answer.status).toBe(422);
    expect(answer.body.error.details[0]).toMatchObject({ part: 'html', line: 1, column: 4 });
    expect(JSON.stringify(answer.body)).not.toContain('itinera');
    expect(
      (await send(itinera.baseUrl, 'PUT', '/v1/templates/leak', { ...admin, json: { subject: 'x', html: '{% render "x" %}' } })).status,
    ).toBe(422);
  });

  it('renders for a real person, that read audited once per user and person however often the preview renders', async () => {
    const before = (await auditOf('profile.viewed')).length;
    for (const chapter of [1, 2, 3]) {
      const answer = await as(marketer, 'POST', '/v1/templates/render', { ...DRAFT, profileId, sample: { with: { chapter } } });
      expect(answer.status).toBe(200);
      expect(answer.body.subject).toBe(`Chapter ${chapter} for Zofia`);
    }
    const entries = await auditOf('profile.viewed');
    expect(entries.length).toBe(before + 1);
    expect(entries.at(-1)).toMatchObject({ actor: 'user:mia', subject: { profileId }, detail: { via: 'template render' } });
    expect((await as(marketer, 'POST', '/v1/templates/render', { ...DRAFT, profileId: 'p_nobody' })).status).toBe(404);
    // A person's traits or made-up ones: not both.
    expect((await as(marketer, 'POST', '/v1/templates/render', { ...DRAFT, profileId, sample: { traits: {} } })).status).toBe(400);
  });
});

describe('a test send', () => {
  it('arrives at the SMTP server with "[Test]" in the subject and the rendered body, recorded for no person, audited', async () => {
    const deliveriesBefore = await itinera.raw.deliveries.countDocuments();
    const answer = await as(marketer, 'POST', '/v1/templates/test-send', {
      ...DRAFT,
      to: 'mia@shop.example',
      sample: { traits: { first_name: 'Ada' }, with: { chapter: 4 } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ sent: true, to: 'mia@shop.example', subject: '[Test] Chapter 4 for Ada', smtp: 250 });
    const [mail] = sink.mailbox('mia@shop.example');
    expect(mail).toMatchObject({ subject: '[Test] Chapter 4 for Ada', text: expect.stringContaining('Hello Ada, chapter 4.') });
    expect(mail!.html).toContain('<p>Hello Ada, chapter 4.</p>');
    expect(mail!.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail!.headers.has('list-unsubscribe')).toBe(false);

    expect(await itinera.raw.deliveries.countDocuments()).toBe(deliveriesBefore);
    expect(await itinera.raw.db.collection(COLLECTIONS.profileMessages).countDocuments()).toBe(0);
    const [entry] = await auditOf('template.test_sent');
    expect(entry).toMatchObject({ actor: 'user:mia', detail: { toDomain: 'shop.example', draft: true, smtp: 250 } });
    // The typed address is not kept: the audit log outlives erasures.
    expect(JSON.stringify(entry)).not.toContain('mia@shop.example');
  });

  it('sends a stored template for a real person, naming both in the audit entry', async () => {
    expect((await send(itinera.baseUrl, 'PUT', '/v1/templates/chapter', { ...admin, json: DRAFT })).status).toBe(201);
    const answer = await as(marketer, 'POST', '/v1/templates/test-send', {
      name: 'chapter',
      to: 'mia+person@shop.example',
      profileId,
      sample: { with: { chapter: 5 } },
    });
    expect(answer.status).toBe(200);
    expect(sink.mailbox('mia+person@shop.example')[0]?.subject).toBe('[Test] Chapter 5 for Zofia');
    expect((await auditOf('template.test_sent')).at(-1)).toMatchObject({
      subject: { template: 'chapter', profileId },
      detail: { draft: false },
    });
    // Nothing was sent to the person.
    expect(sink.mailbox('reader@example.com')).toEqual([]);
  });

  it('refuses a bad address with 400 and a viewer with 403, sending nothing', async () => {
    const received = sink.received.length;
    for (const to of ['nobody', 'not an address', 'a@b.example, c@d.example', 'x@y.example\r\nBcc: z@y.example', '']) {
      const bad = await as(marketer, 'POST', '/v1/templates/test-send', { ...DRAFT, to });
      expect(bad.status, to).toBe(400);
      expect(bad.body.error.code, to).toBe('invalid_address');
    }
    expect((await as(marketer, 'POST', '/v1/templates/test-send', { to: 'mia@shop.example' })).status).toBe(400);

    const refused = await as(viewer, 'POST', '/v1/templates/test-send', { ...DRAFT, to: 'vic@shop.example' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await as(viewer, 'POST', '/v1/templates/render', DRAFT)).status).toBe(403);
    expect((await as(viewer, 'PUT', '/v1/templates/chapter', DRAFT)).status).toBe(403);
    // The list is for every role.
    expect((await as(viewer, 'GET', '/v1/templates')).status).toBe(200);
    expect(sink.received.length).toBe(received);
  });

  it("does not mail a restricted person's data: 409, nothing sent", async () => {
    expect(
      (
        await send(itinera.baseUrl, 'POST', '/v1/identify', {
          auth: basicAuth(WRITE_KEY),
          json: { userId: 'reader-2', traits: { email: 'kept@example.com', first_name: 'Kept' } },
        })
      ).status,
    ).toBe(200);
    const kept = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=reader-2', admin)).body.id;
    expect((await send(itinera.baseUrl, 'PUT', `/v1/profiles/${kept}/restriction`, { ...admin, json: { reason: 'art. 18' } })).status).toBe(
      200,
    );
    const received = sink.received.length;
    const refused = await as(marketer, 'POST', '/v1/templates/test-send', { ...DRAFT, to: 'mia@shop.example', profileId: kept });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('profile_restricted');
    expect(sink.received.length).toBe(received);
  });

  it('allows 10 a minute per user, then 429 with Retry-After', async () => {
    const tester = await signIn('tess', 'marketer');
    // One second into a window, held there: the eleven sends all fall in it.
    frozen = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 1_000);
    try {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof as>> | undefined;
      for (let i = 0; i < 11; i++) {
        last = await as(tester, 'POST', '/v1/templates/test-send', { subject: `Try ${i}`, html: '<p>x</p>', to: 'tess@shop.example' });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([...Array(10).fill(200), 429]);
      expect(last!.body.error.code).toBe('too_many_test_sends');
      expect(last!.headers.get('retry-after')).toBe('59');
      expect(sink.mailbox('tess@shop.example').length).toBe(10);
      // Another user's budget is their own.
      expect((await as(marketer, 'POST', '/v1/templates/test-send', { ...DRAFT, to: 'mia@shop.example' })).status).toBe(200);
    } finally {
      frozen = undefined;
    }
  });
});
