/**
 * What the documents of the privacy, consent and profile areas share (paths/*.ts): an
 * instant as JSON carries it, the header a profile read may add, the plain pages a person
 * opens from an e-mail or their privacy page, and the redirect their forms answer with.
 */
import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';
import { error, errorBody } from './common.js';

/** A Date as `res.json` writes it. */
export const instant = z.iso.datetime().meta({ id: 'Instant', description: 'An instant, UTC', example: '2026-05-04T09:30:00.000Z' });

/** A profile read answers once the profile writer caught up, or after a bound with what is stored (src/server/consistency.ts). */
export const behindHeader = z.object({
  'Itinera-Behind-Events': z
    .string()
    .regex(/^\d+$/)
    .optional()
    .meta({ description: 'Events accepted but not yet applied to profiles when the read gave up waiting' }),
});

/** A JSON answer from a profile read (it may say how far behind the profile writer was). */
export function profileRead(description: string, schema: z.ZodType): ZodOpenApiResponseObject {
  return { description, headers: behindHeader, content: { 'application/json': { schema } } };
}

/** A page for a person's browser (src/server/person-page.ts): plain HTML, never cached. */
export function html(description: string): ZodOpenApiResponseObject {
  return { description, content: { 'text/html': { schema: z.string().meta({ description: 'An HTML page' }) } } };
}

/** A form post's 400: the page again, or the JSON error when body-parser refused the body (too large). */
export function formRefused(description: string): ZodOpenApiResponseObject {
  return {
    description,
    content: {
      'text/html': { schema: z.string().meta({ description: 'An HTML page' }) },
      'application/json': { schema: errorBody },
    },
  };
}

/** A form's answer: see the result at `Location` (a reload repeats nothing). */
export function seeOther(description: string): ZodOpenApiResponseObject {
  return {
    description,
    headers: z.object({ Location: z.string().meta({ description: 'The page that shows the result' }) }),
  };
}

/** What body-parser refuses before a JSON body reaches a route (src/server/errors.ts). */
export const jsonBodyErrors = {
  '415': error('The body is in a charset or encoding the server does not read'),
} as const;

/** A signed link from an e-mail or the privacy page: the credential, opaque. */
export const token = z.string().meta({ description: 'The signed link token, opaque', example: 'eyJwIjoicHJfMSJ9.c2lnbmF0dXJl' });

/** What a person's form bodies are sent as. */
export const FORM = 'application/x-www-form-urlencoded';
