/**
 * Typed HTTP errors. Handlers throw these; one middleware turns them into
 * `{"error": {"code", "message", "details"?}}` with their status. Anything else is a 500
 * whose details are logged, never sent.
 */
import type { ErrorRequestHandler } from 'express';
import { MongoError, MongoNetworkError, MongoNotConnectedError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import type { ZodError } from 'zod';
import type { Logger } from '../logger.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new HttpError(400, code, message, details);
export const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);

/** `[path] message` for each problem, as the client needs to fix its request. */
export function fromZod(error: ZodError, code = 'invalid_body'): HttpError {
  const issues = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return badRequest(code, summary, issues);
}

/** body-parser's own errors (bad JSON, too large, wrong charset) are the client's fault. */
function fromBodyParser(error: { type?: string; status?: number; message: string }): HttpError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return badRequest('malformed_json', `the body is not valid JSON: ${error.message}`);
    case 'entity.too.large':
      return badRequest('body_too_large', `the body exceeds the ${Math.round(((error as { limit?: number }).limit ?? 0) / 1024)} KB limit`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_encoding', error.message);
    default:
      return undefined;
  }
}

/** Seconds a client waits before sending again while the database is away or full. */
export const UNAVAILABLE_RETRY_AFTER_S = { database: 5, storage: 30 };

/**
 * The database unreachable (the driver found no server, or lost it) or out of space: not a
 * bug, and nothing of the request was acknowledged, so the client is told to come back
 * (Segment's libraries retry a 503 after Retry-After). Anything else stays a 500.
 */
function fromDatabase(error: unknown): { error: HttpError; retryAfterS: number } | undefined {
  if (!(error instanceof MongoError)) return undefined;
  if (/disk is full|SQLITE_FULL|No space left on device/i.test(error.message))
    return {
      error: new HttpError(503, 'storage_full', 'the database is out of space; nothing was stored; send it again later'),
      retryAfterS: UNAVAILABLE_RETRY_AFTER_S.storage,
    };
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError
  )
    return {
      error: new HttpError(503, 'database_unavailable', 'the database is unreachable; nothing was stored; send it again later'),
      retryAfterS: UNAVAILABLE_RETRY_AFTER_S.database,
    };
  return undefined;
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const outage = fromDatabase(error);
    if (outage) {
      // For the people on call: the cause, once per refused request (the request id joins it to its line).
      logger.error({ err: error, code: outage.error.code }, 'database unavailable: request refused');
      res
        .status(503)
        .set('Retry-After', String(outage.retryAfterS))
        .json({ error: { code: outage.error.code, message: outage.error.message } });
      return;
    }
    const known = error instanceof HttpError ? error : fromBodyParser(error as { type?: string; message: string });
    if (known) {
      res
        .status(known.status)
        .json({ error: { code: known.code, message: known.message, ...(known.details ? { details: known.details } : {}) } });
      return;
    }
    logger.error({ err: error, method: req.method, route: req.route?.path ?? req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'internal error; see the server log' } });
  };
}
