/**
 * What the accounts' use cases need from storage, stated here so that this module (a low
 * layer: it may not import the stores) describes them and src/store implements them.
 */
import type { AuditDoc } from '../model.js';
import type { Role } from './roles.js';
import type { SessionDoc, UserDoc } from './types.js';

/** An attempt claimed (the user, when the name is an account), or refused while locked. */
export type SignInClaim = { allowed: true; user?: UserDoc } | { allowed: false; retryAfterMs: number };

export interface UserChanges {
  role?: Role;
  disabled?: boolean;
  passwordHash?: string;
  /** Ends every session the user has (UserDoc.sessionGeneration). */
  endSessions?: boolean;
}

export interface Users {
  get(name: string): Promise<UserDoc | undefined>;
  /** False when the name is taken. */
  insert(user: UserDoc): Promise<boolean>;
  list(): Promise<UserDoc[]>;
  /** The user as changed, or undefined when there is none. */
  update(name: string, changes: UserChanges): Promise<UserDoc | undefined>;
  /** Counts an attempt for `name` (an account or not) before its password is checked; see throttle.ts. */
  claimSignIn(name: string, now: Date): Promise<SignInClaim>;
  signedIn(name: string, now: Date, newPasswordHash?: string): Promise<void>;
}

export interface Sessions {
  insert(session: SessionDoc): Promise<void>;
  get(id: string): Promise<SessionDoc | undefined>;
  seen(session: SessionDoc, now: Date): Promise<void>;
  revoke(id: string, now: Date): Promise<void>;
  removeEnded(now: Date, idleMs: number): Promise<number>;
}

export interface Audit {
  record(entry: Omit<AuditDoc, '_id'>): Promise<void>;
}

export interface AccountsDeps {
  users: Users;
  sessions: Sessions;
  audit: Audit;
  now: () => Date;
}
