/**
 * Managing console users: the use cases behind `POST/GET/PATCH /v1/users…` and `itinera
 * users`, each audited under the actor who did it.
 */
import { AccountError } from './errors.js';
import { normaliseUserName, userNameProblem } from './names.js';
import { hashPassword, passwordProblem } from './passwords.js';
import type { AccountsDeps, UserChanges } from './ports.js';
import type { Role } from './roles.js';
import type { UserDoc } from './types.js';
import { NO_FAILURES } from './throttle.js';

/** A user as answered: never the hash, never the throttle's state. */
export interface UserView {
  name: string;
  role: Role;
  createdAt: Date;
  createdBy: string;
  lastSignInAt: Date | null;
  disabled: boolean;
}

export const viewOf = (user: UserDoc): UserView => ({
  name: user._id,
  role: user.role,
  createdAt: user.createdAt,
  createdBy: user.createdBy,
  lastSignInAt: user.lastSignInAt ?? null,
  disabled: user.disabled,
});

type Deps = Pick<AccountsDeps, 'users' | 'audit' | 'now'>;

function checkedName(given: string): string {
  const name = normaliseUserName(given);
  const problem = userNameProblem(name);
  if (problem) throw new AccountError(400, 'invalid_name', problem);
  return name;
}

function checkedPassword(password: string): string {
  const problem = passwordProblem(password);
  if (problem) throw new AccountError(400, 'weak_password', problem);
  return password;
}

export async function addUser(deps: Deps, input: { name: string; role: Role; password: string }, actor: string): Promise<UserView> {
  const name = checkedName(input.name);
  const passwordHash = await hashPassword(checkedPassword(input.password));
  const user: UserDoc = {
    _id: name,
    role: input.role,
    passwordHash,
    createdAt: deps.now(),
    createdBy: actor,
    disabled: false,
    sessionGeneration: 0,
    signIn: NO_FAILURES,
  };
  if (!(await deps.users.insert(user))) throw new AccountError(409, 'user_exists', `there is a user named "${name}" already`);
  await deps.audit.record({ at: user.createdAt, kind: 'user.created', actor, subject: { user: name }, detail: { role: input.role } });
  return viewOf(user);
}

export async function listUsers(deps: Pick<Deps, 'users'>): Promise<UserView[]> {
  return (await deps.users.list()).map(viewOf);
}

/**
 * A role, the disabled flag or the password. A role change takes effect on the user's next
 * request (sessions re-read the user); disabling or a new password also ends their
 * sessions, so enabling again does not bring an old cookie back to life.
 */
export async function changeUser(
  deps: Deps,
  given: string,
  input: { role?: Role; disabled?: boolean; password?: string },
  actor: string,
): Promise<UserView> {
  const name = normaliseUserName(given);
  const changes: UserChanges = {};
  if (input.role !== undefined) changes.role = input.role;
  if (input.disabled !== undefined) changes.disabled = input.disabled;
  if (input.password !== undefined) changes.passwordHash = await hashPassword(checkedPassword(input.password));
  if (input.disabled === true || input.password !== undefined) changes.endSessions = true;
  const user = await deps.users.update(name, changes);
  if (!user) throw new AccountError(404, 'not_found', `no user named "${name}"`);
  const detail = {
    ...(input.role !== undefined ? { role: input.role } : {}),
    ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
    ...(input.password !== undefined ? { passwordChanged: true } : {}),
  };
  await deps.audit.record({ at: deps.now(), kind: 'user.changed', actor, subject: { user: name }, detail });
  return viewOf(user);
}

/** Ends every session of the user, wherever they are signed in. */
export async function revokeSessions(deps: Deps, given: string, actor: string): Promise<void> {
  const name = normaliseUserName(given);
  if (!(await deps.users.update(name, { endSessions: true }))) throw new AccountError(404, 'not_found', `no user named "${name}"`);
  await deps.audit.record({ at: deps.now(), kind: 'user.sessions-revoked', actor, subject: { user: name } });
}
