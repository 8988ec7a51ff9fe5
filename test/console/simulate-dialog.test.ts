/**
 * "Simulate" on the Rules page, in a real browser (Debian's Chromium through playwright-core)
 * on the real servers: a marketer opens the active e-book program, asks what ebook_drip would
 * do for a made-up reader, and reads five chapters a day apart with their rendered subjects,
 * the chapter tags swapped and taken away at the end; without the consent the run is
 * refused, and a draft with an error is not simulated. A viewer gets no Simulate button.
 * Screenshot: docs/images/console-simulate.png.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext, screenshot } from '../support/browser.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const EBOOK = readFileSync(new URL('../../examples/ebook.itn', import.meta.url), 'utf8');
const MARKETER = { name: 'sim', password: 'simulate before deploy', role: 'marketer' };
const VIEWER = { name: 'vera', password: 'only looking 2026', role: 'viewer' };
const admin = { auth: bearer(ADMIN_KEY) };

let itinera: TestItinera;
let browser: Browser;
let page: Page;
let errors: string[];

async function signIn(target: Page, user: { name: string; password: string }) {
  await target.goto('/console/rules');
  await target.getByLabel('User name').fill(user.name);
  await target.getByLabel('Password').fill(user.password);
  await target.getByRole('button', { name: 'Sign in' }).click();
  await target.getByRole('heading', { name: 'Rules', level: 1 }).waitFor();
}

beforeAll(async () => {
  itinera = await startTestItinera('console_simulate', { runWorker: true });
  for (const user of [MARKETER, VIEWER])
    expect((await send(itinera.baseUrl, 'POST', '/v1/users', { ...admin, json: user })).status).toBe(201);
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: EBOOK })).status).toBe(200);
  const chapter = { subject: 'Chapter {{ with.chapter }}, {{ traits.first_name }}', html: '<p>Chapter {{ with.chapter }}</p>' };
  expect((await send(itinera.baseUrl, 'PUT', '/v1/templates/ebook_chapter', { ...admin, json: chapter })).status).toBe(201);
  browser = await launchBrowser();
  page = await (await newContext(browser, itinera.baseUrl)).newPage();
  errors = collectPageErrors(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
});

const timelineRows = () => page.getByRole('table', { name: 'Timeline' }).getByRole('row');

describe('Simulate on the Rules page', () => {
  it('shows what the e-book drip would do for a made-up reader: five chapters a day apart, and no chapter tag left', async () => {
    await signIn(page, MARKETER);
    await page.getByRole('button', { name: 'Simulate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Simulate a journey' });
    await dialog.getByLabel('Journey', { exact: true }).selectOption('ebook_drip');
    await dialog.getByLabel('Traits (JSON)').fill('{"email": "ada@example.com", "first_name": "Ada"}');
    expect(await dialog.getByRole('checkbox', { name: 'email_marketing' }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Run the simulation' }).click();
    // The first simulation starts the simulation's own Temporal server: give it time.
    await dialog.getByRole('table', { name: 'Timeline' }).waitFor({ timeout: 60_000 });

    const sends = timelineRows().filter({ hasText: 'send email ebook_chapter' });
    await expect.poll(() => sends.count()).toBe(5);
    const cells = await Promise.all((await sends.all()).map((row) => row.getByRole('cell').allTextContents()));
    expect(cells.map(([when]) => when)).toEqual(['day 0 00:00', 'day 1 00:00', 'day 2 00:00', 'day 3 00:00', 'day 4 00:00']);
    expect(cells.map(([, what]) => what)).toEqual([1, 2, 3, 4, 5].map((n) => `send email ebook_chapter  "Chapter ${n}, Ada"`));
    await expect.poll(() => timelineRows().filter({ hasText: 'untag 5rozdz1ebook' }).count()).toBeGreaterThan(0);
    const status = dialog.getByRole('status').filter({ hasText: 'Outcome' });
    expect(await status.textContent()).toContain('Outcome: completed');
    expect(await status.textContent()).toContain('tags at the end: ebook_completed');
    await screenshot(page, 'simulate');
  });

  it('refuses a reader without the consent, saying why', async () => {
    const dialog = page.getByRole('dialog', { name: 'Simulate a journey' });
    await dialog.getByRole('checkbox', { name: 'email_marketing' }).uncheck();
    await dialog.getByRole('button', { name: 'Run the simulation' }).click();
    await expect
      .poll(async () => (await dialog.getByRole('status').filter({ hasText: 'Outcome' }).textContent()) ?? '')
      .toContain('no-consent');
    expect(await timelineRows().filter({ hasText: 'refused' }).count()).toBe(1);
    expect(await timelineRows().filter({ hasText: 'send email' }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(errors).toEqual([]);
  });

  it('gives a viewer no Simulate button, and the server refuses them', async () => {
    const viewerPage = await (await newContext(browser, itinera.baseUrl)).newPage();
    await signIn(viewerPage, VIEWER);
    await viewerPage.getByRole('toolbar', { name: 'Draft' }).waitFor();
    expect(await viewerPage.getByRole('button', { name: 'Simulate' }).count()).toBe(0);
    // With the session's CSRF token, as the console sends it: refused for the role, not the request.
    const refused = await viewerPage.evaluate(async (source) => {
      const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const response = await fetch('/v1/journeys/simulate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ source, journey: 'ebook_drip' }),
      });
      const body = (await response.json()) as { error?: { code?: string } };
      return { status: response.status, code: body.error?.code };
    }, EBOOK);
    expect(refused).toEqual({ status: 403, code: 'forbidden' });
  });
});
