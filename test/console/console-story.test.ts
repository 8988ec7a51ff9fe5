/**
 * The whole story in Debian's Chromium (playwright-core), on the real servers, as a
 * new shop would live it: an admin signs in and creates a marketer in the console; the
 * marketer writes the e-book program in the editor, meets a diagnostic as they type, fixes
 * it, reads the deploy summary (a template missing) and deploys; a reader's consent and
 * sign-up arrive over HTTP, and without a reload the segment's size and chart move and the
 * journey's diagram counts the reader on the steps inside its `for` loop; the marketer rolls
 * back. Then what the server refuses, whatever the page shows: a viewer's deploy (403), a
 * forged cross-site POST from another site's page (403, nothing changed), and a session past
 * its lifetime (back to sign-in).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext, screenshot } from '../support/browser.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const ADMIN = { name: 'ada', password: 'admin passphrase of the shop', role: 'admin' };
const MARKETER = { name: 'marta', password: 'marketing passphrase 2026', role: 'marketer' };
const VIEWER = { name: 'wiktor', password: 'viewer passphrase 2026', role: 'viewer' };
const HOUR = 3_600_000;

let itinera: TestItinera;
let browser: Browser;
/** Added to the server's clock to move past a session's lifetime. */
let clockOffsetMs = 0;
let ebook: string;

async function signIn(page: Page, user: { name: string; password: string }) {
  await page.goto('/console/');
  await page.getByLabel('User name').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

beforeAll(async () => {
  itinera = await startTestItinera('console_story', { now: () => new Date(Date.now() + clockOffsetMs) });
  ebook = await readFile(join(import.meta.dirname, '..', '..', 'examples', 'ebook.itn'), 'utf8');
  const admin = await send(itinera.baseUrl, 'POST', '/v1/users', { auth: bearer(ADMIN_KEY), json: ADMIN });
  expect(admin.status, JSON.stringify(admin.body)).toBe(201);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
});

describe('a marketer, from an empty console to a journey running', () => {
  let page: Page;
  let errors: string[];

  it('an admin creates the marketer in the console', async () => {
    const context = await newContext(browser, itinera.baseUrl);
    const adminPage = await context.newPage();
    await signIn(adminPage, ADMIN);
    await nav(adminPage, 'Users');
    await adminPage.getByLabel('User name').fill(MARKETER.name);
    await adminPage.getByLabel('Role').selectOption('marketer');
    await adminPage.getByLabel('Password').fill(MARKETER.password);
    await adminPage.getByRole('button', { name: 'Add user' }).click();
    await adminPage.getByRole('row').filter({ hasText: MARKETER.name }).filter({ hasText: 'marketer' }).waitFor();
    await screenshot(adminPage, 'users');
    await context.close();
    const audit = await send(itinera.baseUrl, 'GET', '/v1/audit?kind=user.created', { auth: bearer(ADMIN_KEY) });
    expect(audit.body.entries).toContainEqual(expect.objectContaining({ actor: `user:${ADMIN.name}`, kind: 'user.created' }));
  });

  it('the marketer writes the e-book program, sees a mistake as they type, and fixes it', async () => {
    const context = await newContext(browser, itinera.baseUrl);
    page = await context.newPage();
    errors = collectPageErrors(page);
    await signIn(page, MARKETER);
    await nav(page, 'Rules');
    const editor = page.getByRole('textbox', { name: 'Rules' });
    await editor.click();
    await page.keyboard.insertText(ebook);
    // No errors; once the data catalogue has loaded, the templates the e-book sends and this
    // empty server lacks are warned about (ITN2004), so "no problems" may be "N warnings".
    const noErrors = page.getByRole('heading', { name: /^(No problems|\d+ warnings?)\b/ });
    await noErrors.waitFor();
    // A journey whose keyword is misspelt, typed at the end.
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\njurney');
    const problem = page.getByRole('list', { name: 'Problems' }).getByRole('listitem').filter({ hasText: 'ITN1103' });
    await problem.waitFor();
    const lastLine = ebook.split('\n').length + 1;
    expect(await problem.textContent()).toContain(`${lastLine}:1`);
    for (let i = 0; i < 'jurney'.length + 1; i++) await page.keyboard.press('Backspace');
    await noErrors.waitFor();
    await problem.waitFor({ state: 'detached' });
  });

  it('reads the summary (segments, journeys, a missing template) and deploys', async () => {
    await page.getByRole('button', { name: 'Review and deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Review and deploy' });
    for (const segment of ['mid_ebook', 'finished_ebook', 'big_basket']) {
      await dialog.getByRole('row').filter({ hasText: segment }).filter({ hasText: 'added' }).waitFor();
    }
    await dialog.getByRole('row').filter({ hasText: 'ebook_drip' }).filter({ hasText: 'added' }).waitFor();
    // The chapter's template is missing: one warning, though the loop sends it five times.
    await dialog.getByText('no template "ebook_chapter"').first().waitFor();
    expect(await dialog.getByText('no template "ebook_chapter"').count()).toBe(1);
    await dialog.getByLabel('Note').fill('The e-book campaign');
    await screenshot(page, 'story-deploy-summary');
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await page.getByRole('status').filter({ hasText: 'Deployed as version 1.' }).waitFor();
    const active = await send(itinera.baseUrl, 'GET', '/v1/rules', { auth: bearer(ADMIN_KEY) });
    expect(active.body).toMatchObject({ version: 1, deployedBy: `user:${MARKETER.name}`, note: 'The e-book campaign' });
  });

  it('sees the segment grow and its chart move without a reload when a reader signs up', async () => {
    await nav(page, 'Segments');
    const row = page.getByRole('row').filter({ hasText: 'mid_ebook' });
    await row.waitFor();
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/ready/);
    expect(await row.textContent()).toMatch(/\b0\b/);

    const consent = await send(itinera.baseUrl, 'POST', '/v1/consents', {
      auth: basicAuth(WRITE_KEY),
      json: {
        userId: 'reader-1',
        purpose: 'email_marketing',
        state: 'granted',
        proof: { method: 'checkbox', text: 'Send me the e-book by e-mail' },
      },
    });
    expect(consent.status, JSON.stringify(consent.body)).toBeLessThan(300);
    const signup = await send(itinera.baseUrl, 'POST', '/v1/track', {
      auth: basicAuth(WRITE_KEY),
      json: { userId: 'reader-1', event: 'Ebook Signup', messageId: 'signup-reader-1' },
    });
    expect(signup.status).toBe(200);

    // The list refreshes itself: the tag "1rozdz1ebook" puts the reader in mid_ebook.
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/\b1\b/);
    await screenshot(page, 'story-segments');
    await row.getByRole('link').first().click();
    await page
      .getByRole('heading', { level: 1 })
      .filter({ hasText: /In the middle of the e-book campaign|mid_ebook/ })
      .waitFor();
    await page.getByRole('figure').first().waitFor();
    await page.getByRole('row').filter({ hasText: 'reader-1' }).waitFor();
  });

  it('sees the journey diagram count the reader on the steps inside the for loop', async () => {
    await nav(page, 'Journeys');
    await page
      .getByRole('link', { name: /ebook_drip|E-book, one chapter a day/ })
      .first()
      .click();
    const diagram = page.getByRole('list', { name: /^Steps of E-book, one chapter a day/ }).first();
    await diagram.waitFor();
    // Chapter 1: sent (or recorded failed: no template yet), tagged, now waiting a day.
    const send1 = diagram.getByRole('listitem', { name: /send email "ebook_chapter"/ }).first();
    await expect.poll(() => send1.getAttribute('aria-label'), { timeout: 30_000 }).toMatch(/reached 1\b.*passed 1\b/);
    const wait = diagram.getByRole('listitem', { name: /wait 1 day/ }).first();
    await expect.poll(() => wait.getAttribute('aria-label'), { timeout: 30_000 }).toMatch(/reached 1\b.*waiting 1\b/);
    await screenshot(page, 'story-journey');
  });

  it('rolls back to an earlier version, with the summary first', async () => {
    const second = await send(itinera.baseUrl, 'PUT', '/v1/rules', {
      auth: bearer(ADMIN_KEY),
      text: `${ebook}\nsegment readers "Readers" { performed "Ebook Signup" }\n`,
    });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    await nav(page, 'Rules');
    await page.getByRole('link', { name: 'Versions' }).click();
    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back to version 1' });
    await dialog.getByRole('row').filter({ hasText: 'readers' }).filter({ hasText: 'removed' }).waitFor();
    await dialog.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.getByRole('status').filter({ hasText: 'version 3 is active' }).waitFor();
    const active = await send(itinera.baseUrl, 'GET', '/v1/rules', { auth: bearer(ADMIN_KEY) });
    expect(active.body).toMatchObject({ version: 3, source: ebook, deployedBy: `user:${MARKETER.name}` });
    expect(errors).toEqual([]);
  });
});

describe('what the server refuses, whatever the page shows', () => {
  it("refuses a viewer's deploy with 403, from the viewer's own signed-in page", async () => {
    const created = await send(itinera.baseUrl, 'POST', '/v1/users', { auth: bearer(ADMIN_KEY), json: VIEWER });
    expect(created.status).toBe(201);
    const context = await newContext(browser, itinera.baseUrl);
    const page = await context.newPage();
    await signIn(page, VIEWER);
    expect(await page.getByRole('button', { name: 'Review and deploy' }).count()).toBe(0);
    // The button is hidden; the request is made anyway, with the session's own CSRF token.
    const answer = await page.evaluate(async () => {
      const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const response = await fetch('/v1/rules', {
        method: 'PUT',
        headers: { 'content-type': 'text/plain', 'x-csrf-token': session.csrfToken },
        body: 'segment everyone { tagged "x" }',
      });
      return { status: response.status, body: (await response.json()) as { error: { code: string } } };
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
    const active = await send(itinera.baseUrl, 'GET', '/v1/rules', { auth: bearer(ADMIN_KEY) });
    expect(active.body.version).toBe(3);
    await context.close();
  });

  it("refuses a forged cross-site POST from another site's page, though the browser sends the cookie", async () => {
    // Another origin on another port of the same host: the same site for the browser, so the
    // SameSite cookie goes with the form; its foreign Origin and missing CSRF token stop it.
    let received = 0;
    const attacker: Server = createServer((_req, res) => {
      received += 1;
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><form id="f" method="POST" action="${itinera.baseUrl}/v1/users" enctype="text/plain">
        <input name='{"name":"mallory","role":"admin","password":"forged passphrase!!","x":"' value='"}'></form>
        <script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', () => resolve()));
    const context = await newContext(browser, itinera.baseUrl);
    const page = await context.newPage();
    await signIn(page, ADMIN);
    const answered = page.waitForResponse(
      (response) => response.url() === `${itinera.baseUrl}/v1/users` && response.request().method() === 'POST',
    );
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    const response = await answered;
    expect(received).toBe(1);
    expect(response.status()).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('csrf_refused');
    const users = await send(itinera.baseUrl, 'GET', '/v1/users', { auth: bearer(ADMIN_KEY) });
    expect(users.body.users.map((user: { name: string }) => user.name)).not.toContain('mallory');
    await context.close();
    await new Promise<void>((resolve) => attacker.close(() => resolve()));
  });

  it('ends a session past its lifetime: the console returns to sign-in', async () => {
    const context = await newContext(browser, itinera.baseUrl);
    const page = await context.newPage();
    await signIn(page, MARKETER);
    await nav(page, 'Segments');
    await page.getByRole('row').filter({ hasText: 'mid_ebook' }).waitFor();
    clockOffsetMs = 13 * HOUR;
    try {
      await nav(page, 'Journeys');
      await page.getByRole('status').filter({ hasText: 'Your session has ended' }).waitFor({ timeout: 30_000 });
      await page.getByLabel('User name').waitFor();
    } finally {
      clockOffsetMs = 0;
    }
    await context.close();
  });
});
