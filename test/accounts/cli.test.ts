/**
 * `itinera users` run as a user would (bin/itinera.js, password piped on standard input)
 * against the test FerretDB; the user it adds signs in over HTTP.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/store/collections.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { mongoUri } from '../support/servers.js';

let itinera: TestItinera;
beforeAll(async () => {
  // bin/itinera.js refuses a build older than src/; other work may have touched src/ since the setup built it.
  expect(spawnSync(process.execPath, ['scripts/build.js', '--if-stale'], { stdio: 'inherit' }).status).toBe(0);
  itinera = await startTestItinera('accounts-cli', { runWorker: false });
});
afterAll(async () => {
  await itinera?.close();
});

function itineraCommand(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/itinera.js', ...args], {
      env: { ...process.env, MONGODB_URI: mongoUri(), MONGODB_DB: itinera.dbName, LOG_LEVEL: 'error' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const signIn = (name: string, password: string) => send(itinera.baseUrl, 'POST', '/v1/sessions', { json: { name, password } });

describe('itinera users', () => {
  it('adds a user with the password piped on standard input; they sign in', async () => {
    const added = await itineraCommand(['users', 'add', 'Ada', '--role', 'marketer'], 'a long enough passphrase\n');
    expect(added.stderr).toBe('');
    expect(added.stdout).toBe('added ada (marketer)\n');
    expect(added.code).toBe(0);
    const session = await signIn('ada', 'a long enough passphrase');
    expect(session.status).toBe(200);
    expect(session.body.user).toEqual({ name: 'ada', role: 'marketer' });
    const stored = await itinera.raw.db.collection(COLLECTIONS.users).findOne({ _id: 'ada' as never });
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(stored?.createdBy).toBe('cli');
    const audit = (await send(itinera.baseUrl, 'GET', '/v1/audit', { auth: bearer(ADMIN_KEY) })).body.entries;
    expect(audit).toContainEqual(expect.objectContaining({ kind: 'user.created', actor: 'cli', subject: { user: 'ada' } }));
  });

  it('refuses an empty or short password, an unknown role and a taken name, adding nothing', async () => {
    const empty = await itineraCommand(['users', 'add', 'bob', '--role', 'viewer'], '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no password on standard input');
    const short = await itineraCommand(['users', 'add', 'bob', '--role', 'viewer'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 12 characters');
    const role = await itineraCommand(['users', 'add', 'bob', '--role', 'owner'], 'a long enough passphrase\n');
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('admin, marketer, privacy, viewer');
    const usage = await itineraCommand(['users', 'add', 'bob'], 'a long enough passphrase\n');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: itinera users add <name> --role <role>');
    await itineraCommand(['users', 'add', 'carol', '--role', 'viewer'], 'a long enough passphrase\n');
    const taken = await itineraCommand(['users', 'add', 'carol', '--role', 'admin'], 'another long passphrase\n');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('there is a user named "carol" already');
    expect((await signIn('bob', 'a long enough passphrase')).status).toBe(401);
    expect((await signIn('carol', 'another long passphrase')).status).toBe(401);
  });

  it('lists users, and sets a new password that ends their sessions and lifts a lock', async () => {
    await itineraCommand(['users', 'add', 'dora', '--role', 'privacy'], 'the first passphrase\n');
    const before = await fetch(`${itinera.baseUrl}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dora', password: 'the first passphrase' }),
    });
    expect(before.status).toBe(200);
    const cookie = before.headers.getSetCookie()[0]!.split(';')[0]!;
    const sessionStatus = async () => (await fetch(`${itinera.baseUrl}/v1/session`, { headers: { cookie } })).status;
    expect(await sessionStatus()).toBe(200);
    for (let i = 0; i < 5; i++) await signIn('dora', `wrong guess ${i}`);
    expect((await signIn('dora', 'the first passphrase')).status).toBe(429);

    const changed = await itineraCommand(['users', 'password', 'dora'], 'the second passphrase\n');
    expect(changed.code).toBe(0);
    expect((await signIn('dora', 'the second passphrase')).status).toBe(200);
    expect(await sessionStatus()).toBe(401);

    const listed = await itineraCommand(['users', 'list'], '');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^dora\tprivacy\tlast sign-in \d{4}-/m);
  });
});
