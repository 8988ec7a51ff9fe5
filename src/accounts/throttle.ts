/**
 * Sign-in throttling per account: the policy, without storage. The state lives on the
 * account's own document (src/store/users.ts) and every attempt is claimed there with one
 * version-guarded write before the password is checked, so the limit holds across any
 * number of server processes and against guesses sent in parallel.
 *
 * Five consecutive failures are free (typos, a forgotten caps lock); the fifth locks the
 * account for a minute, and each failure after a lock doubles it, up to an hour: about 30
 * guesses a day against one account. A successful sign-in clears the state; a day without
 * failures forgets them.
 */

export const FREE_FAILURES = 5;
const FIRST_LOCK_MS = 60_000;
const LONGEST_LOCK_MS = 60 * 60_000;
const FORGET_AFTER_MS = 24 * 60 * 60_000;

export interface ThrottleState {
  /** Consecutive failed attempts (an attempt counts as failed until it succeeds). */
  failures: number;
  lastFailureAt?: Date;
  lockedUntil?: Date;
  /** Bumped by every write: the guard that makes a claim atomic. */
  version: number;
}

export const NO_FAILURES: ThrottleState = { failures: 0, version: 0 };

/** How long the account stays locked after its `failures`-th consecutive failure. */
export function lockAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** (failures - FREE_FAILURES), LONGEST_LOCK_MS);
}

/** Milliseconds until another attempt is allowed, or 0. */
export function lockedFor(state: ThrottleState, now: Date): number {
  return state.lockedUntil ? Math.max(0, state.lockedUntil.getTime() - now.getTime()) : 0;
}

/**
 * The state an attempt writes before its password is checked: as if it failed. A correct
 * password then clears it; a crash or an error in between leaves it counted.
 */
export function claimAttempt(state: ThrottleState, now: Date): ThrottleState {
  const stale = state.lastFailureAt !== undefined && now.getTime() - state.lastFailureAt.getTime() > FORGET_AFTER_MS;
  const failures = (stale ? 0 : state.failures) + 1;
  const lock = lockAfter(failures);
  return { failures, lastFailureAt: now, ...(lock > 0 ? { lockedUntil: new Date(now.getTime() + lock) } : {}), version: state.version + 1 };
}
