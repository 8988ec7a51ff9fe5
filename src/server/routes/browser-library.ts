/**
 * Segment's browser library, analytics.js 2.0, served by Itinera itself, so that a site's
 * events never pass through anyone else's servers (data residency):
 *
 *   GET /analytics.js/v1/:writeKey/analytics.min.js   the library (the pinned npm package's standalone build)
 *   GET /analytics-next/bundles/:file                  the chunks it loads on demand
 *   GET /v1/projects/:writeKey/settings                the settings it would fetch from Segment's CDN
 *
 * The library takes its CDN from the script's own address, so a page that loads it from
 * here fetches everything else from here too. The settings name one destination,
 * `Segment.io`, pointed at this server's tracking routes, and turn the library's own
 * usage metrics off. The snippet to paste is in the README.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router, type Request } from 'express';
import type { AppDeps } from '../deps.js';
import { sourceByKey } from '../auth.js';
import { badRequest, notFound } from '../errors.js';

const require = createRequire(import.meta.url);
const packageRoot = dirname(require.resolve('@segment/analytics-next/package.json'));
/** The version served, pinned in package.json: a site sees the library this server was tested with. */
export const ANALYTICS_NEXT_VERSION = (require('@segment/analytics-next/package.json') as { version: string }).version;
const bundleDir = join(packageRoot, 'dist', 'umd');
const BUNDLE_FILE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.js$/;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

let library: Buffer | undefined;
const standalone = () => (library ??= readFileSync(join(bundleDir, 'standalone.js')));

/** Where browsers reach this server: ITINERA_PUBLIC_URL, else the host the request was sent to. */
function publicAddress(req: Request, publicUrl: string | undefined): { host: string; protocol: string } {
  if (publicUrl) {
    const url = new URL(publicUrl);
    return { host: `${url.host}${url.pathname.replace(/\/+$/, '')}`, protocol: url.protocol.slice(0, -1) };
  }
  const host = req.get('host') ?? '';
  if (!HOST.test(host)) throw badRequest('invalid_host', 'the Host header is not a host name; set ITINERA_PUBLIC_URL');
  return { host, protocol: req.protocol };
}

/** The settings analytics.js reads at load: one destination, this server; no usage metrics. */
export function librarySettings(writeKey: string, address: { host: string; protocol: string }) {
  const apiHost = `${address.host}/v1`;
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost,
        protocol: address.protocol,
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0, host: apiHost },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}

export function browserLibraryRoutes(deps: Pick<AppDeps, 'sources' | 'publicUrl'>): Router {
  const router = Router();
  const knownKey = (writeKey: string) => {
    if (!sourceByKey(deps.sources, writeKey)) throw notFound('no source has this write key');
  };

  router.get('/analytics.js/v1/:writeKey/analytics.min.js', (req, res) => {
    knownKey(req.params.writeKey!);
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('application/javascript').send(standalone());
  });

  router.get('/analytics-next/bundles/:file', (req, res, next) => {
    const file = req.params.file!;
    if (!BUNDLE_FILE.test(file)) return next(notFound('no such bundle'));
    // Chunk names carry a content hash: a name is never reused for other content.
    res.sendFile(file, { root: bundleDir, maxAge: '365d', immutable: true, dotfiles: 'deny' }, (error) => {
      if (error) next(notFound('no such bundle'));
    });
  });

  router.get('/v1/projects/:writeKey/settings', (req, res) => {
    knownKey(req.params.writeKey!);
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.json(librarySettings(req.params.writeKey!, publicAddress(req, deps.publicUrl)));
  });
  return router;
}
