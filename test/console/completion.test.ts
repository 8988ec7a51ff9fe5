/**
 * Completion in the rule editor, in Chromium on the real servers: what the data holds
 * (event names and their properties, from the catalogue that ingestion keeps) and what the
 * program declares are offered as the marketer types, and choosing one writes it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newContext } from '../support/browser.js';
import { trackEbookSignups } from '../support/ebook-signups.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const MARKETER = { name: 'cora', password: 'completion passphrase', role: 'marketer' };

let itinera: TestItinera;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  itinera = await startTestItinera('console_completion', { runWorker: false });
  expect((await send(itinera.baseUrl, 'POST', '/v1/users', { auth: bearer(ADMIN_KEY), json: MARKETER })).status).toBe(201);
  await trackEbookSignups(itinera.baseUrl);
  browser = await launchBrowser();
  page = await (await newContext(browser, itinera.baseUrl)).newPage();
  await page.goto('/console/rules');
  await page.getByLabel('User name').fill(MARKETER.name);
  await page.getByLabel('Password').fill(MARKETER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('textbox', { name: 'Rules' }).waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
});

const offered = () => page.getByRole('listbox').getByRole('option');

describe('completion in the rule editor', () => {
  it('offers the event names the data holds inside performed "…", and writes the one chosen', async () => {
    await page.getByRole('textbox', { name: 'Rules' }).click();
    await page.keyboard.insertText('segment readers {\n  performed "Eb');
    await page.keyboard.press('Control+Space');
    // Chosen with the mouse: CodeMirror ignores Enter in the first moments after the list opens.
    await offered().filter({ hasText: 'Ebook Signup' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Rules' }).textContent()).toContain('performed "Ebook Signup"');
  });

  it("offers that event's property paths after where", async () => {
    // The cursor is after the closing quote the completion wrote.
    await page.keyboard.insertText(' where ');
    await page.keyboard.press('Control+Space');
    await offered().filter({ hasText: 'source' }).waitFor();
    const labels = await offered().allTextContents();
    expect(labels.join(' ')).toContain('source');
    expect(labels.join(' ')).toContain('campaign.name');
  });

  it('offers the segments the program declares after in segment', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.insertText('source = "landing"\n}\n\nsegment again {\n  in segment ');
    await page.keyboard.press('Control+Space');
    await offered().filter({ hasText: 'readers' }).waitFor();
  });
});
