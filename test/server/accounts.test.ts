/**
 * Console accounts over HTTP on the real servers: users created with the admin key, sign-in
 * with the session cookie, roles enforced by the server, CSRF, sign-in throttling, expiry,
 * sign-out and revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/store/collections.js';
import { ADMIN_KEY, bearer, request, startTestItinera, type TestItinera } from '../support/runtime.js';

const HOUR = 60 * 60_000;
let itinera: TestItinera;
/** The app's clock runs ahead of the real one by this much: tests move it forward only. */
let offset = 0;
const now = () => new Date(Date.now() + offset);

beforeAll(async () => {
  itinera = await startTestItinera('accounts', { runWorker: false, now });
});
afterAll(async () => {
  await itinera?.close();
});

interface CallOptions {
  key?: string;
  session?: Session;
  /** Send the session's CSRF token (default: yes, when there is a session). */
  csrf?: string | false;
  origin?: string;
  json?: unknown;
  text?: string;
}

async function call(method: string, path: string, options: CallOptions = {}, baseUrl = itinera.baseUrl) {
  const headers: Record<string, string> = {};
  if (options.session) {
    headers.cookie = options.session.cookie;
    const csrf = options.csrf ?? options.session.csrfToken;
    if (csrf !== false) headers['x-csrf-token'] = csrf;
  }
  if (options.origin) headers.origin = options.origin;
  return request(baseUrl, method, path, {
    headers,
    ...(options.key ? { auth: bearer(options.key) } : {}),
    ...(options.json !== undefined ? { json: options.json } : {}),
    ...(options.text !== undefined ? { text: options.text } : {}),
  });
}

interface Session {
  cookie: string;
  csrfToken: string;
  setCookie: string;
  body: Record<string, any>;
}

async function signIn(name: string, password: string, baseUrl = itinera.baseUrl): Promise<Session> {
  const response = await call('POST', '/v1/sessions', { json: { name, password } }, baseUrl);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('itinera_session='))!;
  return { cookie: setCookie.split(';')[0]!, csrfToken: response.body.csrfToken, setCookie, body: response.body };
}

const PASSWORD = 'correct horse battery staple';
let users = 0;
/** A new user with the admin key; names are unique per test so throttles and sessions do not meet. */
async function newUser(role: string, prefix = role): Promise<string> {
  const name = `${prefix}-${++users}`;
  const created = await call('POST', '/v1/users', { key: ADMIN_KEY, json: { name, role, password: PASSWORD } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return name;
}

const PROGRAM = 'journey hello { when performed "Signed Up" tag "hello" }';
const activeVersion = async () => (await call('GET', '/v1/rules', { key: ADMIN_KEY })).body?.version ?? null;
const auditEntries = async (kind?: string) =>
  (await call('GET', `/v1/audit${kind ? `?kind=${kind}` : ''}`, { key: ADMIN_KEY })).body.entries as {
    kind: string;
    actor: string;
    subject?: Record<string, unknown>;
    detail?: Record<string, unknown>;
  }[];

describe('users', () => {
  it('an admin key creates a user, stored with a scrypt hash, listed without it, audited', async () => {
    const created = await call('POST', '/v1/users', {
      key: ADMIN_KEY,
      json: { name: ' Ada.Lovelace ', role: 'marketer', password: PASSWORD },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'ada.lovelace', role: 'marketer', createdAt: expect.any(String) });

    const stored = await itinera.raw.db.collection(COLLECTIONS.users).findOne({ _id: 'ada.lovelace' as never });
    expect(stored?.passwordHash).toMatch(/^scrypt\$15\$8\$3\$[\w-]{22}\$[\w-]{43}$/);
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);

    const list = await call('GET', '/v1/users', { key: ADMIN_KEY });
    expect(list.status).toBe(200);
    const ada = list.body.users.find((u: { name: string }) => u.name === 'ada.lovelace');
    expect(ada).toEqual({
      name: 'ada.lovelace',
      role: 'marketer',
      createdAt: expect.any(String),
      createdBy: 'admin',
      lastSignInAt: null,
      disabled: false,
    });
    expect(JSON.stringify(list.body)).not.toContain('scrypt');

    expect((await auditEntries()).filter((e) => e.kind === 'user.created' && e.subject?.user === 'ada.lovelace')).toEqual([
      expect.objectContaining({ actor: 'admin', detail: { role: 'marketer' } }),
    ]);
  });

  it('refuses a short password, an unknown role, a bad name and a taken name, creating nothing', async () => {
    const before = (await call('GET', '/v1/users', { key: ADMIN_KEY })).body.users.length;
    const short = await call('POST', '/v1/users', { key: ADMIN_KEY, json: { name: 'shorty', role: 'viewer', password: 'elevenchars' } });
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe('weak_password');
    expect(short.body.error.message).toContain('at least 12 characters');
    const role = await call('POST', '/v1/users', { key: ADMIN_KEY, json: { name: 'roleless', role: 'owner', password: PASSWORD } });
    expect(role.status).toBe(400);
    expect(role.body.error.message).toContain('admin, marketer, privacy, viewer');
    const name = await call('POST', '/v1/users', { key: ADMIN_KEY, json: { name: 'no spaces', role: 'viewer', password: PASSWORD } });
    expect(name.status).toBe(400);
    expect(name.body.error.code).toBe('invalid_name');
    const taken = await newUser('viewer');
    const again = await call('POST', '/v1/users', {
      key: ADMIN_KEY,
      json: { name: taken.toUpperCase(), role: 'admin', password: PASSWORD },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('user_exists');
    expect((await call('GET', '/v1/users', { key: ADMIN_KEY })).body.users.length).toBe(before + 1);
  });

  it('an admin signed in creates users under their own name; other roles may not manage users', async () => {
    const admin = await signIn(await newUser('admin'), PASSWORD);
    const created = await call('POST', '/v1/users', {
      session: admin,
      json: { name: 'made-by-admin', role: 'viewer', password: PASSWORD },
    });
    expect(created.status).toBe(201);
    const listed = (await call('GET', '/v1/users', { session: admin })).body.users.find(
      (u: { name: string }) => u.name === 'made-by-admin',
    );
    expect(listed.createdBy).toBe(`user:${admin.body.user.name}`);

    const marketer = await signIn(await newUser('marketer'), PASSWORD);
    const refused = await call('POST', '/v1/users', {
      session: marketer,
      json: { name: 'made-by-marketer', role: 'admin', password: PASSWORD },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(refused.body.error.message).toContain('marketer');
    expect((await call('GET', '/v1/users', { session: marketer })).status).toBe(403);
    expect((await call('GET', '/v1/users', { key: ADMIN_KEY })).body.users.map((u: { name: string }) => u.name)).not.toContain(
      'made-by-marketer',
    );
  });
});

describe('sessions', () => {
  it('signs in with an HttpOnly, SameSite=Strict cookie, and GET /v1/session answers for it', async () => {
    const name = await newUser('viewer');
    const session = await signIn(name.toUpperCase(), PASSWORD);
    expect(session.body).toEqual({
      user: { name, role: 'viewer' },
      csrfToken: expect.stringMatching(/^[\w-]{43}$/),
      expiresAt: expect.any(String),
    });
    expect(new Date(session.body.expiresAt).getTime() - now().getTime()).toBeGreaterThan(11.9 * HOUR);
    const attributes = session.setCookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    expect(attributes).not.toContain('secure');
    // The database holds a hash of the token, never the token.
    const token = session.cookie.split('=')[1]!;
    expect(JSON.stringify(await itinera.raw.db.collection(COLLECTIONS.sessions).find({}).toArray())).not.toContain(token);

    const current = await call('GET', '/v1/session', { session });
    expect(current.status).toBe(200);
    expect(current.body).toEqual(session.body);
    expect(current.headers.get('cache-control')).toBe('no-store');
    expect(
      (await call('GET', '/v1/users', { key: ADMIN_KEY })).body.users.find((u: { name: string }) => u.name === name).lastSignInAt,
    ).not.toBeNull();
  });

  it('answers a wrong password and an unknown name alike, and anyone without a session or key with 401', async () => {
    const name = await newUser('viewer');
    const wrong = await call('POST', '/v1/sessions', { json: { name, password: 'not the password at all' } });
    const unknown = await call('POST', '/v1/sessions', { json: { name: 'nobody-by-this-name', password: PASSWORD } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(wrong.headers.getSetCookie()).toEqual([]);

    expect((await call('GET', '/v1/session')).status).toBe(401);
    expect((await call('GET', '/v1/rules')).status).toBe(401);
    const forged = await call('GET', '/v1/session', {
      session: { cookie: 'itinera_session=made-up', csrfToken: 'x', setCookie: '', body: {} },
    });
    expect(forged.status).toBe(401);
  });

  it('sets Secure on the cookie when the public URL is https', async () => {
    const name = await newUser('viewer');
    const behindTls = await startTestItinera('accounts-tls', {
      runWorker: false,
      reuseDatabase: itinera.dbName,
      publicUrl: 'https://cdp.example',
      now,
    });
    try {
      const session = await signIn(name, PASSWORD, behindTls.baseUrl);
      expect(session.setCookie.split(';').map((a) => a.trim().toLowerCase())).toContain('secure');
    } finally {
      await behindTls.close();
    }
  });

  it('ends at its absolute expiry, moved by the app clock', async () => {
    const name = await newUser('viewer');
    // Kept active all along, so only the absolute limit ends it.
    const session = await signIn(name, PASSWORD);
    for (let hour = 0; hour < 11; hour++) {
      offset += 59 * 60_000;
      expect((await call('GET', '/v1/session', { session })).status).toBe(200);
    }
    offset += 2 * HOUR;
    const expired = await call('GET', '/v1/session', { session });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('session_ended');
    expect(expired.body.error.message).toContain('expired');
    expect((await call('GET', '/v1/rules', { session })).status).toBe(401);
  });

  it('ends after an hour unused, and activity keeps it going', async () => {
    const session = await signIn(await newUser('viewer'), PASSWORD);
    offset += 40 * 60_000;
    expect((await call('GET', '/v1/session', { session })).status).toBe(200);
    offset += 40 * 60_000;
    expect((await call('GET', '/v1/session', { session })).status).toBe(200);
    offset += 61 * 60_000;
    const idle = await call('GET', '/v1/session', { session });
    expect(idle.status).toBe(401);
    expect(idle.body.error.message).toContain('idle');
  });

  it('signing out revokes the session and clears the cookie', async () => {
    const session = await signIn(await newUser('viewer'), PASSWORD);
    const out = await call('DELETE', '/v1/session', { session });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toMatch(/^itinera_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await call('GET', '/v1/session', { session })).status).toBe(401);
  });

  it('an admin revokes every session of a user; a new sign-in works', async () => {
    const name = await newUser('marketer');
    const [first, second] = [await signIn(name, PASSWORD), await signIn(name, PASSWORD)];
    const revoked = await call('DELETE', `/v1/users/${name}/sessions`, { key: ADMIN_KEY });
    expect(revoked.status).toBe(204);
    expect((await call('GET', '/v1/session', { session: first })).status).toBe(401);
    expect((await call('GET', '/v1/session', { session: second })).status).toBe(401);
    expect((await call('GET', '/v1/session', { session: await signIn(name, PASSWORD) })).status).toBe(200);
    expect((await auditEntries()).filter((e) => e.kind === 'user.sessions-revoked' && e.subject?.user === name)).toHaveLength(1);
    expect((await call('DELETE', '/v1/users/nobody-here/sessions', { key: ADMIN_KEY })).status).toBe(404);
  });

  it('a disabled user cannot use an old session nor sign in; enabled again, the old session stays ended', async () => {
    const name = await newUser('marketer');
    const session = await signIn(name, PASSWORD);
    expect((await call('PATCH', `/v1/users/${name}`, { key: ADMIN_KEY, json: { disabled: true } })).body).toMatchObject({
      name,
      disabled: true,
    });
    expect((await call('GET', '/v1/session', { session })).status).toBe(401);
    const refused = await call('POST', '/v1/sessions', { json: { name, password: PASSWORD } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('account_disabled');

    expect((await call('PATCH', `/v1/users/${name}`, { key: ADMIN_KEY, json: { disabled: false } })).status).toBe(200);
    expect((await call('GET', '/v1/session', { session })).status).toBe(401);
    expect((await call('GET', '/v1/session', { session: await signIn(name, PASSWORD) })).status).toBe(200);
  });
});

describe('roles', () => {
  it('a viewer may read the rules but not deploy them: 403, and nothing is deployed', async () => {
    const before = await activeVersion();
    const viewer = await signIn(await newUser('viewer'), PASSWORD);
    expect((await call('GET', '/v1/rules', { session: viewer })).status).toBe(before === null ? 404 : 200);
    const deploy = await call('PUT', '/v1/rules', { session: viewer, text: PROGRAM });
    expect(deploy.status).toBe(403);
    expect(deploy.body.error).toMatchObject({ code: 'forbidden', details: { role: 'viewer', allowedRoles: ['admin', 'marketer'] } });
    expect(deploy.body.error.message).toContain('the viewer role may not deploy rules');
    expect(await activeVersion()).toBe(before);
    expect((await call('GET', '/v1/profiles/lookup?userId=x', { session: viewer })).status).toBe(403);
  });

  it('a marketer deploys, and the audit log names the user', async () => {
    const name = await newUser('marketer');
    const marketer = await signIn(name, PASSWORD);
    const deploy = await call('PUT', '/v1/rules', { session: marketer, text: PROGRAM });
    expect(deploy.status, JSON.stringify(deploy.body)).toBe(200);
    expect(await activeVersion()).toBe(deploy.body.version);
    const entry = (await auditEntries('rules.deployed')).find((e) => e.subject?.version === deploy.body.version);
    expect(entry?.actor).toBe(`user:${name}`);
    // Personal data and privacy work are not the marketer's.
    expect((await call('GET', '/v1/audit', { session: marketer })).status).toBe(403);
  });

  it('a role change takes effect on the next request of the same session', async () => {
    const name = await newUser('marketer');
    const session = await signIn(name, PASSWORD);
    await call('PATCH', `/v1/users/${name}`, { key: ADMIN_KEY, json: { role: 'viewer' } });
    expect((await call('GET', '/v1/session', { session })).body.user).toEqual({ name, role: 'viewer' });
    expect((await call('PUT', '/v1/rules', { session, text: PROGRAM })).status).toBe(403);
    expect((await auditEntries()).find((e) => e.kind === 'user.changed' && e.subject?.user === name)).toMatchObject({
      actor: 'admin',
      detail: { role: 'viewer' },
    });
  });

  it('the admin key keeps working for machines on every admin route', async () => {
    expect((await call('GET', '/v1/users', { key: ADMIN_KEY })).status).toBe(200);
    expect((await call('GET', '/v1/audit', { key: ADMIN_KEY })).status).toBe(200);
    expect((await call('GET', '/v1/rules', { key: 'wrong-key-entirely' })).status).toBe(401);
  });
});

describe('cross-site request forgery', () => {
  it('refuses a cookie change without the CSRF token, with a wrong one, or from another origin, and changes nothing', async () => {
    const session = await signIn(await newUser('marketer'), PASSWORD);
    const before = await activeVersion();
    for (const attempt of [{ csrf: false as const }, { csrf: 'not-the-token' }, { origin: 'https://evil.example' }, { origin: 'null' }]) {
      const forged = await call('PUT', '/v1/rules', { session, text: PROGRAM, ...attempt });
      expect(forged.status, JSON.stringify(attempt)).toBe(403);
      expect(forged.body.error.code).toBe('csrf_refused');
    }
    expect(await activeVersion()).toBe(before);
    // The same request from the console itself goes through.
    const own = await call('PUT', '/v1/rules', { session, text: PROGRAM, origin: itinera.baseUrl });
    expect(own.status).toBe(200);
    // Sign-in from another site is refused too.
    expect(
      (await call('POST', '/v1/sessions', { json: { name: 'anyone', password: PASSWORD }, origin: 'https://evil.example' })).status,
    ).toBe(403);
  });
});

describe('sign-in throttling', () => {
  const attempt = (name: string, password: string) => call('POST', '/v1/sessions', { json: { name, password } });

  it('locks an account after 5 failures, refuses even the right password while locked, and a success resets', async () => {
    const name = await newUser('viewer');
    for (let i = 0; i < 5; i++) expect((await attempt(name, `wrong password ${i}`)).status).toBe(401);
    const locked = await attempt(name, PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('too_many_attempts');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    offset += 61_000;
    // One more failure after the lock locks again, for twice as long.
    expect((await attempt(name, 'wrong again, sixth')).status).toBe(401);
    const longer = await attempt(name, PASSWORD);
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get('retry-after'))).toBeGreaterThan(110);

    offset += 121_000;
    await signIn(name, PASSWORD);
    // Reset: five more failures are free again.
    for (let i = 0; i < 4; i++) expect((await attempt(name, `wrong password ${i}`)).status).toBe(401);
    await signIn(name, PASSWORD);
  });

  it('counts parallel attempts one by one', async () => {
    const name = await newUser('viewer');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(name, `parallel guess ${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });

  it('throttles a name that is no account the same way, without storing the name', async () => {
    const name = 'ghost-of-a-name';
    for (let i = 0; i < 5; i++) expect((await attempt(name, `guess ${i}`)).status).toBe(401);
    expect((await attempt(name, 'guess 6')).status).toBe(429);
    expect(JSON.stringify(await itinera.raw.db.collection(COLLECTIONS.users).find({}).toArray())).not.toContain(name);
    offset += 61_000;
  });
});
