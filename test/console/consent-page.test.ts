/**
 * The console's Consent page in Debian's Chromium, on the real servers: people grant, deny
 * and revoke over the API; a privacy officer sees the counts now and per day on the chart,
 * filters the ledger by kind and person, pages it, downloads what the filters match as CSV, and finds and
 * repairs a profile whose projection no longer matches its ledger. Screenshots go to
 * docs/images/ (docs/console.md).
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext, screenshot } from '../support/browser.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const RULES = `
consent email_marketing "E-mail news" {}
consent sms "Text messages" {}
journey hello { when performed "Signed Up" tag "hi" }
`;
const PASSWORD = 'a long enough passphrase 42';
const REFRESH_TIMEOUT = 15_000;
const DAY_MS = 24 * 3600 * 1000;

let itinera: TestItinera;
let browser: Browser;
const admin = { auth: bearer(ADMIN_KEY) };

async function consent(userId: string, purpose: string, state: string, at = Date.now()): Promise<void> {
  const answer = await send(itinera.baseUrl, 'POST', '/v1/consents', {
    auth: basicAuth(WRITE_KEY),
    json: { userId, purpose, state, timestamp: new Date(at).toISOString() },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

const profileIdOf = (userId: string) =>
  eventually(
    async () => (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body?.id as string | undefined,
  );

async function signIn(name: string, path: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await newContext(browser, itinera.baseUrl);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(path);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page, errors };
}

const cell = (page: Page, row: RegExp, column: number) =>
  page.getByRole('table', { name: 'Consent now' }).getByRole('row', { name: row }).locator('td').nth(column).textContent();
const ledgerRows = (page: Page) => page.getByRole('table', { name: 'Ledger records' }).locator('tbody tr').count();

beforeAll(async () => {
  itinera = await startTestItinera('consent_page');
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  const created = await send(itinera.baseUrl, 'POST', '/v1/users', {
    ...admin,
    json: { name: 'pia', role: 'privacy', password: PASSWORD },
  });
  expect(created.status).toBe(201);
  expect(
    (await send(itinera.baseUrl, 'POST', '/v1/users', { ...admin, json: { name: 'mara', role: 'marketer', password: PASSWORD } })).status,
  ).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
});

describe('the Consent page', () => {
  it('shows counts now and over time, filters and downloads the ledger, verifies and repairs', { timeout: 180_000 }, async () => {
    await consent('ann', 'email_marketing', 'granted', Date.now() - DAY_MS);
    await consent('ann', 'email_marketing', 'revoked');
    await consent('bob', 'email_marketing', 'granted');
    await consent('cid', 'email_marketing', 'denied');
    await consent('dee', 'email_marketing', 'granted');
    await consent('dee', 'sms', 'granted');
    const ann = await profileIdOf('ann');
    const bob = await profileIdOf('bob');

    const { context, page, errors } = await signIn('pia', '/console/consent');
    await page.getByRole('heading', { name: 'Consent', level: 1 }).waitFor();
    // Now: granted (bob, dee), denied (cid), revoked (ann).
    await expect.poll(() => cell(page, /E-mail news/, 0), { timeout: REFRESH_TIMEOUT }).toBe('2');
    expect(await cell(page, /E-mail news/, 1)).toBe('1');
    expect(await cell(page, /E-mail news/, 2)).toBe('1');
    expect(await cell(page, /Text messages/, 0)).toBe('1');

    // Over time: the records of each day, yesterday's grant apart from today's.
    const figure = page.getByRole('figure', { name: 'E-mail news: records per day' });
    await figure.waitFor();
    await expect
      .poll(() => figure.locator('.dash-chart-note').textContent(), { timeout: REFRESH_TIMEOUT })
      .toContain('3 granted · 1 denied · 1 revoked · 0 pending');
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
    expect(await figure.getByRole('row', { name: new RegExp(`^${today}`) }).textContent()).toBe(`${today}2110`);
    expect(await figure.getByRole('row', { name: new RegExp(`^${yesterday}`) }).textContent()).toBe(`${yesterday}1000`);
    expect(await figure.locator('canvas').count()).toBeGreaterThan(0);

    // The ledger: every record, then only grants, then one person's.
    await expect.poll(() => ledgerRows(page), { timeout: REFRESH_TIMEOUT }).toBe(6);
    const filters = page.getByRole('form', { name: 'Filter the ledger' });
    await filters.getByLabel('Kind').selectOption('granted');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => ledgerRows(page)).toBe(4);
    await filters.getByLabel('Purpose').selectOption('email_marketing');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => ledgerRows(page)).toBe(3);
    await filters.getByLabel('Kind').selectOption('');
    await filters.getByLabel('Person').fill(ann);
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => ledgerRows(page)).toBe(2);
    const kinds = await page.getByRole('table', { name: 'Ledger records' }).locator('.consent-state').allTextContents();
    expect(kinds).toEqual(['revoked', 'granted']);

    // The download is every record the filters match, in the API's columns, oldest first.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('consent-ledger.csv');
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(/^record_id,profile_id,purpose,state,at,/);
    expect(lines.slice(1).map((line) => line.split(',').slice(1, 4).join(','))).toEqual([
      `${ann},email_marketing,granted`,
      `${ann},email_marketing,revoked`,
    ]);
    await filters.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => ledgerRows(page)).toBe(6);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'consent');

    // Paged by the server: 25 more records, then 25 a page, newest first, and back.
    await Promise.all(Array.from({ length: 25 }, (_, i) => consent(`pg-${i}`, 'sms', 'granted', Date.now() - 3 * DAY_MS - i * 60_000)));
    await eventually(async () => (await itinera.raw.consentLedger.countDocuments({})) === 31);
    await page.reload();
    await expect.poll(() => ledgerRows(page), { timeout: REFRESH_TIMEOUT }).toBe(25);
    const pager = page.getByRole('navigation', { name: 'Ledger pages' });
    expect(await pager.textContent()).toContain('Page 1');
    await pager.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => ledgerRows(page)).toBe(6);
    // The oldest: the 25 grants of three days ago and more, after today's and yesterday's.
    expect(await page.getByRole('table', { name: 'Ledger records' }).locator('tbody td:nth-child(2)').allTextContents()).toEqual(
      Array(6).fill('sms'),
    );
    expect(await pager.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await pager.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => ledgerRows(page)).toBe(25);

    // A projection that no longer says what the ledger says: found, then repaired.
    await itinera.raw.profiles.updateOne({ _id: bob }, { $set: { 'consents.email_marketing.state': 'denied' } });
    await page.getByRole('button', { name: 'Check projections' }).click();
    const result = page.getByRole('status', { name: 'Verification result' });
    await expect.poll(() => result.textContent()).toContain('1 profile disagrees.');
    expect(await result.getByRole('list', { name: 'Disagreeing profiles' }).textContent()).toBe(bob);
    await page.getByRole('button', { name: 'Repair 1' }).click();
    await expect.poll(() => result.textContent()).toContain('1 profile disagrees, repaired.');
    expect((await itinera.raw.profiles.findOne({ _id: bob }))?.consents.email_marketing?.state).toBe('granted');
    await page.getByRole('button', { name: 'Check projections' }).click();
    await expect.poll(() => result.textContent()).toContain('every projection agrees with the ledger');

    // At a phone's width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'consent-phone');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('is not offered to a marketer, and the API refuses them', { timeout: 60_000 }, async () => {
    const { context, page } = await signIn('mara', '/console/segments');
    await page.getByRole('heading', { name: 'Segments' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Consent' }).count()).toBe(0);
    const status = await page.evaluate(async () => (await fetch('/v1/consent-stats')).status);
    expect(status).toBe(403);
    await context.close();
  });
});
