/**
 * Who may call what. The write key (Segment-style HTTP Basic, key as user name; or, as
 * analytics.js before 1.84 sends it, `writeKey` in the JSON body) may only send events.
 * Everything else is for the admin key (`Authorization: Bearer …`, machines) or a console
 * user signed in with the session cookie (`authenticate`), as far as their role allows
 * (`authorize`, by the table in permissions.ts).
 *
 * A cookie is sent by the browser on its own, so a cookie-authenticated request that
 * changes anything must also prove it comes from the console: it carries the session's
 * CSRF token in `X-CSRF-Token` (a page elsewhere cannot read it), and an `Origin`, when the
 * browser sends one, must be this server's. The cookie is also `SameSite=Strict`; each
 * defence stands without the others.
 */
import type { Request, RequestHandler, Response } from 'express';
import { findSession, type SessionPolicy } from '../accounts/sessions.js';
import { sameSecret } from '../accounts/tokens.js';
import type { SessionDoc } from '../accounts/types.js';
import type { Stores } from '../store/index.js';
import { actorOf, setActor } from './actor.js';
import { HttpError, unauthorized } from './errors.js';
import { decide } from './permissions.js';

/** A source of events (a website, an app, a backend), known by its own write key. */
export interface Source {
  name: string;
  writeKey: string;
  /** Web origins whose pages may send events with this key; absent: any (src/server/cors.ts). */
  origins?: readonly string[];
}

/** The source whose write key authenticated this request. */
export function sourceOf(res: Response): string {
  return (res.locals as { source?: string }).source ?? 'default';
}

/** The source a write key belongs to. Every key is compared, so the time taken does not reveal which matched. */
export function sourceByKey(sources: readonly Source[], key: string): Source | undefined {
  return sources.filter((source) => sameSecret(key, source.writeKey))[0];
}

/** The write key a request carries: the Basic user name, else a `writeKey` string in a parsed body. */
function writeKeyOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Basic\s+(\S+)$/i.exec(header);
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    return decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
  }
  const body = req.body as { writeKey?: unknown } | undefined;
  return typeof body === 'object' && body !== null && typeof body.writeKey === 'string' ? body.writeKey : undefined;
}

/** Needs the body parsed first when the key may come in it (the tracking routes). */
export function requireWriteKey(sources: readonly Source[]): RequestHandler {
  return (req, res, next) => {
    const key = writeKeyOf(req);
    if (key === undefined)
      return next(
        unauthorized('send the write key as HTTP Basic user name (Authorization: Basic base64("<key>:")) or as "writeKey" in the body'),
      );
    const source = sourceByKey(sources, key);
    if (!source) return next(unauthorized('invalid write key'));
    (res.locals as { source?: string }).source = source.name;
    next();
  };
}

export const SESSION_COOKIE = 'itinera_session';
/** Methods that change nothing: no CSRF token needed. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthDeps {
  adminKey: string;
  stores: Pick<Stores, 'users' | 'sessions'>;
  now: () => Date;
  sessionPolicy: SessionPolicy;
  publicUrl?: string;
}

/** One cookie's value from the Cookie header (no parser package for one cookie). */
export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * Whether the request's `Origin`, if it has one, is this server: the configured public URL,
 * else the host the request was sent to (behind a proxy the scheme may differ, the host not).
 */
export function fromOwnOrigin(req: Request, publicUrl: string | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque origin `null`
  }
  if (publicUrl !== undefined && url.origin === new URL(publicUrl).origin) return true;
  return url.host === req.headers.host;
}

/** The session a request was authenticated with (undefined for the admin key). */
export function sessionOf(res: Response): SessionDoc | undefined {
  return (res.locals as { session?: SessionDoc }).session;
}

const csrfRefused = (message: string) => new HttpError(403, 'csrf_refused', message);

/**
 * Accepts the admin key or a live session cookie and sets the request's actor. A request
 * with an Authorization header is judged by it alone; the cookie is looked at only without.
 */
export function authenticate(deps: AuthDeps): RequestHandler {
  return async (req, res, next) => {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) return next(unauthorized('send the admin key as Authorization: Bearer <key>'));
      if (!sameSecret(match[1]!, deps.adminKey)) return next(unauthorized('invalid admin key'));
      setActor(res, { kind: 'key', name: 'admin', role: 'admin' });
      return next();
    }
    const token = cookieValue(req, SESSION_COOKIE);
    if (token === undefined || token === '') {
      return next(unauthorized('send the admin key as Authorization: Bearer <key>, or sign in (POST /v1/sessions)'));
    }
    const found = await findSession({ users: deps.stores.users, sessions: deps.stores.sessions, now: deps.now }, deps.sessionPolicy, token);
    if (found.kind === 'ended') {
      return next(new HttpError(401, 'session_ended', `the session has ended (${found.reason}); sign in again`));
    }
    if (!SAFE_METHODS.has(req.method)) {
      const given = req.headers['x-csrf-token'];
      if (typeof given !== 'string' || !sameSecret(given, found.session.csrfToken)) {
        return next(csrfRefused("a change made with the session cookie needs the header X-CSRF-Token with the session's csrfToken"));
      }
      if (!fromOwnOrigin(req, deps.publicUrl))
        return next(csrfRefused(`requests from ${req.headers.origin} may not use this server's session`));
    }
    (res.locals as { session?: SessionDoc }).session = found.session;
    setActor(res, { kind: 'user', name: found.user._id, role: found.user.role, sessionId: found.session._id });
    next();
  };
}

/** After `authenticate`: refuses what the actor's role may not do (permissions.ts). */
export function authorize(): RequestHandler {
  return (req, res, next) => {
    const actor = actorOf(res);
    const path = new URL(req.originalUrl, 'http://local').pathname;
    const decision = decide(actor.role, req.method, path);
    if (decision.allowed) return next();
    next(
      new HttpError(
        403,
        'forbidden',
        `the ${actor.role} role may not ${decision.what} (${req.method} ${path}); roles that may: ${decision.roles.join(', ')}`,
        {
          role: actor.role,
          method: req.method,
          path,
          allowedRoles: decision.roles,
        },
      ),
    );
  };
}
