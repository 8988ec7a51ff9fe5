/**
 * Double opt-in end to end on the dev server: a consent declared with `confirm with email`
 * stays pending after it is given, a confirmation e-mail reaches a real local SMTP server,
 * the signed link's GET changes nothing, its POST grants (and starts the journey that
 * waits for the grant), and a closed request's link confirms nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const DAY = 86_400_000;
const RULES = `
consent newsletter "Newsletter" {
  expires after 365 days
  confirm with email "confirm_newsletter"
}

journey welcome {
  when performed "Consent Granted" where purpose = "newsletter"
  requires consent newsletter
  send email "welcome_news"
}
`;

let itinera: TestItinera;
let sink: SmtpSink;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

beforeAll(async () => {
  sink = await startSmtpSink();
  itinera = await startTestItinera('double-opt-in', { smtp: { url: sink.url, from: 'Shop <news@shop.example>' } });
});
afterAll(async () => {
  await itinera?.close();
  await sink?.close();
});

const request = async (email: string) => {
  const answer = await send(itinera.baseUrl, 'POST', '/v1/consents', {
    ...write,
    json: { email, purpose: 'newsletter', state: 'granted', proof: { method: 'form' } },
  });
  expect(answer.status).toBe(200);
  return answer.body as { recordId: string; state: string };
};
const profileOf = async (email: string) =>
  (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?email=${encodeURIComponent(email)}`, admin)).body.id as string;
const consentsOf = async (profileId: string) => {
  await itinera.runtime.writer.settled();
  return (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/consents`, admin)).body;
};
/** The confirmation links mailed to the address, oldest first, once there are `count`. */
const confirmationLinks = (email: string, count: number) =>
  eventually(async () => {
    const links = sink
      .mailbox(email)
      .filter((mail) => mail.subject === 'Please confirm')
      .map((mail) => /href="([^"]+)"/.exec(mail.html)?.[1]);
    return links.length >= count ? links.map((link) => new URL(link!).pathname) : undefined;
  }, 60_000);
const post = (path: string) =>
  fetch(`${itinera.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });

describe('double opt-in', () => {
  it('warns of a missing confirmation template at deploy', async () => {
    const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES });
    expect(deployed.status).toBe(200);
    expect(deployed.body.warnings).toContainEqual(
      expect.objectContaining({ code: 'template_missing', consent: 'newsletter', template: 'confirm_newsletter' }),
    );
    for (const [name, template] of [
      ['confirm_newsletter', { subject: 'Please confirm', html: '<p>Confirm {{ purpose }}: <a href="{{ confirm_url }}">yes</a></p>' }],
      ['welcome_news', { subject: 'Welcome to the newsletter', html: '<p>Hello</p>' }],
    ] as const) {
      expect((await send(itinera.baseUrl, 'PUT', `/v1/templates/${name}`, { ...admin, json: template })).status).toBe(201);
    }
    const listed = await send(itinera.baseUrl, 'GET', '/v1/templates', admin);
    expect(listed.body.templates.find((t: { name: string }) => t.name === 'confirm_newsletter').usedBy).toEqual(['consent newsletter']);
  });

  it('keeps a grant pending until the person confirms from the e-mail; a GET changes nothing, the POST grants once', async () => {
    const asked = await request('ada@example.com');
    expect(asked.state).toBe('pending');
    const profileId = await profileOf('ada@example.com');
    const pending = await consentsOf(profileId);
    expect(pending.consents.newsletter).toMatchObject({ state: 'pending', granted: false, recordId: asked.recordId });
    expect(pending.history).toEqual([
      expect.objectContaining({ id: asked.recordId, state: 'pending', origin: { kind: 'api', source: 'default' } }),
    ]);
    expect(pending.history[0].expiresAt).toBeUndefined();

    const [path] = await confirmationLinks('ada@example.com', 1);
    expect(path).toMatch(/^\/v1\/confirm\/[\w-]+\.[\w-]+$/);
    const mail = sink.mailbox('ada@example.com')[0]!;
    expect(mail.html).toContain('Confirm newsletter');
    expect(mail.headers.has('list-unsubscribe')).toBe(false);
    const messages = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/messages`, admin)).body.messages;
    expect(messages).toEqual([
      expect.objectContaining({ key: `confirm:${asked.recordId}`, status: 'sent', purpose: 'newsletter', confirms: asked.recordId }),
    ]);

    // A scanner opening the link: a page with a button, nothing recorded.
    const page = await fetch(`${itinera.baseUrl}${path}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect((await consentsOf(profileId)).consents.newsletter.state).toBe('pending');
    expect((await post(`${path!.slice(0, -2)}xx`)).status).toBe(400);

    const clickedAt = Date.now();
    for (let click = 0; click < 2; click++) {
      const confirmed = await post(path!);
      expect(confirmed.status).toBe(200);
      expect(await confirmed.text()).toContain('is confirmed');
    }
    const after = await consentsOf(profileId);
    expect(after.consents.newsletter).toMatchObject({ state: 'granted', granted: true });
    const grants = after.history.filter((record: { state: string }) => record.state === 'granted');
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({
      origin: { kind: 'confirmation', source: 'confirmation' },
      proof: { method: 'double-opt-in', confirms: asked.recordId, message: `confirm:${asked.recordId}` },
      replaces: asked.recordId,
    });
    // The terms start at the confirmation, not at the request.
    expect(new Date(grants[0].expiresAt).getTime()).toBeGreaterThanOrEqual(clickedAt + 365 * DAY - 1000);
    // The journey waiting for the grant starts on the confirmation, not on the request.
    await eventually(
      async () => (sink.mailbox('ada@example.com').some((m) => m.subject === 'Welcome to the newsletter') ? true : undefined),
      60_000,
    );
    expect(
      sink
        .mailbox('ada@example.com')
        .map((m) => m.subject)
        .sort(),
    ).toEqual(['Please confirm', 'Welcome to the newsletter']);
  });

  it('a link confirms nothing once its request is closed: revoked, or asked again', async () => {
    await request('bob@example.com');
    const bob = await profileOf('bob@example.com');
    const [bobLink] = await confirmationLinks('bob@example.com', 1);
    expect(
      (
        await send(itinera.baseUrl, 'POST', '/v1/consents', {
          ...write,
          json: { email: 'bob@example.com', purpose: 'newsletter', state: 'revoked' },
        })
      ).status,
    ).toBe(200);
    await itinera.runtime.writer.settled();
    expect((await fetch(`${itinera.baseUrl}${bobLink}`)).status).toBe(410);
    expect((await post(bobLink!)).status).toBe(410);
    const bobs = await consentsOf(bob);
    expect(bobs.consents.newsletter.state).toBe('revoked');
    expect(bobs.history.map((record: { state: string }) => record.state).sort()).toEqual(['pending', 'revoked']);

    // The second request once the first is mailed (a request closed before its e-mail goes out is never mailed).
    const first = await request('cy@example.com');
    const [firstLink] = await confirmationLinks('cy@example.com', 1);
    const second = await request('cy@example.com');
    const [, secondLink] = await confirmationLinks('cy@example.com', 2);
    expect((await post(firstLink!)).status).toBe(410);
    expect((await post(secondLink!)).status).toBe(200);
    const cys = await consentsOf(await profileOf('cy@example.com'));
    expect(cys.consents.newsletter.state).toBe('granted');
    expect(cys.history.find((record: { state: string }) => record.state === 'granted').proof.confirms).toBe(second.recordId);
    expect(cys.history.filter((record: { id: string }) => record.id === first.recordId)).toHaveLength(1);
  });

  it('an admin records a grant as given, with its reason, and no confirmation is mailed', async () => {
    await send(itinera.baseUrl, 'POST', '/v1/identify', { ...write, json: { userId: 'dee', traits: { email: 'dee@example.com' } } });
    await itinera.runtime.writer.settled();
    const dee = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=dee', admin)).body.id as string;
    const recorded = await send(itinera.baseUrl, 'POST', `/v1/profiles/${dee}/consents`, {
      ...admin,
      json: { purpose: 'newsletter', state: 'granted', reason: 'confirmed by phone, ticket 42' },
    });
    expect(recorded.status).toBe(200);
    expect((await consentsOf(dee)).consents.newsletter.state).toBe('granted');
    // Its welcome is the proof the journey ran; no confirmation went out before it.
    await eventually(async () => (sink.mailbox('dee@example.com').length > 0 ? true : undefined), 60_000);
    expect(sink.mailbox('dee@example.com').map((m) => m.subject)).toEqual(['Welcome to the newsletter']);
  });
});
