/**
 * Session secrets. The cookie carries a random token; the database keeps only its SHA-256
 * (the session's `_id`), so a copy of the database does not hold a usable session. The
 * token has 256 random bits: a fast hash is enough, there is nothing to guess.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_BYTES = 32;

export const newSessionToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url');
export const newCsrfToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url');

/** The session's id: what the database stores in place of the token. */
export const sessionIdOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Constant-time comparison of two secrets, their lengths hidden too. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
