/** The console's accounts as stored: one document per user, one per session. */
import type { Role } from './roles.js';
import type { ThrottleState } from './throttle.js';

export interface UserDoc {
  /** The normalised user name (names.ts). */
  _id: string;
  role: Role;
  /** scrypt, with its parameters and salt (passwords.ts). */
  passwordHash: string;
  createdAt: Date;
  /** Who created it: the audit log's actor label (`admin`, `user:<name>`, `cli`). */
  createdBy: string;
  lastSignInAt?: Date;
  disabled: boolean;
  /**
   * Sessions carry the generation they started in; bumping it ends them all at once, with
   * one write and no scan of the sessions (revoking, disabling, a new password).
   */
  sessionGeneration: number;
  signIn: ThrottleState;
}

export interface SessionDoc {
  /** SHA-256 of the cookie's token (tokens.ts); the token itself is never stored. */
  _id: string;
  userName: string;
  /** The role at sign-in, for the record: every request re-reads the user's current role. */
  role: Role;
  generation: number;
  csrfToken: string;
  createdAt: Date;
  /** Absolute end, however active the session is. */
  expiresAt: Date;
  /** For the idle timeout; written at most once a minute. */
  lastSeenAt: Date;
  revokedAt?: Date;
}
