/**
 * The console's Segments and Journeys pages in Debian's Chromium, on the real servers: a
 * marketer signs in, people sign up for the e-book over HTTP, and without a reload the
 * segment list's size moves, the segment's chart and members follow, and the journey's
 * diagram counts people on the steps inside its `for` loop. A viewer sees the same
 * figures without anyone's identifiers. Screenshots go to docs/images/ (docs/console.md).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext, screenshot } from '../support/browser.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const PROGRAM = `
segment signed_up "Signed up for the e-book" {
  performed "Ebook Signup"
}

segment mid_ebook "In the middle of the e-book" {
  tagged like "*rozdz1ebook"
}

journey ebook_drip "E-book, one chapter a day" {
  when performed "Ebook Signup"
  operational
  reentry never

  for chapter in 1..3 {
    send email "ebook_chapter" with { chapter: chapter }
    tag "{chapter}rozdz1ebook"
    wait 1 day
    untag "{chapter}rozdz1ebook"
  }
  tag "ebook_completed"
}
`;

const PASSWORD = 'a long enough passphrase 42';
/** The pages read again every 5 s; a change shows within two refreshes. */
const REFRESH_TIMEOUT = 15_000;

let itinera: TestItinera;
let browser: Browser;

/** A person arrives: identified with an e-mail, then signs up for the e-book. */
async function signUp(userId: string): Promise<void> {
  const auth = basicAuth(WRITE_KEY);
  expect(
    (await send(itinera.baseUrl, 'POST', '/v1/identify', { auth, json: { userId, traits: { email: `${userId}@example.com` } } })).status,
  ).toBe(200);
  expect((await send(itinera.baseUrl, 'POST', '/v1/track', { auth, json: { userId, event: 'Ebook Signup' } })).status).toBe(200);
}

async function createUser(name: string, role: string): Promise<void> {
  const created = await send(itinera.baseUrl, 'POST', '/v1/users', { auth: bearer(ADMIN_KEY), json: { name, role, password: PASSWORD } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

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

/** The text of a table cell in a row, as the page shows it now. */
const cellText = (page: Page, row: RegExp, cell: string) => page.getByRole('row', { name: row }).locator(cell).textContent();

beforeAll(async () => {
  itinera = await startTestItinera('dashboards');
  const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { auth: bearer(ADMIN_KEY), text: PROGRAM });
  expect(deployed.status, JSON.stringify(deployed.body)).toBe(200);
  const template = await send(itinera.baseUrl, 'PUT', '/v1/templates/ebook_chapter', {
    auth: bearer(ADMIN_KEY),
    json: { subject: 'Chapter {{ with.chapter }}', html: '<p>Chapter {{ with.chapter }}</p>' },
  });
  expect(template.status, JSON.stringify(template.body)).toBeLessThan(300);
  await createUser('mara', 'marketer');
  await createUser('vic', 'viewer');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await itinera?.close();
});

describe('the Segments and Journeys pages', () => {
  it('show sizes, charts, members and the journey diagram moving as events arrive, without a reload', { timeout: 180_000 }, async () => {
    const { context, page, errors } = await signIn('mara', '/console/segments');
    const signedUpRow = /Signed up for the e-book/;

    // The list before anyone signed up: the segment is there, empty.
    await page.getByRole('heading', { name: 'Segments' }).waitFor();
    await expect.poll(() => cellText(page, signedUpRow, '.dash-size'), { timeout: REFRESH_TIMEOUT }).toBe('0');
    await expect.poll(() => cellText(page, signedUpRow, '.dash-badge'), { timeout: 60_000 }).toBe('ready');
    await page.evaluate('window.__sameDocument = true');

    await signUp('reader-1');
    await signUp('reader-2');

    // The size moves by itself, on the same document (no reload, no navigation).
    await expect.poll(() => cellText(page, signedUpRow, '.dash-size'), { timeout: REFRESH_TIMEOUT }).toBe('2');
    await expect.poll(() => cellText(page, /In the middle of the e-book/, '.dash-size'), { timeout: REFRESH_TIMEOUT }).toBe('2');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await expect
      .poll(() => page.getByRole('img', { name: /Signed up for the e-book, size: .* 2 on \d{4}-\d{2}-\d{2}$/ }).count(), {
        timeout: REFRESH_TIMEOUT,
      })
      .toBe(1);
    await page.getByText(/Updated \d+ s ago · refreshes every 5 s/).waitFor();
    await screenshot(page, 'segments');

    // The segment's page: definition, charts, members with their identifiers (a marketer sees them).
    await page.getByRole('link', { name: 'Signed up for the e-book' }).click();
    await page.getByRole('heading', { name: 'Signed up for the e-book' }).waitFor();
    expect(await page.locator('.dash-source').textContent()).toContain('performed "Ebook Signup"');
    const sizeFigure = page.getByRole('figure', { name: 'Size over time' });
    await sizeFigure.locator('canvas').first().waitFor();
    await page.getByRole('figure', { name: 'Entries and exits per day' }).locator('canvas').first().waitFor();
    const members = page.getByRole('table', { name: 'Members' });
    await expect.poll(() => members.locator('tbody tr').count(), { timeout: REFRESH_TIMEOUT }).toBe(2);
    expect(await members.textContent()).toContain('reader-1@example.com');

    // A third person: the size and the chart's latest value move, still without a reload.
    await signUp('reader-3');
    await expect.poll(() => page.getByTestId('segment-size').textContent(), { timeout: REFRESH_TIMEOUT }).toBe('3');
    await expect.poll(() => sizeFigure.locator('table tbody tr').last().textContent(), { timeout: REFRESH_TIMEOUT }).toMatch(/3$/);
    await expect.poll(() => members.locator('tbody tr').count(), { timeout: REFRESH_TIMEOUT }).toBe(3);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);

    // Finding a member by an identifier.
    await page.getByLabel('Find a member').fill('reader-2@example.com');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect.poll(() => members.locator('tbody tr').count(), { timeout: REFRESH_TIMEOUT }).toBe(1);
    expect(await members.textContent()).toContain('reader-2@example.com');
    expect(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe('/v1/segments/signed_up/members?format=csv');

    // A draft counted before it is deployed.
    await page
      .getByLabel('Draft segment')
      .fill('segment signed_up "Signed up for the e-book" {\n  performed "Ebook Signup" and tagged "nobody"\n}');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect
      .poll(() => page.getByRole('status', { name: 'Preview result' }).textContent(), { timeout: REFRESH_TIMEOUT })
      .toMatch(/Signed up for the e-book: 0 people \(now 3, −3\)/);
    await page.getByRole('button', { name: 'Show all' }).click();
    await expect.poll(() => members.locator('tbody tr').count(), { timeout: REFRESH_TIMEOUT }).toBe(3);
    // Taller than the default window, so the picture holds the charts and the members.
    await page.setViewportSize({ width: 1280, height: 1250 });
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'segment');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Journeys: three people entered, all still on their way.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Journeys' }).click();
    const journeyRow = /E-book, one chapter a day/;
    await expect
      .poll(() => page.getByRole('row', { name: journeyRow }).locator('td').allTextContents(), { timeout: REFRESH_TIMEOUT })
      .toEqual(['live', '3', '3', '0']);
    await screenshot(page, 'journeys');

    // The diagram: the trigger with who entered, and the counts of the steps inside the `for`
    // loop (all chapters summed): everyone got chapter 1 and waits out its day.
    await page.getByRole('link', { name: 'E-book, one chapter a day' }).click();
    await page.getByRole('listitem', { name: /^when performed "Ebook Signup" — entered 3$/ }).waitFor({ timeout: REFRESH_TIMEOUT });
    const loop = page.getByRole('listitem', { name: /^for chapter in 1\.\.3/ });
    await loop
      .getByRole('listitem', { name: /^send email "ebook_chapter".* — reached 3, waiting 0, passed 3, ended here 0$/ })
      .waitFor({ timeout: REFRESH_TIMEOUT });
    await loop
      .getByRole('listitem', { name: /^wait 1 day — reached 3, waiting 3, passed 0, ended here 0$/ })
      .waitFor({ timeout: REFRESH_TIMEOUT });
    await loop.getByRole('listitem', { name: /^untag .* — reached 0, waiting 0, passed 0, ended here 0$/ }).waitFor();
    // Per iteration: chapter 1 reached by all three, chapter 2 by nobody yet.
    const waitStep = loop.getByRole('listitem', { name: /^wait 1 day/ });
    expect(await waitStep.getByRole('listitem', { name: 'chapter 1: reached 3, waiting 3' }).count()).toBe(1);
    expect(await waitStep.getByRole('listitem', { name: 'chapter 2: reached 0, waiting 0' }).count()).toBe(1);
    expect(await page.getByRole('listitem', { name: /^tag "ebook_completed" — reached 0/ }).count()).toBe(1);
    expect(await page.getByLabel('Rules version').locator('option').first().textContent()).toMatch(/\(active\)/);
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    // Taller, so the picture holds the whole loop with its counts.
    await page.setViewportSize({ width: 1280, height: 1200 });
    await screenshot(page, 'journey');

    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows a viewer the sizes and members by profile id, without anyone's identifiers", async () => {
    const { context, page, errors } = await signIn('vic', '/console/segments/signed_up');
    await page.getByRole('heading', { name: 'Signed up for the e-book' }).waitFor();
    const members = page.getByRole('table', { name: 'Members' });
    await expect.poll(() => members.locator('tbody tr').count(), { timeout: REFRESH_TIMEOUT }).toBe(3);
    const shown = await members.textContent();
    expect(shown).not.toContain('@example.com');
    expect(shown).not.toContain('reader-');
    expect(await members.getByRole('columnheader').allTextContents()).toEqual(['Profile', 'Member since']);
    // A viewer may not change rules, so there is no draft to try; nor pause a journey.
    expect(await page.getByLabel('Draft segment').count()).toBe(0);
    await page.goto('/console/journeys/ebook_drip');
    await page.getByRole('listitem', { name: /^when performed "Ebook Signup" — entered 3$/ }).waitFor({ timeout: REFRESH_TIMEOUT });
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
