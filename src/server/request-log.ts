/**
 * A request id for every request and one log line when it ends.
 *
 * The id is the caller's `X-Request-Id` when it looks like one (a proxy or a client that
 * already tagged the request: its logs and ours then meet), a new UUID otherwise; it is
 * sent back in `X-Request-Id` and stamped on every log line written while serving the
 * request (src/util/request-context.ts, src/logger.ts).
 *
 * The line names the route's pattern (`/v1/portal/:token`), never the URL: paths and query
 * strings carry signed tokens and identifiers. Tracking calls that succeed are logged at
 * debug: they come by the thousand a second, and the metrics count them; everything else
 * at info, and failures the client caused at info too (the 500s are logged as errors by
 * the error middleware, with the same id).
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { routePattern } from '../metrics/labels.js';
import type { Logger } from '../logger.js';
import { withRequest } from '../util/request-context.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** What a caller's id may look like: short, and nothing a log reader could mistake for structure. */
const CALLER_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestLog(logger: Logger, quietPaths: readonly string[]): RequestHandler {
  const quiet = new Set(quietPaths);
  return (req, res, next) => {
    const offered = req.get(REQUEST_ID_HEADER);
    const requestId = offered !== undefined && CALLER_ID.test(offered) ? offered : randomUUID();
    res.set(REQUEST_ID_HEADER, requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // The same label as the HTTP metrics: the two can be read side by side.
      const route = req.route ? routePattern((req.route as { path: unknown }).path) : 'none';
      const line = {
        reqId: requestId,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
      };
      if (res.statusCode < 400 && quiet.has(route)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    withRequest(requestId, () => next());
  };
}
