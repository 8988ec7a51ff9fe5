/**
 * Users (admins only; the server refuses everyone else): who may sign in and with which
 * role, a form to add one, and signing someone out everywhere.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, describeError, get } from '../../api';
import type { Role } from '../../session';

interface User {
  name: string;
  role: Role;
  createdAt: string;
  createdBy?: string;
  lastSignInAt?: string | null;
  disabled?: boolean;
}

const ROLES: { role: Role; description: string }[] = [
  { role: 'marketer', description: 'rules, segments, journeys, templates' },
  { role: 'viewer', description: 'reads everything, no personal identifiers' },
  { role: 'privacy', description: 'consent, privacy requests, audit, profiles' },
  { role: 'admin', description: 'everything, users included' },
];

const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '–';

export function UsersPage() {
  const [users, setUsers] = useState<User[]>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = () =>
    get<{ users: User[] }>('/v1/users').then(
      (answer) => setUsers(answer.users),
      (failure: unknown) => setError(describeError(failure)),
    );
  useEffect(() => void load(), []);

  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setFormError(undefined);
    try {
      const created = await api<User>('POST', '/v1/users', {
        json: { name: data.get('name'), role: data.get('role'), password: data.get('password') },
      });
      setNotice(`${created.name} can now sign in as ${created.role}.`);
      form.reset();
      await load();
    } catch (failure) {
      setFormError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (name: string) => {
    try {
      await api('DELETE', `/v1/users/${encodeURIComponent(name)}/sessions`);
      setNotice(`${name} is signed out everywhere.`);
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <section class="page" aria-labelledby="users-title">
      <header class="page-header">
        <div>
          <h1 id="users-title">Users</h1>
          <p class="muted">People who sign in to the console. Machines keep using the API keys.</p>
        </div>
      </header>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p class="state state-error" role="alert">
          {error}
        </p>
      )}
      <div class="two-columns">
        <div class="card card-flush">
          {!users && !error && (
            <p class="state state-loading" role="status">
              Loading users…
            </p>
          )}
          {users && users.length === 0 && <p class="empty">No users yet: add the first one.</p>}
          {users && users.length > 0 && (
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Added</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.map((user) => (
                  <tr key={user.name}>
                    <td>
                      <strong>{user.name}</strong>
                      {user.disabled && <span class="badge">disabled</span>}
                    </td>
                    <td>
                      <span class="role-badge">{user.role}</span>
                    </td>
                    <td>{when(user.lastSignInAt)}</td>
                    <td>
                      {when(user.createdAt)}
                      {user.createdBy ? <span class="muted"> by {user.createdBy}</span> : null}
                    </td>
                    <td class="actions-cell">
                      <button
                        type="button"
                        class="button button-small"
                        onClick={() => revoke(user.name)}
                        aria-label={`Sign ${user.name} out everywhere`}
                      >
                        Sign out everywhere
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <form class="card form" onSubmit={create} aria-labelledby="new-user-title">
          <h2 id="new-user-title" class="card-title">
            Add a user
          </h2>
          <label for="new-user-name">User name</label>
          <input id="new-user-name" name="name" required autocomplete="off" />
          <label for="new-user-role">Role</label>
          <select id="new-user-role" name="role" required>
            {ROLES.map((r) => (
              <option key={r.role} value={r.role}>
                {r.role}: {r.description}
              </option>
            ))}
          </select>
          <label for="new-user-password">Password</label>
          <input id="new-user-password" name="password" type="password" required minLength={12} autocomplete="new-password" />
          <p class="hint">At least 12 characters. Give it to the person by a channel of its own.</p>
          {formError && (
            <p class="form-error" role="alert">
              {formError}
            </p>
          )}
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add user'}
          </button>
        </form>
      </div>
    </section>
  );
}
