/**
 * GET /metrics: the registry in Prometheus's text format, on the main HTTP port. With a
 * token configured (ITINERA_METRICS_TOKEN) it takes `Authorization: Bearer <token>` from
 * anywhere; without one it answers loopback clients only, so `npm start` on its defaults
 * can be scraped from the same host and is never open to the world (docs/ops/metrics.md).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { refreshOutboxGauges } from './definitions.js';
import { registry } from './registry.js';

export const METRICS_ROUTE = '/metrics';

const digest = (text: string) => createHash('sha256').update(text).digest();

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * A client on this host, as the app sees it. A request forwarded by a proxy on this host
 * (an X-Forwarded-For or Forwarded header) is not, unless the app trusts its proxies and
 * `req.ip` is then the client behind them: a local reverse proxy must not open /metrics.
 */
function fromLoopback(req: Request): boolean {
  const ip = req.ip ?? req.socket.remoteAddress ?? '';
  if (!LOOPBACK.has(ip)) return false;
  const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return !forwarded || req.app.get('trust proxy') !== false;
}

function refuse(res: Response, status: 401 | 403, code: string, message: string): void {
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
  res.status(status).json({ error: { code, message } });
}

export function metricsRoutes(options: { token?: string | undefined }): Router {
  const router = Router();
  const expected = options.token ? digest(options.token) : undefined;
  router.get(METRICS_ROUTE, async (req, res) => {
    if (expected) {
      const header = req.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (!given || !timingSafeEqual(digest(given), expected)) {
        refuse(res, 401, 'unauthorized', 'GET /metrics needs Authorization: Bearer <ITINERA_METRICS_TOKEN>');
        return;
      }
    } else if (!fromLoopback(req)) {
      refuse(res, 403, 'forbidden', 'GET /metrics answers only this host unless ITINERA_METRICS_TOKEN is set');
      return;
    }
    await refreshOutboxGauges();
    res.setHeader('Content-Type', registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(await registry.metrics());
  });
  return router;
}
