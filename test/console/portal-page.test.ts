/**
 * The person's privacy page with the shop's branding, in Debian's Chromium on the real
 * servers: an admin sets the shop's name, logo, colours, data protection officer and a few
 * labels on the console's Settings page (an unreadable colour is refused beside its field
 * first); then a person opens their page from a link the shop issued, in Polish, on a
 * phone-sized screen with JavaScript off, reads their data by its labels, their events in
 * Polish, the e-mail they were sent by its subject, turns a consent off and reads that they
 * did it on this page; nothing scrolls sideways. The same page in English on a desktop.
 * Screenshots: docs/images/portal-pl-phone.png, portal-en-desktop.png, console-settings.png and
 * console-settings-phone.png.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext, screenshot, SCREENSHOT_DIR } from '../support/browser.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const PASSWORD = 'a long enough passphrase 42';
const RULES = `
consent newsletter "Newsletter" {}
consent profiling "Personalizacja" {}
journey chapters {
  when performed "Chapter Read"
  requires consent newsletter
  send email "ebook_chapter"
}
`;
const LOGO_URL = 'https://ksiegarnia.example/logo.svg';
/** Served by the browser's own route: the test reaches no other host. */
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><circle cx="48" cy="48" r="46" fill="#7a3e00"/><circle cx="34" cy="42" r="12" fill="#fffdf8"/><circle cx="62" cy="42" r="12" fill="#fffdf8"/><circle cx="34" cy="42" r="5" fill="#222"/><circle cx="62" cy="42" r="5" fill="#222"/><path d="M42 60 L48 70 L54 60 Z" fill="#f2b33d"/></svg>`;

let itinera: TestItinera;
let smtp: SmtpSink;
let browser: Browser;
const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);

beforeAll(async () => {
  smtp = await startSmtpSink();
  itinera = await startTestItinera('portal_page', { smtp: { url: smtp.url, from: 'Księgarnia <sklep@ksiegarnia.example>' } });
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  const template = await api('PUT', '/v1/templates/ebook_chapter', {
    ...admin,
    json: { subject: '{{ traits.first_name }}, czeka na Ciebie kolejny rozdział', html: '<p>Rozdział</p>' },
  });
  expect(template.status).toBe(201);
  expect((await api('POST', '/v1/users', { ...admin, json: { name: 'ada', role: 'admin', password: PASSWORD } })).status).toBe(201);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
  await smtp?.close();
});

async function signIn(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await newContext(browser, itinera.baseUrl);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto('/console/settings');
  await page.getByLabel('User name').fill('ada');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page, errors };
}

/** A person context as a phone or a desktop, JavaScript off, the logo served by the browser. */
async function personContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport, deviceScaleFactor: 1, baseURL: itinera.baseUrl });
  await context.route(LOGO_URL, (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: LOGO }));
  return context;
}

/** Whether anything is wider than the window (the page would scroll sideways). */
const scrollsSideways = (page: Page) =>
  page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth');

describe('the privacy page with the shop’s branding', () => {
  it('is set on the Settings page, an unreadable colour refused beside its field', { timeout: 120_000 }, async () => {
    const { context, page, errors } = await signIn();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).waitFor();
    await page.getByLabel('Shop name', { exact: true }).fill('Księgarnia Pod Sową');
    await page.getByLabel('Logo address', { exact: true }).fill(LOGO_URL);
    await page.getByLabel('Accent colour', { exact: true }).fill('#7a3e00');
    await page.getByLabel('Background colour', { exact: true }).fill('#fffdf8');
    await page.getByLabel('Text colour', { exact: true }).fill('#dddddd');
    await page.getByLabel('E-mail address', { exact: true }).fill('iod@ksiegarnia.example');
    await page.getByLabel('Postal address', { exact: true }).fill('ul. Długa 1\n31-000 Kraków');
    await page.getByRole('button', { name: 'Add trait name' }).click();
    await page.getByLabel('Trait 1', { exact: true }).fill('loyalty_tier');
    await page.getByLabel('English name of loyalty_tier', { exact: true }).fill('Loyalty tier');
    await page.getByLabel('Polish name of loyalty_tier', { exact: true }).fill('Poziom w programie lojalnościowym');
    await page.getByRole('button', { name: 'Add event name' }).click();
    await page.getByLabel('Event 1', { exact: true }).fill('Chapter Read');
    await page.getByLabel('English name of Chapter Read', { exact: true }).fill('You read a chapter');
    await page.getByLabel('Polish name of Chapter Read', { exact: true }).fill('Przeczytano rozdział');
    await page.getByRole('button', { name: 'Save settings' }).click();
    // Pale grey text on cream: refused, said beside the field, nothing stored.
    const refusal = page.locator('#settings-colour-text-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^text #dddddd on background #fffdf8 has a contrast of 1\.\d\d:1/);
    expect(await page.getByLabel('Text colour', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect((await api('GET', '/v1/settings/portal')).body).toEqual({});

    await page.getByLabel('Text colour', { exact: true }).fill('#222222');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const stored = (await api('GET', '/v1/settings/portal')).body;
    expect(stored).toMatchObject({
      shopName: 'Księgarnia Pod Sową',
      logoUrl: LOGO_URL,
      colours: { accent: '#7a3e00', background: '#fffdf8', text: '#222222' },
      dpoContact: { email: 'iod@ksiegarnia.example', postal: 'ul. Długa 1\n31-000 Kraków' },
      labels: {
        traits: { loyalty_tier: { en: 'Loyalty tier', pl: 'Poziom w programie lojalnościowym' } },
        events: { 'Chapter Read': { en: 'You read a chapter', pl: 'Przeczytano rozdział' } },
      },
    });
    const preview = page.getByRole('link', { name: 'See the privacy page as a person sees it' });
    expect(await preview.getAttribute('href')).toBe('/v1/settings/portal/preview?lang=en');
    await page.setViewportSize({ width: 1280, height: 1500 });
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'settings');
    // At a phone's width the form reads in one column: the labels' tables become rows of fields.
    await page.setViewportSize({ width: 390, height: 1400 });
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'settings-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    // The preview opens in a tab of its own, with the session: the shop's page over made-up data.
    const [tab] = await Promise.all([context.waitForEvent('page'), preview.click()]);
    await tab.waitForLoadState();
    expect(await tab.title()).toBe('Your data · Księgarnia Pod Sową');
    expect(await tab.locator('body').innerText()).toContain('Preview with sample data');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a person their page in Polish on a phone, with JavaScript off', { timeout: 120_000 }, async () => {
    const userId = 'czytelniczka-1';
    await api('POST', '/v1/identify', {
      ...writer,
      json: { userId, traits: { email: 'zofia@example.org', first_name: 'Zofia', city: 'Kraków', loyalty_tier: 'złoty' } },
    });
    await api('POST', '/v1/consents', {
      ...writer,
      json: { userId, purpose: 'newsletter', state: 'granted', proof: { method: 'checkbox' } },
    });
    await api('POST', '/v1/track', { ...writer, json: { userId, event: 'Order Completed', properties: { revenue: 42 } } });
    const profile = await eventually(async () => {
      const found = (await api('GET', `/v1/profiles/lookup?userId=${userId}`)).body;
      return found.consents?.newsletter?.state === 'granted' ? found : undefined;
    });
    // Once the newsletter is granted: the chapter's e-mail (the journey requires it) is sent.
    await api('POST', '/v1/track', { ...writer, json: { userId, event: 'Chapter Read', properties: { chapter: 2 } } });
    await eventually(async () => (await itinera.raw.deliveries.findOne({ profileId: profile.id, status: 'sent' })) ?? undefined, 60_000);
    const issued = await api('POST', '/v1/privacy/portal-links', { ...admin, json: { userId, lang: 'pl' } });
    expect(issued.status).toBe(201);

    const context = await personContext({ width: 390, height: 844 });
    const page = await context.newPage();
    const response = await page.goto(issued.body.url);
    expect(response?.status()).toBe(200);
    expect(await page.locator('html').getAttribute('lang')).toBe('pl');
    expect(await page.title()).toBe('Twoje dane · Księgarnia Pod Sową');
    expect(await page.locator('header .shop').textContent()).toBe('Księgarnia Pod Sową');
    const logo = page.getByRole('img', { name: 'Księgarnia Pod Sową' });
    expect(await logo.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0)).toBe(true);
    expect(await page.locator('script').count()).toBe(0);

    const details = page.getByRole('table', { name: 'Co o Tobie wiemy' });
    const detailsText = await details.innerText();
    for (const label of ['Poziom w programie lojalnościowym', 'Imię', 'Miasto', 'Adres e-mail']) expect(detailsText).toContain(label);
    expect(detailsText).not.toContain('first_name');
    expect(detailsText).not.toContain('loyalty_tier');
    const activity = await page.getByRole('table', { name: 'Ostatnia aktywność' }).innerText();
    for (const name of ['Przeczytano rozdział', 'Złożono zamówienie', 'Zaktualizowano Twoje dane', 'Udzielono zgody'])
      expect(activity).toContain(name);
    expect(activity).not.toMatch(/identify|Order Completed|Chapter Read/);
    const messages = await page.getByRole('table', { name: 'Wiadomości, które Ci wysłaliśmy' }).innerText();
    expect(messages).toContain('Zofia, czeka na Ciebie kolejny rozdział');
    expect(messages).toContain('Wysłana');
    expect(messages).not.toContain('ebook_chapter');
    expect(await page.locator('footer').innerText()).toContain('iod@ksiegarnia.example');

    // The person turns the newsletter off here; the history says who did it, in their words.
    await page
      .locator('form', { has: page.locator('input[name="purpose"][value="newsletter"]') })
      .getByRole('button', { name: 'Wyłącz' })
      .click();
    await page.waitForURL(/#choices$/);
    expect(await page.locator('[data-purpose="newsletter"]').textContent()).toBe('Wyłączona');
    const history = await page.getByRole('table', { name: 'Historia Twoich zgód' }).innerText();
    expect(history).toContain('Ty, na tej stronie');
    expect(history).toContain('Ty, w formularzu na naszej stronie lub w aplikacji');
    expect(history).not.toContain('przez nasze systemy');

    expect(await scrollsSideways(page)).toBe(false);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'portal-pl-phone.png'), fullPage: true });

    // The same page in English on a desktop.
    const desktop = await personContext({ width: 1280, height: 900 });
    const wide = await desktop.newPage();
    await wide.goto(`${issued.body.url}?lang=en`);
    const text = await wide.locator('body').innerText();
    for (const words of ['Loyalty tier', 'First name', 'You read a chapter', 'You placed an order', 'You, on this page'])
      expect(text).toContain(words);
    expect(await scrollsSideways(wide)).toBe(false);
    await wide.screenshot({ path: join(SCREENSHOT_DIR, 'portal-en-desktop.png'), fullPage: true });
    await desktop.close();
    await context.close();
  });
});
