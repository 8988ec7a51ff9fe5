/**
 * The rule editor in a real browser (Debian's Chromium through playwright-core) on the real
 * servers: a marketer created with the admin key signs in by label, types a rule with a
 * mistake, sees its diagnostic listed with code and line:column, jumps to it and fixes
 * it, reviews the deploy summary, deploys with a note, sees the version; the versions page
 * shows who deployed what and the diff, and rolls back as a new version. A draft survives
 * a reload; an ended session returns to sign-in; a viewer gets no Deploy button.
 * Screenshots go to docs/images/console-*.png.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext, screenshot } from '../support/browser.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const MARKETER = { name: 'mara', password: 'correct horse battery staple', role: 'marketer' };
const VIEWER = { name: 'vic', password: 'viewer passphrase 2026', role: 'viewer' };

let itinera: TestItinera;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

async function signIn(target: Page, user: { name: string; password: string }) {
  await target.goto('/console/');
  await target.getByLabel('User name').fill(user.name);
  await target.getByLabel('Password').fill(user.password);
  await target.getByRole('button', { name: 'Sign in' }).click();
}

beforeAll(async () => {
  itinera = await startTestItinera('console_rules', { runWorker: true });
  for (const user of [MARKETER, VIEWER]) {
    const created = await send(itinera.baseUrl, 'POST', '/v1/users', { auth: bearer(ADMIN_KEY), json: user });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  browser = await launchBrowser();
  context = await newContext(browser, itinera.baseUrl);
  page = await context.newPage();
  errors = collectPageErrors(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
});

describe('the Rules page', () => {
  it('signs in by label, after saying plainly that a wrong password is wrong', async () => {
    await page.goto('/console/rules');
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await screenshot(page, 'sign-in');
    await page.getByLabel('User name').fill(MARKETER.name);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
    await page.getByLabel('Password').fill(MARKETER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The deep link opened before signing in is the page shown after.
    await page.getByRole('heading', { name: 'Rules', level: 1 }).waitFor();
    await expect
      .poll(() => page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents())
      .toEqual(['Rules', 'Segments', 'Journeys', 'People', 'Messages']);
  });

  it('lists a mistake as you type, with its code and line:column, and goes to it when chosen', async () => {
    const editor = page.getByRole('textbox', { name: 'Rules' });
    await editor.click();
    await page.keyboard.type('segment fans "Fans" { taged "fan" }');
    const problems = page.getByRole('list', { name: 'Problems' });
    const problem = problems.getByRole('listitem').filter({ hasText: 'ITN1102' });
    await problem.waitFor();
    expect(await problem.textContent()).toContain('1:23');
    expect(await problem.textContent()).toContain("found 'taged'");
    // Underlined in place, too.
    await page.locator('.cm-lintRange-error').first().waitFor();
    await page.getByRole('status').filter({ hasText: 'Draft: not deployed yet' }).waitFor();
    await screenshot(page, 'rules-diagnostic');

    // Choosing the problem puts the cursor at 1:23, before "taged": three to the right, then "g".
    await problem.getByRole('button').click();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.type('g');
    await expect.poll(() => editor.textContent()).toBe('segment fans "Fans" { tagged "fan" }');
    await page.getByRole('heading', { name: 'No problems' }).waitFor();
    expect(await problems.getByRole('listitem').count()).toBe(0);
  });

  it('shows the summary before deploying, deploys with a note and shows the new version', async () => {
    await page.getByRole('button', { name: 'Review and deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Review and deploy' });
    await dialog.waitFor();
    // The new segment with its preview size, and the text's diff (everything added).
    await dialog.getByRole('row').filter({ hasText: 'fans' }).filter({ hasText: 'added' }).waitFor();
    await dialog.getByRole('table', { name: 'Changes to the text' }).getByText('segment fans "Fans" { tagged "fan" }').waitFor();
    await dialog.getByLabel('Note').fill('First segment: fans');
    await screenshot(page, 'deploy-summary');
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await page.getByRole('status').filter({ hasText: 'Deployed as version 1.' }).waitFor();
    expect(await dialog.isVisible()).toBe(false);

    const active = await send(itinera.baseUrl, 'GET', '/v1/rules', { auth: bearer(ADMIN_KEY) });
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({
      version: 1,
      source: 'segment fans "Fans" { tagged "fan" }',
      deployedBy: 'user:mara',
      note: 'First segment: fans',
    });
  });

  it('refuses to deploy a draft with errors: the dialog lists them and Deploy stays disabled', async () => {
    await page.getByRole('textbox', { name: 'Rules' }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' jurney');
    await page.getByRole('list', { name: 'Problems' }).getByRole('listitem').filter({ hasText: 'ITN1103' }).waitFor();
    await page.getByRole('button', { name: 'Review and deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Review and deploy' });
    await dialog.getByRole('list', { name: 'Errors' }).getByText('ITN1103').waitFor();
    expect(await dialog.getByRole('button', { name: 'Deploy' }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('keeps the draft through a reload and says it differs from the active version', async () => {
    await page.reload();
    const editor = page.getByRole('textbox', { name: 'Rules' });
    await expect.poll(() => editor.textContent()).toBe('segment fans "Fans" { tagged "fan" } jurney');
    await page.getByRole('status').filter({ hasText: 'Draft: differs from version 1' }).waitFor();
    await page.getByRole('button', { name: 'Discard draft' }).click();
    await expect.poll(() => editor.textContent()).toBe('segment fans "Fans" { tagged "fan" }');
    await page.getByRole('status').filter({ hasText: 'Same as the active version 1' }).waitFor();
  });

  it('lists versions with who, when and note, shows the diff of two, and rolls back as a new version', async () => {
    const second = await send(itinera.baseUrl, 'PUT', '/v1/rules', {
      auth: bearer(ADMIN_KEY),
      text: 'segment fans "Fans" { tagged "fan" or tagged "follower" }\n\nsegment buyers "Buyers" { tagged "buyer" }\n',
    });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    await page.getByRole('link', { name: 'Versions' }).click();
    const table = page.getByRole('table').first();
    await table.getByRole('row').filter({ hasText: 'First segment: fans' }).filter({ hasText: 'user:mara' }).waitFor();
    await table.getByRole('row').filter({ hasText: 'active' }).filter({ hasText: '2' }).waitFor();
    // The two newest are compared at first: 1 → 2.
    const diff = page.getByRole('table', { name: 'Changes from version 1 to version 2' });
    await diff.getByText('segment buyers "Buyers" { tagged "buyer" }').waitFor();
    await screenshot(page, 'versions');

    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back to version 1' });
    await dialog.getByRole('row').filter({ hasText: 'buyers' }).filter({ hasText: 'removed' }).waitFor();
    await dialog.getByLabel('Note').fill('Back to fans only');
    await dialog.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.getByRole('status').filter({ hasText: 'Rolled back: version 3 is active, with the text of version 1.' }).waitFor();

    const active = await send(itinera.baseUrl, 'GET', '/v1/rules', { auth: bearer(ADMIN_KEY) });
    expect(active.body).toMatchObject({
      version: 3,
      source: 'segment fans "Fans" { tagged "fan" }',
      deployedBy: 'user:mara',
      note: 'Back to fans only',
    });
  });

  it('returns to sign-in with a message when the session ends', async () => {
    // The versions list has reloaded after the rollback: nothing is left to redraw the page.
    await page.getByRole('table').first().getByRole('row').filter({ hasText: 'Back to fans only' }).waitFor();
    await context.clearCookies();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('status').filter({ hasText: 'Your session has ended' }).waitFor();
    await page.getByLabel('User name').waitFor();
    expect(errors).toEqual([]);
  });
});

describe('a viewer', () => {
  it('reads the rules but is offered no deploy, and sees no Users link', async () => {
    const viewerContext = await newContext(browser, itinera.baseUrl);
    const viewerPage = await viewerContext.newPage();
    await signIn(viewerPage, VIEWER);
    await viewerPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rules' }).click();
    await expect.poll(() => viewerPage.getByRole('textbox', { name: 'Rules' }).textContent()).toBe('segment fans "Fans" { tagged "fan" }');
    expect(await viewerPage.getByRole('button', { name: 'Review and deploy' }).count()).toBe(0);
    expect(await viewerPage.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await viewerContext.close();
  });
});
