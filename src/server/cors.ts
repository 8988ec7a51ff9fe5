/**
 * Cross-origin requests to the tracking routes, so that a web page on its own origin can
 * send events with analytics.js. Only those routes answer them: the admin routes send no
 * `Access-Control-Allow-*` header, so a browser never lets a page read or write through
 * an admin's session or key.
 *
 * Each source may name the origins allowed to use its write key (ITINERA_CORS_ORIGINS);
 * a source that names none accepts any origin. Credentials (cookies) are never allowed:
 * analytics.js keeps its ids in the page's own cookies and sends them in the body.
 *
 * A preflight carries no key, so it is answered for an origin that any source allows;
 * the request itself is then held to its own source's origins (`requireSourceOrigin`).
 */
import type { RequestHandler, Response } from 'express';
import { sourceOf, type Source } from './auth.js';
import { HttpError } from './errors.js';

/** What analytics.js sends besides the simple headers (X-Retry-Count on a retry). */
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Retry-Count';
/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

const allowsAny = (source: Source) => source.origins === undefined || source.origins.includes('*');
const allows = (source: Source, origin: string) => allowsAny(source) || source.origins!.includes(origin);

function allowOrigin(res: Response, origin: string, any: boolean): void {
  res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
  // The answer depends on the origin: a cache must not hand one origin's answer to another.
  if (!any) res.vary('Origin');
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
}

/** Answers preflights and marks answers readable for an origin some source allows. */
export function trackingCors(sources: readonly Source[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    const any = sources.every(allowsAny);
    const allowed = any || sources.some((source) => allows(source, origin));
    if (allowed) allowOrigin(res, origin, any);
    if (req.method !== 'OPTIONS') return next();
    if (!allowed) {
      res
        .status(403)
        .json({ error: { code: 'origin_not_allowed', message: `pages of ${origin} may not send events here (ITINERA_CORS_ORIGINS)` } });
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
    res.status(204).end();
  };
}

/** After the write key: a browser request from an origin its source does not allow changes nothing. */
export function requireSourceOrigin(sources: readonly Source[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    const source = sources.find((candidate) => candidate.name === sourceOf(res));
    if (origin === undefined || !source || allows(source, origin)) return next();
    // The page may read the refusal: analytics.js drops a 4xx instead of sending it ten times again.
    next(
      new HttpError(
        403,
        'origin_not_allowed',
        `the source "${source.name}" does not accept events from pages of ${origin} (ITINERA_CORS_ORIGINS)`,
      ),
    );
  };
}
