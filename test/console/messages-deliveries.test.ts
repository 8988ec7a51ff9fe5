/**
 * Messages → Deliveries in Debian's Chromium, on the real servers: journeys send to a real
 * SMTP sink (sent), to an address the sink refuses (a bounce), with a template that does
 * not exist (failed), and a person unsubscribes through their e-mail's link. The chart
 * shows each; the list filters by journey and status (kept in the URL), a row opens to its
 * status history, and the person links to their page. Screenshots go to docs/images/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRequest } from '../../src/model.js';
import { collectPageErrors, launchBrowser, newContext, screenshot } from '../support/browser.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const RULES = `
consent email_marketing "E-mail marketing" {}

journey welcome {
  when performed "Signed Up"
  requires consent email_marketing
  reentry always
  send email "welcome"
}

journey receipt {
  when performed "Order Completed"
  operational
  reentry always
  send email "receipt"
}

journey win_back {
  when performed "Ping"
  operational
  reentry always
  send email "win_back_missing"
}
`;
const PASSWORD = 'a long enough passphrase 42';
const DAY_MS = 86_400_000;
const FINAL = ['sent', 'failed', 'skipped', 'not-configured'];

let itinera: TestItinera;
let sink: SmtpSink;
let browser: Browser;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const ids = new Map<string, string>();

async function person(userId: string, email: string, consent = false): Promise<void> {
  if (consent)
    expect(
      (await send(itinera.baseUrl, 'POST', '/v1/consents', { ...write, json: { userId, purpose: 'email_marketing', state: 'granted' } }))
        .status,
    ).toBe(200);
  expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { ...write, json: { userId, traits: { email } } })).status).toBe(200);
  ids.set(userId, (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id as string);
}
const track = async (userId: string, event: string) =>
  expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId, event } })).status).toBe(200);

beforeAll(async () => {
  sink = await startSmtpSink();
  itinera = await startTestItinera('messages_deliveries', { smtp: { url: sink.url, from: 'Shop <news@shop.example>' } });
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  for (const name of ['welcome', 'receipt'])
    expect(
      (
        await send(itinera.baseUrl, 'PUT', `/v1/templates/${name}`, {
          ...admin,
          json: { subject: name, html: '<p>Hello</p>{% if unsubscribe_url %}<a href="{{ unsubscribe_url }}">Unsubscribe</a>{% endif %}' },
        })
      ).status,
    ).toBe(201);
  expect(
    (await send(itinera.baseUrl, 'POST', '/v1/users', { ...admin, json: { name: 'ola', role: 'marketer', password: PASSWORD } })).status,
  ).toBe(201);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
  await sink?.close();
});

describe('Messages → Deliveries', () => {
  it('charts sends, failures, bounces and unsubscribes; filters; opens a history; links the person', { timeout: 240_000 }, async () => {
    await person('ada', 'ada@example.com', true);
    await person('ben', 'ben@example.com');
    await person('bo', 'bounce@example.com');
    await person('lou', 'lou@example.com');
    await track('ada', 'Signed Up');
    await track('ben', 'Order Completed');
    await track('bo', 'Order Completed');
    await track('lou', 'Ping');
    await eventually(async () => {
      const { deliveries } = (await send(itinera.baseUrl, 'GET', '/v1/deliveries', admin)).body;
      return deliveries.length === 4 && deliveries.every((d: { status: string }) => FINAL.includes(d.status));
    }, 90_000);
    // Ada unsubscribes through her e-mail's link.
    const link = /^<([^>]+)>$/.exec(sink.mailbox('ada@example.com')[0]!.headers.get('list-unsubscribe') ?? '')?.[1];
    const posted = await fetch(`${itinera.baseUrl}${new URL(link!).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(posted.status).toBe(200);
    // Earlier days' receipts, recorded as a send records them, so the chart has a history.
    for (let day = 1; day <= 12; day++) {
      for (let n = 0; n < ((day * 7) % 5) + 1; n++) {
        const at = new Date(Date.now() - day * DAY_MS - n * 60_000);
        const request: MessageRequest = {
          key: `history:${day}:${n}`,
          profileId: ids.get('ben')!,
          channel: 'email',
          name: 'receipt',
          with: {},
          journey: 'receipt',
          rulesVersion: 1,
          step: '0',
        };
        await itinera.runtime.stores.deliveries.advance(request, { status: 'sending', at });
        await itinera.runtime.stores.deliveries.advance(request, {
          status: day % 4 === 0 && n === 0 ? 'failed' : 'sent',
          at,
          detail: 'smtp 250',
        });
      }
    }

    const context = await newContext(browser, itinera.baseUrl);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto('/console/messages/deliveries');
    await page.getByLabel('User name').fill('ola');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Deliveries' }).waitFor();

    // The chart: today one send each for Ada and Ben, Bo's bounce, Lou's failure, Ada's unsubscribe.
    const today = new Date().toISOString().slice(0, 10);
    const figure = page.getByRole('figure', { name: 'All messages: messages per day' });
    await figure.waitFor();
    expect(await figure.getByRole('row', { name: new RegExp(`^${today}`) }).textContent()).toBe(`${today}2111`);
    expect(await figure.locator('canvas').count()).toBeGreaterThan(0);

    const table = page.getByRole('table', { name: 'Messages', exact: true });
    const rows = () => table.locator('tbody > tr:not(.deliveries-history-row)');
    await expect.poll(() => rows().count()).toBe(25);

    // Filter by journey and status: the URL keeps them.
    const filters = page.getByRole('form', { name: 'Filter the messages' });
    await filters.getByLabel('Journey').selectOption('receipt');
    await filters.getByLabel('Status').selectOption('bounced');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().textContent()).toContain('bounce@example.com');
    expect(await rows().first().locator('.deliveries-badge').textContent()).toBe('bounced');
    expect(new URL(page.url()).search).toBe('?journey=receipt&status=bounced');
    await filters.getByLabel('Status').selectOption('failed');
    await filters.getByLabel('Journey').selectOption('win_back');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().textContent()).toContain('template missing');
    // The chart follows the journey.
    await page.getByRole('figure', { name: 'Journey win_back: messages per day' }).waitFor();

    // Ada's message opens to its history, unsubscribe included.
    await filters.getByLabel('Journey').selectOption('welcome');
    await filters.getByLabel('Status').selectOption('');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows().count()).toBe(1);
    await page.getByRole('button', { name: 'History of the welcome message to ada@example.com' }).click();
    const history = page.getByRole('list', { name: /^Status history of / });
    await expect
      .poll(() => history.locator('li').allTextContents())
      .toEqual([
        expect.stringMatching(/^sending /),
        expect.stringMatching(/^sent .* · smtp 250$/),
        expect.stringMatching(/^unsubscribed /),
      ]);

    // The whole list with a row open, for the docs.
    await filters.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows().count()).toBe(25);
    await page.getByRole('button', { name: 'History of the receipt message to bounce@example.com' }).click();
    // Tall enough for the chart and the list's first rows, one of them open.
    await page.setViewportSize({ width: 1280, height: 1350 });
    await page.evaluate('window.scrollTo(0, 0)');
    // The chart's legend reads the latest day once the pointer is off it.
    await figure.hover();
    await page.mouse.move(0, 0);
    await screenshot(page, 'messages-deliveries');
    // On a phone, the list (it scrolls sideways within its card).
    await page.setViewportSize({ width: 390, height: 844 });
    // By id: the Messages page's shell has a heading of the same name.
    await page.locator('#deliveries-list-title').scrollIntoViewIfNeeded();
    await page.evaluate('window.scrollBy(0, -60)');
    await screenshot(page, 'messages-deliveries-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Paging goes to older messages and back.
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => page.getByText('Page 2').count()).toBe(1);
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(() => page.getByText('Page 1').count()).toBe(1);

    // The person's link opens their page.
    await table.getByRole('link', { name: 'ada@example.com' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/console/people/${ids.get('ada')}`);
    expect(errors).toEqual([]);
    await context.close();
  });
});
