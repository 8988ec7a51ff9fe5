/**
 * Debian's Chromium driven by playwright-core, shared by the console's browser tests.
 *
 * One browser per test file (`launchBrowser` in beforeAll, `browser.close()` in afterAll);
 * a fresh context per person (`newContext`) so cookies and localStorage of one signed-in
 * user never leak into another's. The flags keep the browser from reaching any host other
 * than the test server: no update checks, no sync, no QUIC probing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where screenshots for docs/console.md go. */
export const SCREENSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'images');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** The same launcher under the name the benches use. */
export const launchChromium = launchBrowser;

/**
 * A context of its own (cookies, storage) at a desktop size, with the test server as base
 * URL so pages open by path: `page.goto('/console/rules')`.
 */
export async function newContext(browser: Browser, baseUrl: string): Promise<BrowserContext> {
  return browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
}

/**
 * Saves a screenshot as docs/images/console-<name>.png. Only the page itself: a test
 * decides what state it shows before calling this.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `console-${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/**
 * Errors the page threw or logged, to assert that a screen rendered without any. Chromium's
 * own "Failed to load resource" lines are left out: the console asks for things that may be
 * absent (GET /v1/session before sign-in answers 401, GET /v1/rules 404 before any deploy).
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  return errors;
}
