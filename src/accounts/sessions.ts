/**
 * Signing in and out, and finding who a session cookie belongs to. Nothing here lives in
 * one process's memory: the throttle, the session and the user are read from the database
 * on every request (two `_id` lookups), so a role change, a disabled user or a revoke takes
 * effect at once on every server process.
 */
import { normaliseUserName, userNameProblem } from './names.js';
import { decoyHash, MAX_PASSWORD_LENGTH, needsRehash, hashPassword, verifyPassword } from './passwords.js';
import type { AccountsDeps } from './ports.js';
import { newCsrfToken, newSessionToken, sessionIdOf } from './tokens.js';
import type { SessionDoc, UserDoc } from './types.js';

export interface SessionPolicy {
  /** A session ends this long after sign-in, however active. */
  absoluteMs: number;
  /** A session unused this long ends (0: no idle timeout). */
  idleMs: number;
}

/** 12 hours from sign-in, or 60 minutes unused (ITINERA_SESSION_HOURS, ITINERA_SESSION_IDLE_MINUTES). */
export const DEFAULT_SESSION_POLICY: SessionPolicy = { absoluteMs: 12 * 60 * 60_000, idleMs: 60 * 60_000 };

export type SignInResult =
  | { kind: 'signed-in'; token: string; session: SessionDoc; user: UserDoc }
  /** Wrong password, or no such user: the same answer for both. */
  | { kind: 'invalid' }
  | { kind: 'locked'; retryAfterMs: number }
  /** The right password for a disabled account. */
  | { kind: 'disabled' };

export async function signIn(deps: AccountsDeps, policy: SessionPolicy, input: { name: string; password: string }): Promise<SignInResult> {
  const now = deps.now();
  const name = normaliseUserName(input.name);
  // A name that cannot be an account is throttled and timed like one that is not.
  const claim = await deps.users.claimSignIn(userNameProblem(name) ? `#${name}` : name, now);
  if (!claim.allowed) return { kind: 'locked', retryAfterMs: claim.retryAfterMs };
  const user = claim.user;
  const password = input.password.length > MAX_PASSWORD_LENGTH ? '' : input.password;
  const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !matches) return { kind: 'invalid' };
  if (user.disabled) return { kind: 'disabled' };

  await deps.users.signedIn(user._id, now, needsRehash(user.passwordHash) ? await hashPassword(password) : undefined);
  // Ended sessions are cleared here, where a scan of the (small) collection costs no one a page load.
  await deps.sessions.removeEnded(now, policy.idleMs);
  const token = newSessionToken();
  const session: SessionDoc = {
    _id: sessionIdOf(token),
    userName: user._id,
    role: user.role,
    generation: user.sessionGeneration,
    csrfToken: newCsrfToken(),
    createdAt: now,
    expiresAt: new Date(now.getTime() + policy.absoluteMs),
    lastSeenAt: now,
  };
  await deps.sessions.insert(session);
  await deps.audit.record({ at: now, kind: 'session.started', actor: `user:${user._id}`, subject: { user: user._id } });
  return { kind: 'signed-in', token, session, user };
}

export type SessionLookup =
  | { kind: 'active'; session: SessionDoc; user: UserDoc }
  | { kind: 'ended'; reason: 'unknown' | 'expired' | 'idle' | 'revoked' | 'disabled' };

/** The session a cookie's token names, and its user as they are now, if it may still be used. */
export async function findSession(
  deps: Pick<AccountsDeps, 'sessions' | 'users' | 'now'>,
  policy: SessionPolicy,
  token: string,
): Promise<SessionLookup> {
  const now = deps.now();
  const session = await deps.sessions.get(sessionIdOf(token));
  if (!session) return { kind: 'ended', reason: 'unknown' };
  if (session.revokedAt) return { kind: 'ended', reason: 'revoked' };
  if (now >= session.expiresAt) return { kind: 'ended', reason: 'expired' };
  if (policy.idleMs > 0 && now.getTime() - session.lastSeenAt.getTime() >= policy.idleMs) return { kind: 'ended', reason: 'idle' };
  const user = await deps.users.get(session.userName);
  if (!user || user.sessionGeneration !== session.generation) return { kind: 'ended', reason: 'revoked' };
  if (user.disabled) return { kind: 'ended', reason: 'disabled' };
  await deps.sessions.seen(session, now);
  return { kind: 'active', session, user };
}

export async function signOut(deps: Pick<AccountsDeps, 'sessions' | 'now'>, sessionId: string): Promise<void> {
  await deps.sessions.revoke(sessionId, deps.now());
}
