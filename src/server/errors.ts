/**
 * Typed HTTP errors. Handlers throw these; one middleware turns them into
 * `{"error": {"code", "message", "details"?}}` with their status. Anything else is a 500
 * whose details are logged, never sent.
 */
import type { ErrorRequestHandler } from 'express';
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

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
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
