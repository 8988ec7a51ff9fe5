/**
 * The console's Privacy page in Debian's Chromium, on the real servers: a privacy officer
 * follows an erasure through its steps and its destination's notice, verifies its receipt in
 * the browser (and sees a tampered copy refused), lifts a suppression with a reason, runs the
 * retention policy dry (nothing removed), edits it (the draft's dry run shown before it can be
 * saved, a refusal beside its field) and saves it, and filters and pages the audit log. Screenshots go to
 * docs/images/ (docs/console.md).
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext, screenshot } from '../support/browser.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const PASSWORD = 'a long enough passphrase 42';
const DAY_MS = 24 * 3600 * 1000;

let itinera: TestItinera;
let browser: Browser;
let receiver: WebhookReceiver;
const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };

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

const rowsOf = (page: Page, table: string) => page.getByRole('table', { name: table }).locator('tbody tr');

beforeAll(async () => {
  itinera = await startTestItinera('privacy_page');
  receiver = await startWebhookReceiver();
  const destination = await send(itinera.baseUrl, 'PUT', '/v1/destinations/dpo-crm', {
    ...admin,
    json: { url: `${receiver.url}/erasures`, erasures: true },
  });
  expect(destination.status, JSON.stringify(destination.body)).toBeLessThan(300);
  const created = await send(itinera.baseUrl, 'POST', '/v1/users', {
    ...admin,
    json: { name: 'pia', role: 'privacy', password: PASSWORD },
  });
  expect(created.status).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
  await receiver?.close();
});

describe('the Privacy page', () => {
  it(
    'follows an erasure, verifies its receipt, lifts a suppression, runs retention dry and filters the audit log',
    { timeout: 240_000 },
    async () => {
      // A person who asks to be forgotten, another who asks for their data, a third long gone.
      expect(
        (
          await send(itinera.baseUrl, 'POST', '/v1/identify', {
            ...writer,
            json: { userId: 'zofia', traits: { email: 'zofia@example.org' } },
          })
        ).status,
      ).toBe(200);
      const old = new Date(Date.now() - 400 * DAY_MS).toISOString();
      for (const event of ['Page Read', 'Page Read', 'Order Placed'])
        expect(
          (await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'ola', event, timestamp: old } })).status,
        ).toBe(200);
      await eventually(async () => (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=zofia', admin)).body?.id);
      await eventually(async () => (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=ola', admin)).body?.id);
      const erasure = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', {
        ...admin,
        json: { email: 'zofia@example.org', reason: 'asked by letter' },
      });
      expect(erasure.status).toBe(202);
      const id = erasure.body.id as string;
      expect((await send(itinera.baseUrl, 'POST', '/v1/privacy/exports', { ...admin, json: { userId: 'ola' } })).status).toBe(202);
      await eventually(
        async () => (await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${id}`, admin)).body.status === 'completed',
        60_000,
      );
      const policy = { events: [{ olderThanDays: 365, event: 'Page Read' }], inactivePeopleDays: 3650 };
      expect((await send(itinera.baseUrl, 'PUT', '/v1/privacy/retention', { ...admin, json: policy })).status).toBe(200);

      const { context, page, errors } = await signIn('pia', '/console/privacy');
      await page.getByRole('heading', { name: 'Privacy', level: 1 }).waitFor();

      // The list: the erasure done, all six steps, the destination told.
      const row = page.getByRole('table', { name: 'Privacy requests' }).getByRole('row', { name: new RegExp(id) });
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('6 of 6 steps');
      expect(await row.textContent()).toContain('completed');
      expect(await row.textContent()).toContain('1 sent');
      await expect.poll(() => rowsOf(page, 'Privacy requests').count()).toBe(2);
      await page.getByLabel('Kind').selectOption('export');
      await expect.poll(() => rowsOf(page, 'Privacy requests').count()).toBe(1);
      await page.getByLabel('Kind').selectOption('');

      // Its page: the steps in order, what was removed, the destination's answer, the receipt.
      await page.getByRole('link', { name: id }).click();
      await page.getByRole('heading', { name: `Erasure ${id}` }).waitFor();
      const steps = await page.getByRole('list', { name: 'Steps' }).locator('.privacy-step-name').allTextContents();
      expect(steps).toEqual(['inventory', 'suppress', 'stop', 'remove', 'verify', 'notify']);
      expect(await page.locator('.privacy-step-done').count()).toBe(6);
      expect(
        await page
          .getByRole('table', { name: 'Destinations' })
          .getByRole('row', { name: /dpo-crm/ })
          .textContent(),
      ).toContain('sent');
      const removed = page.getByRole('list', { name: 'Removed' }).getByRole('listitem');
      expect(await removed.filter({ hasText: / profiles$/ }).textContent()).toBe('1 profiles');
      await page.getByRole('button', { name: 'Verify signature' }).click();
      await expect.poll(() => page.locator('.privacy-verdict').textContent()).toContain(`Signature valid — receipt of ${id}`);
      expect(page.url()).toContain(`/console/privacy/requests/${id}`);
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshot(page, 'privacy');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download receipt' }).click()]);
      const receipt = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { receipt: string; signature: string };
      expect(JSON.parse(receipt.receipt).requestId).toBe(id);

      // A receipt pasted in: as issued, valid; with a count changed, refused.
      await page.getByRole('navigation', { name: 'Privacy' }).getByRole('link', { name: 'Requests' }).click();
      const box = page.getByLabel('Receipt (JSON, as downloaded)');
      await box.fill(JSON.stringify(receipt));
      await page.getByRole('button', { name: 'Verify receipt' }).click();
      await expect.poll(() => page.locator('.privacy-verdict').textContent()).toContain('Signature valid');
      const tampered = { ...receipt, receipt: receipt.receipt.replace('"profiles":1', '"profiles":0') };
      expect(tampered.receipt).not.toBe(receipt.receipt);
      await box.fill(JSON.stringify(tampered));
      await page.getByRole('button', { name: 'Verify receipt' }).click();
      await expect.poll(() => page.locator('.privacy-verdict').textContent()).toContain('Signature invalid');

      // Suppressions: the erased person's identifiers; one lifted, with a reason.
      await page.getByRole('navigation', { name: 'Privacy' }).getByRole('link', { name: 'Suppressions' }).click();
      await expect.poll(() => rowsOf(page, 'Suppressions').count(), { timeout: 15_000 }).toBeGreaterThan(1);
      const before = await rowsOf(page, 'Suppressions').count();
      await page.getByRole('button', { name: `Lift email suppression of ${id}` }).click();
      const dialog = page.getByRole('dialog', { name: 'Lift suppression' });
      expect(await dialog.getByRole('button', { name: 'Lift suppression' }).isDisabled()).toBe(true);
      await dialog.getByLabel('Reason (kept in the audit log)').fill('written consent to be contacted again');
      await dialog.getByRole('button', { name: 'Lift suppression' }).click();
      await expect.poll(() => rowsOf(page, 'Suppressions').count()).toBe(before - 1);
      const remaining = await send(itinera.baseUrl, 'GET', '/v1/privacy/suppressions', admin);
      expect(remaining.body.suppressions.map((s: { kind: string }) => s.kind)).not.toContain('email');

      // Retention: the policy, and what a run would remove now, removing nothing.
      await page.getByRole('navigation', { name: 'Privacy' }).getByRole('link', { name: 'Retention' }).click();
      await page.getByRole('list', { name: 'Rules' }).waitFor();
      expect(await page.getByRole('list', { name: 'Rules' }).textContent()).toContain('“Page Read” events older than 365 days');
      const eventsBefore = await itinera.raw.events.countDocuments({});
      await page.getByRole('button', { name: 'Dry run' }).click();
      const dryRun = page.getByRole('table', { name: 'Dry run' });
      await expect.poll(() => dryRun.getByRole('row', { name: /Page Read/ }).textContent()).toContain('2 events');
      expect(await dryRun.getByRole('row', { name: /not seen for 3650 days/ }).textContent()).toContain('0 people');
      expect(await itinera.raw.events.countDocuments({})).toBe(eventsBefore);

      // The editor: a change shown as its own dry run before it can be saved; the server's refusal beside its field.
      await page.getByRole('button', { name: 'Edit policy' }).click();
      const editor = page.getByRole('form', { name: 'Retention policy' });
      const save = editor.getByRole('button', { name: 'Save policy' });
      expect(await save.isDisabled()).toBe(true);
      const rule1 = editor.getByRole('group', { name: /Rule 1/ });
      expect(await rule1.getByLabel('Event name').inputValue()).toBe('Page Read');
      await rule1.getByLabel('Older than (days)').fill('0');
      await editor.getByRole('button', { name: 'Dry run this policy' }).click();
      await expect.poll(() => rule1.locator('.privacy-field-error').textContent()).toMatch(/>=\s*1|at least 1|too small/i);
      expect(await rule1.getByLabel('Older than (days)').getAttribute('aria-invalid')).toBe('true');
      await rule1.getByLabel('Older than (days)').fill('365');
      await editor.getByRole('button', { name: 'Add a rule' }).click();
      const rule2 = editor.getByRole('group', { name: /Rule 2/ });
      await rule2.getByLabel('Event name').fill('Order Placed');
      await rule2.getByLabel('Older than (days)').fill('30');
      await editor.getByLabel('Erase people not seen for (days)').fill('300');
      await editor.getByRole('button', { name: 'Dry run this policy' }).click();
      const draftRun = page.getByRole('table', { name: 'Dry run of the draft' });
      await expect.poll(() => draftRun.getByRole('row', { name: /Order Placed/ }).textContent()).toContain('1 events');
      expect(await draftRun.getByRole('row', { name: /Page Read/ }).textContent()).toContain('2 events');
      // The draft's own threshold, not the stored one (3650 days).
      expect(await draftRun.getByRole('row', { name: /not seen for 300 days/ }).textContent()).toMatch(/\d+ people/);
      expect(await itinera.raw.events.countDocuments({})).toBe(eventsBefore);
      // Saving asks for a reason; an edit after the dry run asks for a new one first.
      await editor.getByLabel('Erase people not seen for (days)').fill('3650');
      expect(await save.isDisabled()).toBe(true);
      await editor.getByRole('button', { name: 'Dry run this policy' }).click();
      await expect.poll(() => draftRun.getByRole('row', { name: /not seen for 3650 days/ }).textContent()).toContain('0 people');
      // Tall enough for the policy, the editor and the draft's dry run.
      const viewport = page.viewportSize();
      await page.setViewportSize({ width: 1280, height: 1480 });
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshot(page, 'privacy-retention');
      if (viewport) await page.setViewportSize(viewport);
      await save.click();
      await expect.poll(() => editor.locator('.privacy-field-error').textContent()).toContain('audit log');
      await editor.getByLabel('Reason (kept in the audit log)').fill('orders kept 30 days only');
      await save.click();
      await page.getByText('Policy saved').waitFor();
      await expect
        .poll(() => page.getByRole('list', { name: 'Rules' }).textContent())
        .toContain('“Order Placed” events older than 30 days');
      await page.reload();
      await page.getByRole('list', { name: 'Rules' }).waitFor();
      expect(await page.getByRole('list', { name: 'Rules' }).textContent()).toContain('“Order Placed” events older than 30 days');
      const stored = (await send(itinera.baseUrl, 'GET', '/v1/privacy/retention', admin)).body;
      expect(stored).toMatchObject({
        events: [
          { olderThanDays: 365, event: 'Page Read' },
          { olderThanDays: 30, event: 'Order Placed' },
        ],
        inactivePeopleDays: 3650,
      });
      expect(await itinera.raw.events.countDocuments({})).toBe(eventsBefore);

      // More entries than a page holds: 30 downloads by signed links.
      for (let i = 0; i < 30; i++)
        await itinera.runtime.stores.audit.record({ at: new Date(Date.now() - i * 1000), kind: 'export.downloaded', actor: 'link' });

      // The audit log: by kind, then by user.
      await page.getByRole('navigation', { name: 'Privacy' }).getByRole('link', { name: 'Audit log' }).click();
      const auditFilters = page.getByRole('form', { name: 'Filter the audit log' });
      await expect.poll(() => rowsOf(page, 'Audit entries').count(), { timeout: 15_000 }).toBeGreaterThan(3);
      await auditFilters.getByLabel('Kind').selectOption('suppression.lifted');
      await auditFilters.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => rowsOf(page, 'Audit entries').count()).toBe(1);
      const lifted = await rowsOf(page, 'Audit entries').first().textContent();
      expect(lifted).toContain('user:pia');
      expect(lifted).toContain('written consent to be contacted again');
      // The policy saved above: by pia, with her reason.
      await auditFilters.getByLabel('Kind').selectOption('retention.changed');
      await auditFilters.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(async () => rowsOf(page, 'Audit entries').first().textContent()).toContain('orders kept 30 days only');
      expect(await rowsOf(page, 'Audit entries').first().textContent()).toContain('user:pia');
      // Paged: 25, then the rest, and back.
      await auditFilters.getByLabel('Kind').selectOption('export.downloaded');
      await auditFilters.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => rowsOf(page, 'Audit entries').count()).toBe(25);
      const pager = page.getByRole('navigation', { name: 'Audit pages' });
      expect(await pager.textContent()).toContain('Page 1');
      await pager.getByRole('button', { name: 'Next' }).click();
      await expect.poll(() => pager.textContent()).toContain('Page 2');
      await expect.poll(() => rowsOf(page, 'Audit entries').count()).toBe(5);
      expect(await pager.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
      await pager.getByRole('button', { name: 'Previous' }).click();
      await expect.poll(() => rowsOf(page, 'Audit entries').count()).toBe(25);
      await auditFilters.getByLabel('Kind').selectOption('');
      await auditFilters.getByLabel('User', { exact: true }).fill('admin');
      await auditFilters.getByRole('button', { name: 'Filter' }).click();
      await expect
        .poll(
          async () => new Set(await page.getByRole('table', { name: 'Audit entries' }).locator('tbody td:nth-child(3)').allTextContents()),
        )
        .toEqual(new Set(['admin']));
      const kinds = await page.getByRole('table', { name: 'Audit entries' }).locator('tbody th').allTextContents();
      expect(kinds).toEqual(expect.arrayContaining(['erasure.requested', 'retention.changed']));

      // At a phone's width: an erasure's page.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`/console/privacy/requests/${id}`);
      await page.getByRole('heading', { name: `Erasure ${id}` }).waitFor();
      await screenshot(page, 'privacy-phone');
      expect(errors).toEqual([]);
      await context.close();
    },
  );
});
