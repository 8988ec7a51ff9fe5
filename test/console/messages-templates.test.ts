/**
 * The console's Messages page, templates half, in Debian's Chromium on the real servers:
 * a marketer opens Messages, sees which journey sends a template and which one the rules
 * miss, edits the subject and the HTML while the preview follows the typing, meets a
 * Liquid mistake with its line and column, saves, renders for a real person, and sends a
 * test that arrives at a real SMTP server. A viewer reads the list and the template with no
 * Save button, and the server refuses their save. Screenshots:
 * docs/images/console-messages-templates.png and console-messages-templates-phone.png.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext, screenshot } from '../support/browser.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const PROGRAM = `
consent email_marketing {
  expires after 365 days
}

journey ebook_drip "E-book, one chapter a day" {
  when performed "Ebook Signup"
  requires consent email_marketing
  reentry never

  send email "ebook_chapter" with { chapter: 1 }
  wait 1 day
  send email "ebook_chapter" with { chapter: 2 }
}

journey welcome "Welcome" {
  when performed "Signed Up"
  operational
  reentry never
  send email "welcome_mail"
}
`;

const TEMPLATE = {
  subject: 'Chapter {{ with.chapter }} of your e-book',
  html: '<h1 style="font-family:sans-serif;color:#3b5bdb">Your e-book</h1>\n<p>Hello {{ traits.first_name | default: "reader" }},</p>\n<p>Here is chapter {{ with.chapter }}.</p>\n',
  text: 'Hello {{ traits.first_name | default: "reader" }}, here is chapter {{ with.chapter }}.',
};

const PASSWORD = 'a long enough passphrase 42';
const admin = { auth: bearer(ADMIN_KEY) };

let itinera: TestItinera;
let sink: SmtpSink;
let browser: Browser;

async function createUser(name: string, role: string): Promise<void> {
  const created = await send(itinera.baseUrl, 'POST', '/v1/users', { ...admin, json: { name, role, password: PASSWORD } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

async function signIn(name: string, path: string) {
  const context: BrowserContext = await newContext(browser, itinera.baseUrl);
  const page: Page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(path);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page, errors };
}

const previewBody = (page: Page) => page.frameLocator('iframe[title="HTML preview"]').locator('body');
const previewSubject = (page: Page) => page.getByTestId('preview-subject');
/** After a resize, the frames the browser draws next (the preview's frame lays out again). */
const painted = (page: Page) => page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');

beforeAll(async () => {
  sink = await startSmtpSink();
  itinera = await startTestItinera('messages-templates', { smtp: { url: sink.url, from: 'Shop <news@shop.example>' }, runWorker: false });
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: PROGRAM })).status).toBe(200);
  expect((await send(itinera.baseUrl, 'PUT', '/v1/templates/ebook_chapter', { ...admin, json: TEMPLATE })).status).toBe(201);
  expect(
    (
      await send(itinera.baseUrl, 'POST', '/v1/identify', {
        auth: basicAuth(WRITE_KEY),
        json: { userId: 'zofia-7', traits: { email: 'zofia@example.com', first_name: 'Zofia', plan: 'pro' } },
      })
    ).status,
  ).toBe(200);
  await createUser('mia', 'marketer');
  await createUser('vic', 'viewer');
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
  await sink?.close();
});

describe('Messages → Templates', () => {
  it(
    'a marketer edits a template with the preview following the typing, fixes a Liquid mistake, saves and sends a test',
    { timeout: 180_000 },
    async () => {
      const { context, page, errors } = await signIn('mia', '/console/messages');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).waitFor();
      await page.waitForURL('**/console/messages/templates');
      expect(
        await page.getByRole('navigation', { name: 'Messages' }).getByRole('link', { name: 'Templates' }).getAttribute('aria-current'),
      ).toBe('page');

      // The list: who sends each template, and the one the rules send that nobody wrote.
      const table = page.getByRole('table', { name: 'Templates' });
      const row = table.getByRole('row', { name: /ebook_chapter/ });
      await row.waitFor();
      expect(await row.textContent()).toContain('Chapter {{ with.chapter }} of your e-book');
      await row.getByRole('link', { name: 'ebook_drip' }).waitFor();
      await page
        .getByRole('list', { name: 'Missing templates' })
        .getByRole('link', { name: /welcome_mail/ })
        .waitFor();

      await screenshot(page, 'messages-templates-list');

      await row.getByRole('link', { name: 'ebook_chapter' }).click();
      await page.waitForURL('**/console/messages/templates/ebook_chapter');
      await page.getByRole('heading', { name: 'ebook_chapter' }).waitFor();
      await page.getByRole('list', { name: 'Used by' }).getByRole('link', { name: 'ebook_drip' }).waitFor();

      // The sample data is prefilled: the preview renders before anyone types.
      await expect.poll(() => previewSubject(page).textContent(), { timeout: 15_000 }).toBe('Chapter sample chapter of your e-book');
      await expect.poll(() => previewBody(page).textContent()).toContain('Hello Ada');

      // Typing the subject and the HTML: the preview follows, with nothing else pressed.
      await page.getByLabel('Subject').fill('Chapter {{ with.chapter }} is here, {{ traits.first_name }}');
      await expect.poll(() => previewSubject(page).textContent(), { timeout: 15_000 }).toBe('Chapter sample chapter is here, Ada');
      const html = page.getByLabel('HTML part');
      await html.click();
      await page.keyboard.press('Control+End');
      // When the preview's frame first holds the new line, as the page saw it.
      await page.evaluate(`(() => {
        const frame = document.querySelector('iframe[title="HTML preview"]');
        new MutationObserver(() => {
          if (frame.getAttribute('srcdoc')?.includes('Fresh line for Ada')) window.shownAt ??= performance.now();
        }).observe(frame, { attributes: true });
      })()`);
      await page.keyboard.type('<p>Fresh line for {{ traits.first_name }}</p>', { delay: 15 });
      const typedAt = (await page.evaluate('performance.now()')) as number;
      await expect.poll(() => previewBody(page).textContent(), { timeout: 15_000 }).toContain('Fresh line for Ada');
      const shownAt = (await page.evaluate('window.shownAt ?? NaN')) as number;
      // The last key to the preview showing it: the 300 ms pause, the render request, the frame.
      console.info(`messages-templates: last key → preview updated in ${Math.round(shownAt - typedAt)} ms`);
      expect(shownAt - typedAt).toBeLessThan(3_000);

      // A misspelt filter: its part, line and column listed, its line marked in the editor.
      await page.keyboard.type('\n<p>{{ traits.first_name | shout }}</p>');
      const problems = page.getByRole('list', { name: 'Template problems' });
      await problems.waitFor();
      expect(await problems.textContent()).toMatch(/HTML.*line 5, column 4.*shout/);
      await page.locator('.messages-code-html .cm-lint-marker-error').waitFor();
      expect(await page.getByRole('status').filter({ hasText: 'Not updated' }).count()).toBe(1);
      await screenshot(page, 'messages-templates-problem');
      await page.keyboard.press('Shift+Home');
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Backspace');
      await problems.waitFor({ state: 'detached' });
      await expect.poll(() => page.locator('.messages-code-html .cm-lint-marker-error').count()).toBe(0);

      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      const stored = await send(itinera.baseUrl, 'GET', '/v1/templates/ebook_chapter', admin);
      expect(stored.body.subject).toBe('Chapter {{ with.chapter }} is here, {{ traits.first_name }}');
      expect(stored.body.html).toContain('<p>Fresh line for {{ traits.first_name }}</p>');
      expect(stored.body.html).not.toContain('shout');

      // A test send arrives at the SMTP server, marked as a test, rendered as previewed.
      await page.getByLabel('Send a test to').fill('mia@shop.example');
      await page.getByRole('button', { name: 'Send test' }).click();
      await page.getByRole('status').filter({ hasText: 'Sent to mia@shop.example' }).waitFor();
      const [mail] = sink.mailbox('mia@shop.example');
      expect(mail?.subject).toBe('[Test] Chapter sample chapter is here, Ada');
      expect(mail?.html).toContain('<p>Fresh line for Ada</p>');
      await page.evaluate("document.querySelector('.messages-test').scrollIntoView({ block: 'center' })");
      await painted(page);
      await screenshot(page, 'messages-templates-test-send');

      // The screenshots: the editor beside its preview, at desktop and phone width.
      await page.setViewportSize({ width: 1440, height: 1000 });
      await page.getByRole('heading', { name: 'ebook_chapter' }).scrollIntoViewIfNeeded();
      await painted(page);
      await screenshot(page, 'messages-templates');
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('button', { name: 'Phone' }).click();
      await page.getByRole('heading', { name: 'Preview' }).scrollIntoViewIfNeeded();
      await painted(page);
      await screenshot(page, 'messages-templates-phone');
      await page.setViewportSize({ width: 1280, height: 800 });

      // A real person: their traits, read by the server.
      await page.getByRole('searchbox', { name: 'Person' }).fill('zofia@example.com');
      await page.getByRole('button', { name: 'Use this person' }).click();
      await page.getByRole('radio', { name: /A person: zofia@example.com/ }).waitFor();
      expect(await page.getByRole('radio', { name: /A person/ }).isChecked()).toBe(true);
      await expect.poll(() => previewSubject(page).textContent(), { timeout: 15_000 }).toBe('Chapter sample chapter is here, Zofia');

      // Unsaved changes: leaving asks first; staying keeps them.
      await page.getByLabel('Subject').fill('Not saved yet');
      const asked: string[] = [];
      page.once('dialog', (dialog) => {
        asked.push(dialog.message());
        void dialog.dismiss();
      });
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Templates' }).click();
      await expect.poll(() => asked).toEqual(['This template has unsaved changes. Leave without saving?']);
      expect(page.url()).toMatch(/\/messages\/templates\/ebook_chapter$/);
      expect(await page.getByLabel('Subject').inputValue()).toBe('Not saved yet');
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Templates' }).click();
      await page.waitForURL('**/console/messages/templates');

      expect(errors).toEqual([]);
      await context.close();
    },
  );

  it(
    'a viewer reads the list and the template, without Save or test sends; the server refuses their save',
    { timeout: 120_000 },
    async () => {
      const { context, page, errors } = await signIn('vic', '/console/messages/templates');
      const row = page.getByRole('table', { name: 'Templates' }).getByRole('row', { name: /ebook_chapter/ });
      await row.waitFor();
      await row.getByRole('link', { name: 'ebook_chapter' }).click();
      await page.getByRole('heading', { name: 'ebook_chapter' }).waitFor();
      await page.getByText('Editing, previews and test sends are for admins and marketers').waitFor();
      expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Send test' }).count()).toBe(0);
      expect(await page.getByLabel('HTML part').textContent()).toContain('Fresh line for');

      // What the hidden button would do: the viewer's own session, CSRF token and all.
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      const session = await send(itinera.baseUrl, 'GET', '/v1/session', { headers: { cookie } });
      const refused = await send(itinera.baseUrl, 'PUT', '/v1/templates/ebook_chapter', {
        headers: { cookie, 'x-csrf-token': session.body.csrfToken, origin: itinera.baseUrl },
        json: TEMPLATE,
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect(errors).toEqual([]);
      await context.close();
    },
  );
});
