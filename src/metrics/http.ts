/**
 * What the HTTP server contributes: every request's duration by route pattern and status
 * class, and the tracking API's refusals by reason. Both listen for the response's
 * `finish`, so they time and classify what was really answered, whoever answered it.
 */
import type { Request, RequestHandler } from 'express';
import { eventsRefusedBy, observeHttpRequest, type RefusalReason } from './definitions.js';
import { routePattern, statusClass } from './labels.js';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Times every request; mount first, so nothing escapes it. */
export function httpTiming(): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      // Express leaves the matched route on the request; a request no route took (a key
      // refused by a middleware, a static file, a 404) is `none`: never the raw URL.
      const route = req.route ? routePattern((req.route as { path: unknown }).path) : 'none';
      const method = METHODS.has(req.method) ? req.method : 'other';
      observeHttpRequest(method, route, statusClass(res.statusCode), (performance.now() - started) / 1000);
    });
    next();
  };
}

function refusalOf(status: number): RefusalReason {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden_origin';
  if (status === 413) return 'too_large';
  if (status === 429 || status === 503) return 'overloaded';
  if (status >= 500) return 'error';
  return 'invalid';
}

/** The messages a refused request carried: a batch's, when its body was read, else one. */
function messagesOf(req: Request): number {
  const batch = (req.body as { batch?: unknown } | undefined)?.batch;
  return Array.isArray(batch) ? batch.length : 1;
}

/** Counts the tracking API's refused messages by reason; mount on the tracking paths, before the write key is checked. */
export function trackingRefusals(): RequestHandler {
  return (req, res, next) => {
    res.once('finish', () => {
      if (res.statusCode >= 400) eventsRefusedBy(refusalOf(res.statusCode), messagesOf(req));
    });
    next();
  };
}
