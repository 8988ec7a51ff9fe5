/**
 * Console sign-in: `POST /v1/sessions` (public), `GET /v1/session` and `DELETE /v1/session`
 * (the caller's own, behind `authenticate` in app.ts). The session travels in an HttpOnly,
 * SameSite=Strict cookie; the answer carries the CSRF token the console sends back with
 * every change (auth.ts).
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { DEFAULT_SESSION_POLICY, signIn, signOut } from '../../accounts/sessions.js';
import type { SessionDoc, UserDoc } from '../../accounts/types.js';
import { actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import { fromOwnOrigin, SESSION_COOKIE, sessionOf } from '../auth.js';
import { fromZod, HttpError } from '../errors.js';

export const SignIn = z.object({
  name: z.string().min(1, 'the user name is empty').max(256),
  password: z.string().min(1, 'the password is empty').max(4096),
});

/**
 * `Secure` when the browser reached us over https: directly, or through a proxy listed in
 * ITINERA_TRUSTED_PROXIES that says so (`req.secure` reads its X-Forwarded-Proto), or
 * through any TLS proxy in front, which the configured public URL tells.
 */
function cookieOptions(deps: AppDeps, req: Request): express.CookieOptions {
  const secure = req.secure || (deps.publicUrl?.startsWith('https:') ?? false);
  return { httpOnly: true, sameSite: 'strict', path: '/', secure };
}

const sessionBody = (session: SessionDoc, user: UserDoc) => ({
  user: { name: user._id, role: user.role },
  csrfToken: session.csrfToken,
  expiresAt: session.expiresAt,
});

function noStore(res: Response): void {
  // The answer holds the CSRF token: no cache keeps it.
  res.setHeader('cache-control', 'no-store');
}

export function sessionRoutes(deps: AppDeps): Router {
  const router = Router();
  const policy = deps.sessions ?? DEFAULT_SESSION_POLICY;
  const accounts = { users: deps.stores.users, sessions: deps.stores.sessions, audit: deps.stores.audit, now: deps.now };

  // JSON only: a cross-site form cannot send it without a preflight, which nothing here answers.
  router.post('/v1/sessions', express.json({ limit: '16kb' }), async (req, res) => {
    // Signing a victim into an attacker's account from another site is refused too.
    if (!fromOwnOrigin(req, deps.publicUrl)) throw new HttpError(403, 'csrf_refused', `sign-in from ${req.headers.origin} is not accepted`);
    const parsed = SignIn.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const result = await signIn(accounts, policy, parsed.data);
    switch (result.kind) {
      case 'invalid':
        throw new HttpError(401, 'invalid_credentials', 'the user name or the password is wrong');
      case 'locked': {
        const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
        res.setHeader('retry-after', String(seconds));
        throw new HttpError(429, 'too_many_attempts', `too many failed sign-ins for this account; try again in ${seconds} s`, {
          retryAfterSeconds: seconds,
        });
      }
      case 'disabled':
        throw new HttpError(403, 'account_disabled', 'this account is disabled; an admin can enable it');
      case 'signed-in': {
        const { token, session, user } = result;
        deps.logger.info({ user: user._id, role: user.role }, 'console sign-in');
        res.cookie(SESSION_COOKIE, token, { ...cookieOptions(deps, req), expires: session.expiresAt });
        noStore(res);
        res.json(sessionBody(session, user));
        return;
      }
    }
  });

  router.get('/v1/session', (_req, res) => {
    const actor = actorOf(res);
    const session = sessionOf(res);
    if (actor.kind !== 'user' || !session)
      throw new HttpError(401, 'no_session', 'no console session: the admin key has none (sign in with POST /v1/sessions)');
    noStore(res);
    // The role as it is now: a change by an admin shows at once.
    res.json({ user: { name: actor.name, role: actor.role }, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
  });

  router.delete('/v1/session', async (req, res) => {
    const session = sessionOf(res);
    if (!session) throw new HttpError(401, 'no_session', 'no console session: the admin key has none');
    await signOut(accounts, session._id);
    res.clearCookie(SESSION_COOKIE, cookieOptions(deps, req));
    res.status(204).end();
  });

  return router;
}
