/**
 * The console: the browser app built by Vite into web/dist/ (scripts/build.js), served
 * under /console/ on the API's own port, nothing loaded from another host.
 *
 * - Every path under /console/ that is not a file of the build answers index.html, so a
 *   deep link (/console/rules/versions) opens the page the client router draws for it.
 * - Vite names assets by a hash of their content: they are cached for a year as immutable;
 *   index.html, which names the current assets, is revalidated on every load.
 * - The build wrote a Brotli and a gzip copy beside each text asset: the one the browser
 *   accepts is sent as it is, nothing is compressed per request.
 * - Security headers keep the page to this server: scripts only from here (none inline),
 *   no framing by another site, no sniffing of types, no full URL as referrer elsewhere.
 */
import { createReadStream, existsSync, statSync, type Stats } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';

export const CONSOLE_BASE = '/console';

/**
 * What the page may load and from where. CodeMirror writes its styles into style elements
 * and sets inline `style` attributes as it lays out lines, hence 'unsafe-inline' for
 * styles only; its lint underlines are SVG `data:` images. Scripts: this server's files only.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite puts every hashed file here (build.assetsDir). */
const ASSETS_PREFIX = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** The precompressed copies the build writes, in the order this server prefers them. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/**
 * The repository (or installed package) root: the nearest directory above this module with
 * a package.json. The same from src/server/routes/ under tsx and dist/server/routes/ in
 * production.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the console: no package.json above the server module');
    dir = parent;
  }
  return dir;
}

export const CONSOLE_DIST = join(packageRoot(), 'web', 'dist');

export function consoleRoutes(_deps: AppDeps): Router {
  return consoleRouter(CONSOLE_DIST);
}

/** The routes over a given build directory (tests serve a missing one to see the 503). */
export function consoleRouter(distDir: string): Router {
  const root = resolve(distDir);
  const router = Router();
  router.use(CONSOLE_BASE, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const [pathname = '', query] = req.originalUrl.split(/\?(.*)/s);
    if (pathname === CONSOLE_BASE) {
      // Relative asset URLs and the client router both expect the trailing slash.
      res.redirect(301, `${CONSOLE_BASE}/${query === undefined ? '' : `?${query}`}`);
      return;
    }
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      next(new HttpError(503, 'console_not_built', 'the console is not built: run `npm run build` (npm install does it too)'));
      return;
    }
    // req.path is relative to the mount point: `/` for /console/.
    const relative = safeRelativePath(req.path);
    if (relative === undefined) {
      next(new HttpError(400, 'invalid_path', 'the path names no file of the console'));
      return;
    }
    const file = relative === '' ? undefined : fileIn(root, relative);
    if (file) {
      sendFile(req, res, file.path, file.stats, `/${relative}`.startsWith(ASSETS_PREFIX) ? IMMUTABLE : REVALIDATE);
      return;
    }
    if (`/${relative}`.startsWith(ASSETS_PREFIX)) {
      // A script or style that is not there must not answer HTML: the browser would parse
      // the page as code. Typically an open page asking for an asset of a replaced build.
      next(new HttpError(404, 'not_found', 'no such asset in the console build; reload the page'));
      return;
    }
    // A client route: the app reads the path itself.
    sendFile(req, res, index, statSync(index), REVALIDATE);
  });
  return router;
}

/**
 * The decoded path below /console/ without its leading slash, or undefined when it tries
 * to leave the build directory or holds what no file name holds.
 */
function safeRelativePath(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.')) return undefined;
  return segments.join('/');
}

function fileIn(root: string, relative: string): { path: string; stats: Stats } | undefined {
  const path = resolve(root, relative);
  if (!path.startsWith(root + sep)) return undefined;
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats?.isFile() ? { path, stats } : undefined;
  } catch (error) {
    // A name no file can have (too long, or a file where a folder would be): not a file of the build.
    if (['ENAMETOOLONG', 'ENOTDIR', 'EINVAL'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}

function sendFile(req: Request, res: Response, path: string, stats: Stats, cacheControl: string): void {
  res.set(SECURITY_HEADERS);
  res.set('Content-Type', CONTENT_TYPES[extname(path)] ?? 'application/octet-stream');
  res.set('Cache-Control', cacheControl);
  res.set('Vary', 'Accept-Encoding');
  let body = { path, stats };
  for (const encoding of ENCODINGS) {
    if (!req.acceptsEncodings(encoding.name)) continue;
    const stats = statSync(path + encoding.suffix, { throwIfNoEntry: false });
    if (!stats?.isFile()) continue;
    res.set('Content-Encoding', encoding.name);
    body = { path: path + encoding.suffix, stats };
    break;
  }
  res.set('Content-Length', String(body.stats.size));
  res.set('Last-Modified', stats.mtime.toUTCString());
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(body.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
