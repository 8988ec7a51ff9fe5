/**
 * The person's privacy page on the real servers, in a real browser (Debian's Chromium
 * driven by playwright-core, JavaScript off: the page must not need it): a link issued by
 * the shop's back end opens the page in Polish, the person turns a consent off (ledger
 * origin `portal`), downloads their export once, and asks to be forgotten, ticking the
 * confirmation first; the erasure's page then shows a receipt that verifies. Over HTTP:
 * asking for a link by e-mail mails it to a real SMTP server when the address is known and
 * answers the same when it is not, attempts are limited, and bad links say why.
 */
import { createPublicKey, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RULES = `
consent newsletter "Newsletter" {}
consent profiling "Personalisation" {}
`;
let itinera: TestItinera;
let smtp: SmtpSink;
let browser: Browser;
/** The runtime's clock runs this far ahead of real time (a link's expiry, without waiting). */
let shiftMs = 0;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  smtp = await startSmtpSink();
  itinera = await startTestItinera('portal', {
    smtp: { url: smtp.url, from: 'Shop <privacy@shop.example>' },
    now: () => new Date(Date.now() + shiftMs),
  });
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
  await smtp?.close();
});

/** A person with identifiers, traits, a consent and some activity. */
async function person(userId: string, email: string) {
  await api('POST', '/v1/identify', { ...write, json: { userId, traits: { email, first_name: 'Zofia', city: 'Kraków' } } });
  await api('POST', '/v1/consents', { ...write, json: { userId, purpose: 'newsletter', state: 'granted' } });
  await api('POST', '/v1/track', { ...write, json: { userId, event: 'Order Completed', properties: { revenue: 42 } } });
  return eventually(async () => {
    const found = (await api('GET', `/v1/profiles/lookup?userId=${userId}`)).body;
    return found.consents?.newsletter?.state === 'granted' ? found : undefined;
  });
}

const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  contentType: 'application/x-www-form-urlencoded',
});

describe('the privacy page in Chromium', () => {
  it('opens from an issued link, turns a consent off, downloads the export once, and erases the person with a receipt', async () => {
    const profile = await person('portal-1', 'zofia@example.org');
    const issued = await api('POST', '/v1/privacy/portal-links', { ...admin, json: { userId: 'portal-1', lang: 'pl' } });
    expect(issued.status).toBe(201);
    expect(issued.body.url).toContain('/v1/portal/');
    expect(new Date(issued.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    const context = await browser.newContext({ javaScriptEnabled: false, acceptDownloads: true });
    const page = await context.newPage();
    const response = await page.goto(issued.body.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    expect(await page.locator('h1').textContent()).toBe('Twoje dane');
    expect(await page.locator('html').getAttribute('lang')).toBe('pl');
    const text = await page.locator('body').innerText();
    for (const held of ['portal-1', 'zofia@example.org', 'Kraków', 'Newsletter', 'Złożono zamówienie']) expect(text).toContain(held);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('[data-purpose="newsletter"]').textContent()).toBe('Włączona');

    // Turn the newsletter off.
    await page
      .locator('form', { has: page.locator('input[name="purpose"][value="newsletter"]') })
      .getByRole('button', { name: 'Wyłącz' })
      .click();
    await page.waitForURL(/#choices$/);
    expect(await page.locator('[data-purpose="newsletter"]').textContent()).toBe('Wyłączona');
    const after = (await api('GET', `/v1/profiles/${profile.id}`)).body;
    expect(after.consents.newsletter.state).toBe('revoked');
    const history = (await api('GET', `/v1/profiles/${profile.id}/consents`)).body.history as {
      state: string;
      origin: { kind: string };
      proof: { method: string; userAgent?: string };
    }[];
    expect(history.map((record) => record.state)).toEqual(['revoked', 'granted']);
    expect(history[0]).toMatchObject({
      origin: { kind: 'portal' },
      proof: { method: 'portal', userAgent: expect.stringContaining('Chrome') },
    });
    // The history of choices shows both, in Polish.
    expect(await page.locator('body').innerText()).toContain('na tej stronie');

    // The export: prepared by a workflow (the page reloads itself), downloaded once.
    await page.getByRole('button', { name: 'Przygotuj plik do pobrania' }).click();
    const downloadLink = page.getByRole('link', { name: 'Pobierz moje dane' });
    await downloadLink.waitFor({ timeout: 30_000 });
    const href = await downloadLink.getAttribute('href');
    const [download] = await Promise.all([page.waitForEvent('download'), downloadLink.click()]);
    const bundle = JSON.parse(await readFile((await download.path())!, 'utf8'));
    expect(bundle).toMatchObject({ type: 'itinera.export', profile: { id: profile.id, traits: { email: 'zofia@example.org' } } });
    expect(bundle.consentLedger.map((record: { state: string }) => record.state)).toEqual(['granted', 'revoked']);
    expect((await fetch(`${itinera.baseUrl}${href}`)).status).toBe(410);

    // Forget me: nothing is erased until the box is ticked.
    await page.goto(issued.body.url);
    await page.getByRole('link', { name: 'Usuń moje dane…' }).click();
    expect(await page.locator('h1').textContent()).toBe('Usunąć wszystkie Twoje dane?');
    const refused = await api('POST', `/v1/portal/${issued.body.url.split('/v1/portal/')[1]}/erase`, { ...form({ lang: 'pl' }) });
    expect(refused.status).toBe(400);
    expect((await api('GET', `/v1/profiles/${profile.id}`)).status).toBe(200);
    await page.getByLabel('Rozumiem, że tej operacji nie można cofnąć').check();
    await page.getByRole('button', { name: 'Usuń moje dane' }).click();
    await page.getByText('Twoje dane zostały usunięte').waitFor({ timeout: 60_000 });
    const signed = JSON.parse((await page.locator('pre').textContent()) ?? '{}') as { receipt: string; signature: string };
    const pem = await (await fetch(`${itinera.baseUrl}/v1/receipt-key`)).text();
    expect(verify(null, Buffer.from(signed.receipt), createPublicKey(pem), Buffer.from(signed.signature, 'base64'))).toBe(true);
    expect(signed.receipt).not.toContain('portal-1');
    expect(signed.receipt).not.toContain('zofia');
    await context.close();

    // Nothing is held any more: the person is gone, their link says so, and the audit knows it came from the page.
    expect((await api('GET', '/v1/profiles/lookup?userId=portal-1')).status).toBe(404);
    expect((await fetch(issued.body.url)).status).toBe(410);
    const audit = (await api('GET', '/v1/audit?kind=erasure.requested')).body.entries as { actor: string; detail: { by: string } }[];
    expect(audit.some((entry) => entry.actor === 'portal' && entry.detail.by === 'portal')).toBe(true);
  }, 180_000);
});

describe('asking for the privacy page by e-mail', () => {
  it('mails a link for a known address and answers the same for an unknown one', async () => {
    const profile = await person('portal-2', 'adam@example.org');
    const known = await api('POST', '/v1/portal', form({ email: 'Adam@Example.org', lang: 'en' }));
    const unknown = await api('POST', '/v1/portal', form({ email: 'nobody@example.org', lang: 'en' }));
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toBe(known.body);

    const mail = await eventually(async () => smtp.mailbox('adam@example.org')[0]);
    expect(mail.subject).toBe('Your privacy page');
    const link = /https?:\/\/\S+\/v1\/portal\/([\w.-]+)/.exec(mail.text)?.[1];
    expect(link).toBeDefined();
    const opened = await fetch(`${itinera.baseUrl}/v1/portal/${link}`);
    expect(opened.status).toBe(200);
    const html = await opened.text();
    expect(html).toContain('adam@example.org');
    expect(html).toContain('<h1>Your data</h1>');
    expect(html).toContain(profile.traits.first_name);
    expect(smtp.mailbox('nobody@example.org')).toEqual([]);

    // A mailed link lasts an hour.
    shiftMs = 61 * 60_000;
    try {
      expect((await fetch(`${itinera.baseUrl}/v1/portal/${link}`)).status).toBe(410);
    } finally {
      shiftMs = 0;
    }
  }, 60_000);

  it('limits attempts per address, whether it is known or not', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await api('POST', '/v1/portal', form({ email: 'limited@example.org' }))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('refuses what is not an address, an altered link, and an unknown person, saying why', async () => {
    expect((await api('POST', '/v1/portal', form({ email: 'not-an-address' }))).status).toBe(400);
    const issued = await api('POST', '/v1/privacy/portal-links', { ...admin, json: { userId: 'portal-2' } });
    const altered = `${issued.body.url.slice(0, -2)}xx`;
    const response = await fetch(altered);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('This link is not valid');
    expect((await api('POST', '/v1/privacy/portal-links', { ...admin, json: { userId: 'nobody' } })).status).toBe(404);
    const twoIds = await api('POST', '/v1/privacy/portal-links', { ...admin, json: { userId: 'portal-2', email: 'adam@example.org' } });
    expect(twoIds).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    const tooLong = await api('POST', '/v1/privacy/portal-links', { ...admin, json: { userId: 'portal-2', expiresInHours: 1000 } });
    expect(tooLong.status).toBe(400);
    // Without the admin key, no link.
    expect((await api('POST', '/v1/privacy/portal-links', { json: { userId: 'portal-2' } })).status).toBe(401);
  });
});
