/** Console sign-in and the caller's own session (src/server/routes/sessions.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { ROLES } from '../../../accounts/roles.js';
import { SignIn } from '../../routes/sessions.js';
import { error, json, signedIn } from '../common.js';
import { dateTime } from './shared.js';

const session = z
  .object({
    user: z.object({ name: z.string(), role: z.enum(ROLES) }),
    csrfToken: z.string().meta({ description: 'Send it back as X-CSRF-Token with every change made with the cookie' }),
    expiresAt: dateTime,
  })
  .meta({
    id: 'Session',
    example: { user: { name: 'ada', role: 'marketer' }, csrfToken: 'k3J…', expiresAt: '2026-03-02T12:00:00.000Z' },
  });

const setCookie = z.object({
  'set-cookie': z.string().meta({ description: 'itinera_session: HttpOnly, SameSite=Strict, Secure over https' }),
});

export const sessionsPaths: ZodOpenApiPathsObject = {
  '/v1/sessions': {
    post: {
      tags: ['sessions'],
      summary: 'Sign in to the console',
      description: 'JSON only (a cross-site form cannot send it). Sets the session cookie; the answer carries the CSRF token.',
      security: [],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: SignIn, example: { name: 'ada', password: 'correct horse battery' } } },
      },
      responses: {
        '200': { ...json('Signed in', session), headers: setCookie },
        '400': error('Not JSON, or a name or password missing or too long'),
        '401': error('The user name or the password is wrong (`invalid_credentials`)'),
        '403': error('Sign-in from another origin (`csrf_refused`), or the account is disabled (`account_disabled`)'),
        '415': error('The body is in a charset other than UTF-8'),
        '429': {
          ...error('Too many failed sign-ins for this account (`too_many_attempts`); `details.retryAfterSeconds`'),
          headers: z.object({ 'retry-after': z.string() }),
        },
      },
    },
  },
  '/v1/session': {
    get: {
      tags: ['sessions'],
      summary: "The caller's session: who they are, their role now, the CSRF token",
      security: signedIn,
      responses: {
        '200': json('The session', session),
        '401': error('No session (`no_session`: the admin key has none), an ended one (`session_ended`) or no credentials'),
      },
    },
    delete: {
      tags: ['sessions'],
      summary: 'Sign out: ends the session and clears the cookie',
      security: signedIn,
      responses: {
        '204': { description: 'Signed out' },
        '401': error('No session, an ended one, or the admin key (which has none)'),
        '403': error('The CSRF token is missing or wrong, or the request comes from another origin (`csrf_refused`)'),
      },
    },
  },
};
