/**
 * The console's People page in Debian's Chromium, on the real servers, as people use it:
 * an admin finds a reader by e-mail, opens her and reads her identifiers, traits,
 * consents, segments, the step her journey run waits at, her messages and her timeline;
 * filters the timeline; rectifies a trait. A viewer opens the same person and sees no
 * personal data. Screenshots: docs/images/console-people.png and console-people-phone.png.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext, screenshot } from '../support/browser.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const PROGRAM = `
consent email_marketing {
  expires after 365 days
}

segment readers "E-book readers" {
  performed "Ebook Signup"
}

segment pros "On the pro plan" {
  trait plan = "pro"
}

journey ebook_drip "E-book, one chapter a day" {
  when performed "Ebook Signup"
  requires consent email_marketing
  reentry never

  send email "ebook_chapter" with { chapter: 1 }
  wait 1 day
  tag "ebook_completed"
}
`;

const PASSWORD = 'a long enough passphrase 42';

let itinera: TestItinera;
let browser: Browser;
let profileId = '';

async function createUser(name: string, role: string): Promise<void> {
  const created = await send(itinera.baseUrl, 'POST', '/v1/users', { auth: bearer(ADMIN_KEY), json: { name, role, password: PASSWORD } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

async function signIn(name: string, path: string, viewport?: { width: number; height: number }) {
  const context: BrowserContext = await newContext(browser, itinera.baseUrl);
  const page: Page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const errors = collectPageErrors(page);
  await page.goto(path);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page, errors };
}

beforeAll(async () => {
  itinera = await startTestItinera('people-page');
  const admin = { auth: bearer(ADMIN_KEY) };
  const write = { auth: basicAuth(WRITE_KEY) };
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: PROGRAM })).status).toBe(200);
  const template = await send(itinera.baseUrl, 'PUT', '/v1/templates/ebook_chapter', {
    ...admin,
    json: { subject: 'Chapter {{ with.chapter }}', html: '<p>Chapter {{ with.chapter }}</p>' },
  });
  expect(template.status).toBeLessThan(300);
  await createUser('ada', 'admin');
  await createUser('vic', 'viewer');

  // Zofia: identified, consenting, reading the pricing page, then signing up for the e-book.
  const post = async (path: string, json: unknown) =>
    expect((await send(itinera.baseUrl, 'POST', path, { ...write, json })).status).toBe(200);
  await post('/v1/identify', {
    userId: 'zofia-7',
    anonymousId: 'anon-zofia',
    traits: { email: 'zofia@example.com', name: 'Zofia Nowak', plan: 'pro', city: 'Gdansk' },
  });
  await post('/v1/consents', { userId: 'zofia-7', purpose: 'email_marketing', state: 'granted' });
  await post('/v1/page', {
    userId: 'zofia-7',
    name: 'Pricing',
    properties: { url: 'https://shop.example/pricing', title: 'Pricing' },
    context: {
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    },
  });
  await post('/v1/track', { userId: 'zofia-7', event: 'Ebook Signup', properties: { format: 'pdf' } });
  await post('/v1/identify', { userId: 'someone-else', traits: { email: 'other@example.com', plan: 'free' } });
  profileId = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=zofia-7', admin)).body.id;
  // Her run has sent chapter 1 and waits its day.
  await eventually(async () => {
    const person = (await send(itinera.baseUrl, 'GET', `/v1/people/${profileId}`, admin)).body;
    return person.journeys?.[0]?.waiting && person.messages?.length > 0 && person.segments?.length === 2 ? true : undefined;
  }, 60_000);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
});

describe('the People page', () => {
  it(
    'an admin finds a person by e-mail, reads their whole story, filters the timeline and rectifies a trait',
    { timeout: 180_000 },
    async () => {
      const { context, page, errors } = await signIn('ada', '/console/people');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).waitFor();
      await page.getByRole('heading', { name: 'People' }).waitFor();

      await page.getByLabel('Identifier', { exact: true }).fill('zofia@example.com');
      await page.getByRole('button', { name: 'Find' }).click();
      const found = page.getByRole('table', { name: 'People found' });
      await found.waitFor();
      expect(await found.locator('tbody tr').count()).toBe(1);
      expect(await found.textContent()).toContain('Zofia Nowak');
      await found.getByRole('link', { name: profileId }).click();

      await page.getByRole('heading', { name: 'Zofia Nowak' }).waitFor();
      const identifiers = page.getByRole('list', { name: 'Identifiers' });
      for (const text of ['zofia-7', 'zofia@example.com', 'anon-zofia']) expect(await identifiers.textContent()).toContain(text);
      const traits = page.getByRole('table', { name: 'Traits' });
      expect(await traits.getByRole('row', { name: /city/ }).textContent()).toContain('Gdansk');
      expect(
        await page
          .getByRole('table', { name: 'Consents' })
          .getByRole('row', { name: /email_marketing/ })
          .textContent(),
      ).toContain('granted');
      const segments = page.getByRole('table', { name: 'Segments' });
      expect(await segments.textContent()).toContain('E-book readers');
      expect(await segments.textContent()).toContain('On the pro plan');
      const run = page.getByRole('table', { name: 'Journey runs' }).getByRole('row', { name: /ebook_drip/ });
      expect(await run.textContent()).toMatch(/wait, until/);
      // The step as the journey's diagram names it.
      await expect.poll(() => run.textContent()).toContain('wait 1 day');
      const messages = page.getByRole('table', { name: 'Messages' });
      expect(await messages.textContent()).toContain('ebook_chapter');

      const events = page.getByRole('table', { name: 'Events' });
      await events.waitFor();
      const pricing = events.getByRole('row', { name: /Pricing/ });
      expect(await pricing.textContent()).toContain('https://shop.example/pricing');
      expect(await pricing.textContent()).toContain('Chrome on Windows');
      expect(await events.getByRole('row', { name: /Ebook Signup/ }).textContent()).toContain('format: pdf');
      await page.setViewportSize({ width: 1280, height: 1950 });
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshot(page, 'people');
      await page.setViewportSize({ width: 1280, height: 800 });

      // Only the sign-ups.
      await page.getByLabel('Event name').fill('Ebook Signup');
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => events.locator('tbody tr').count()).toBe(1);
      expect(await events.locator('tbody tr').textContent()).toContain('Ebook Signup');

      // The city was wrong: rectified, and the audit log says who did it.
      const rectify = page.getByRole('form', { name: 'Rectify a trait' });
      await rectify.getByLabel('Trait').fill('city');
      await rectify.getByLabel('New value').fill('Gdańsk');
      await rectify.getByLabel('Reason').fill('she wrote to us');
      await rectify.getByRole('button', { name: 'Rectify' }).click();
      await page.getByText('city is now Gdańsk.').waitFor();
      await expect.poll(() => traits.getByRole('row', { name: /city/ }).textContent()).toContain('Gdańsk');
      const audit = (await send(itinera.baseUrl, 'GET', '/v1/audit', { auth: bearer(ADMIN_KEY) })).body.entries as Record<
        string,
        unknown
      >[];
      expect(audit).toContainEqual(expect.objectContaining({ kind: 'profile.rectified', actor: 'user:ada', reason: 'she wrote to us' }));
      expect(audit).toContainEqual(expect.objectContaining({ kind: 'profile.viewed', actor: 'user:ada', subject: { profileId } }));

      // Erasure asks for the profile id before anything happens.
      await page.getByRole('button', { name: 'Erase…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Erase this person' });
      await dialog.getByLabel(/Reason/).fill('asked by e-mail');
      const erase = dialog.getByRole('button', { name: 'Erase for good' });
      expect(await erase.isDisabled()).toBe(true);
      await dialog.getByLabel(/Type the profile id/).fill('not the id');
      expect(await erase.isDisabled()).toBe(true);
      await dialog.getByRole('button', { name: 'Cancel' }).click();

      expect(errors).toEqual([]);
      await context.close();
    },
  );

  it('on a phone, the same person reads in one column', { timeout: 120_000 }, async () => {
    const { context, page, errors } = await signIn('ada', `/console/people/${profileId}`, { width: 390, height: 1400 });
    await page.getByRole('heading', { name: 'Zofia Nowak' }).waitFor();
    await page.getByRole('table', { name: 'Events' }).waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBe(0);
    await screenshot(page, 'people-phone');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a viewer opens the same person and sees no personal data', { timeout: 120_000 }, async () => {
    const { context, page, errors } = await signIn('vic', '/console/people');
    await page.getByRole('heading', { name: 'People' }).waitFor();
    // A viewer finds by profile id or segment: no e-mail field, no trait search.
    expect(await page.getByRole('radio', { name: 'A trait' }).count()).toBe(0);
    await page.getByLabel('Profile id', { exact: true }).fill(profileId);
    await page.getByRole('button', { name: 'Find' }).click();
    const found = page.getByRole('table', { name: 'People found' });
    await found.getByRole('link', { name: profileId }).click();
    await page.getByRole('heading', { name: profileId }).waitFor();
    await page.getByRole('table', { name: 'Events' }).waitFor();
    await page.getByRole('table', { name: 'Segments' }).waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    for (const personal of ['zofia', 'Zofia', 'Nowak', 'Gdansk', 'Gdańsk', 'example.com', 'shop.example', 'pdf'])
      expect(text).not.toContain(personal);
    expect(text).toContain('Ebook Signup');
    expect(text).toContain('ebook_chapter');
    expect(await page.getByRole('table', { name: 'Traits' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Erase…' }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Rectify a trait' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
