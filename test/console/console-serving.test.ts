/**
 * The console as HTTP serves it: built by `npm run build` into web/dist/ (global setup runs
 * the build when stale), answered under /console/ by the API's own server. Deep links get
 * the page, hashed assets are cached for good and sent precompressed, the page may load
 * nothing from another host, and a missing build says how to make one.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST, consoleRouter } from '../../src/server/routes/console.js';
import { errorMiddleware } from '../../src/server/errors.js';
import { createLogger } from '../../src/logger.js';
import { startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
let scriptPath: string;

const raw = (path: string, headers: Record<string, string> = {}) => fetch(`${itinera.baseUrl}${path}`, { headers, redirect: 'manual' });

beforeAll(async () => {
  itinera = await startTestItinera('console_serving', { runWorker: false });
  const index = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
  scriptPath = /<script type="module" crossorigin src="([^"]+)"/.exec(index)![1]!;
}, 120_000);

afterAll(async () => {
  await itinera?.close();
});

describe('the console under /console/', () => {
  it('redirects /console to /console/, keeping the query', async () => {
    const bare = await raw('/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/console/');
    const withQuery = await raw('/console?next=rules');
    expect(withQuery.headers.get('location')).toBe('/console/?next=rules');
  });

  it('answers the page for the root and for any deep link, revalidated on every load', async () => {
    for (const path of ['/console/', '/console/rules', '/console/rules/versions', '/console/segments/mid_ebook', '/console/users']) {
      const response = await raw(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      const html = await response.text();
      expect(html).toContain('<div id="app"></div>');
      expect(html).toContain(scriptPath);
    }
  });

  it('sends hashed assets with a year of immutable caching, as JavaScript', async () => {
    const response = await raw(scriptPath);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sends the Brotli or gzip copy the browser accepts, with Vary, and the plain file to one that accepts neither', async () => {
    const plain = readFileSync(join(CONSOLE_DIST, scriptPath.replace(/^\/console\//, '')));
    // Node's fetch would decode the body itself; read the bytes as sent.
    const bytes = async (encoding: string) => {
      const { request } = await import('node:http');
      const url = new URL(`${itinera.baseUrl}${scriptPath}`);
      return new Promise<{ encoding: string | undefined; vary: string | undefined; body: Buffer }>((resolve, reject) => {
        request(url, { headers: { 'accept-encoding': encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], vary: res.headers.vary, body: Buffer.concat(chunks) }));
        })
          .on('error', reject)
          .end();
      });
    };
    const br = await bytes('gzip, deflate, br');
    expect(br.encoding).toBe('br');
    expect(br.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).equals(plain)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.length / 2);
    const gzip = await bytes('gzip');
    expect(gzip.encoding).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(plain)).toBe(true);
    const identity = await bytes('identity');
    expect(identity.encoding).toBeUndefined();
    expect(identity.body.equals(plain)).toBe(true);
    const refused = await bytes('br;q=0, gzip');
    expect(refused.encoding).toBe('gzip');
  });

  it('answers 404, not the page, for an asset that is not in the build', async () => {
    const response = await raw('/console/assets/gone-12345678.js');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('answers the page for a deep link no file could be named (too long for the file system, or under a file)', async () => {
    for (const path of [`/console/journeys/${'ż'.repeat(200)}`, '/console/index.html/child']) {
      const response = await raw(path);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain('<div id="app"></div>');
    }
  });

  it('refuses a path that tries to leave the build directory', async () => {
    const response = await raw('/console/..%2f..%2fpackage.json');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_path');
  });

  it('keeps the page to this server: a strict CSP, no framing, no sniffing, same-origin referrers', async () => {
    const response = await raw('/console/rules');
    const csp = response.headers.get('content-security-policy')!;
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives['default-src']).toEqual(["'self'"]);
    // No inline or evaluated script: only this server's files.
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('builds nothing that names another host, and no inline script in the page', () => {
    const files = readdirSync(CONSOLE_DIST, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.(js|css|html)$/.test(entry.name))
      .map((entry) => join(entry.parentPath, entry.name));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // A URL that would load something: src=, href=, url(), import, fetch of an absolute http(s) address.
      const loads =
        text.match(
          /(?:src|href)\s*=\s*["']https?:\/\/[^"']+|url\(\s*["']?https?:\/\/[^)]+|import\s*\(?\s*["']https?:\/\/[^"']+|fetch\(\s*["']https?:\/\/[^"']+/g,
        ) ?? [];
      expect(loads, file).toEqual([]);
    }
    const index = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
    expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(index).not.toMatch(/\sstyle="/);
  });

  it('leaves other methods to the API: POST under /console/ is not an endpoint', async () => {
    const response = await fetch(`${itinera.baseUrl}/console/rules`, { method: 'POST' });
    expect(response.status).toBe(404);
  });
});

describe('without a build', () => {
  let dir: string;
  let server: ReturnType<express.Express['listen']>;
  let baseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'itinera-console-missing-'));
    const app = express();
    app.use(consoleRouter(join(dir, 'dist')));
    app.use(errorMiddleware(createLogger('silent')));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 saying to run npm run build', async () => {
    const response = await fetch(`${baseUrl}/console/rules`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('console_not_built');
    expect(body.error.message).toContain('npm run build');
  });
});
