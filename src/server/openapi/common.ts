/**
 * What every part of the API contract shares (src/server/openapi/document.ts puts the
 * parts together): the error body every 4xx and 5xx carries (src/server/errors.ts), the
 * three ways to authenticate, and helpers that keep each path's description short.
 *
 * Request schemas are the very ones the routes validate with (exported from the route
 * files or src/server/schemas); response schemas are written here beside them, and the
 * suite checks every response it receives against the document (test/support/contract.ts).
 */
import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';

export const errorBody = z
  .object({
    error: z
      .object({
        code: z.string().meta({ description: 'Machine-readable, stable: what went wrong', example: 'invalid_body' }),
        message: z.string().meta({ description: 'For people: what to change' }),
        details: z.unknown().optional().meta({ description: 'Per-field problems of a rejected request, when there are some' }),
      })
      .meta({ additionalProperties: true }),
  })
  .meta({ id: 'Error', description: 'The body of every error answer' });

/** Security scheme names, as `components.securitySchemes` declares them. */
export const SECURITY = {
  /** A source's write key as HTTP Basic user name (Segment's convention), empty password. */
  writeKey: 'writeKey',
  /** The admin key as a Bearer token. */
  adminKey: 'adminKey',
  /** A console user's session cookie (plus the CSRF header on writes). */
  session: 'session',
  /** ITINERA_METRICS_TOKEN as a Bearer token, for GET /metrics only. */
  metricsToken: 'metricsToken',
} as const;

export const securitySchemes = {
  [SECURITY.writeKey]: {
    type: 'http',
    scheme: 'basic',
    description: "A source's write key as the user name, the password empty (as Segment's libraries send it).",
  },
  [SECURITY.adminKey]: { type: 'http', scheme: 'bearer', description: 'The admin key (ITINERA_ADMIN_KEY).' },
  [SECURITY.metricsToken]: { type: 'http', scheme: 'bearer', description: 'ITINERA_METRICS_TOKEN, for GET /metrics.' },
  [SECURITY.session]: {
    type: 'apiKey',
    in: 'cookie',
    name: 'itinera_session',
    description: 'A console user signed in with POST /v1/session; what they may do depends on their role.',
  },
} as const;

/** For routes the admin key or a console session may call (what a role may do: docs/console.md). */
export const signedIn: Record<string, string[]>[] = [{ [SECURITY.adminKey]: [] }, { [SECURITY.session]: [] }];
/** For the tracking routes. */
export const withWriteKey: Record<string, string[]>[] = [{ [SECURITY.writeKey]: [] }];
/** For links a person opens from an e-mail or the privacy page: the signed token is the authority. */
export const open: Record<string, string[]>[] = [];

/** A JSON answer. */
export function json(description: string, schema: z.ZodType): ZodOpenApiResponseObject {
  return { description, content: { 'application/json': { schema } } };
}

/** An error answer with the shared body. */
export function error(description: string): ZodOpenApiResponseObject {
  return json(description, errorBody);
}

/** The errors most signed-in routes can give, to spread into `responses`. */
export const signedInErrors = {
  '401': error('No admin key or session, or not a valid one'),
  '403': error(
    "The caller's role may not do this (`forbidden`), or a change made with the session cookie lacks the CSRF token or comes from another origin (`csrf_refused`)",
  ),
} as const;
