/** The accounts' pure parts: password hashes, the throttle's schedule, the permission table. */
import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, passwordProblem, verifyPassword } from '../../src/accounts/passwords.js';
import { claimAttempt, lockAfter, lockedFor, NO_FAILURES } from '../../src/accounts/throttle.js';
import { normaliseUserName, userNameProblem } from '../../src/accounts/names.js';
import { decide } from '../../src/server/permissions.js';

describe('passwords', () => {
  it('verifies the right password only, against a salted hash that names its parameters', async () => {
    const [one, two] = [await hashPassword('a passphrase of words'), await hashPassword('a passphrase of words')];
    expect(one).toMatch(/^scrypt\$15\$8\$3\$/);
    expect(one).not.toBe(two);
    expect(await verifyPassword('a passphrase of words', one)).toBe(true);
    expect(await verifyPassword('a passphrase of word', one)).toBe(false);
    expect(await verifyPassword('a passphrase of words', 'not a hash')).toBe(false);
    expect(needsRehash(one)).toBe(false);
  });

  it('still verifies a hash made with weaker parameters, and asks for it to be replaced', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const old = [
      'scrypt',
      14,
      8,
      1,
      salt.toString('base64url'),
      scryptSync('old password here', salt, 32, { N: 2 ** 14, r: 8, p: 1 }).toString('base64url'),
    ].join('$');
    expect(await verifyPassword('old password here', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
  });

  it('wants at least 12 characters, counted as characters, not bytes', () => {
    expect(passwordProblem('elevenchars')).toContain('at least 12');
    expect(passwordProblem('twelve chars')).toBeUndefined();
    expect(passwordProblem('ąęółżźćńśąęó')).toBeUndefined();
    expect(passwordProblem('ąęółżźćńśąę')).toContain('at least 12');
  });
});

describe('user names', () => {
  it('are one spelling per account and refuse what could be confused with other things', () => {
    expect(normaliseUserName('  Łucja.Nowak@Shop.example ')).toBe('łucja.nowak@shop.example');
    expect(userNameProblem('łucja.nowak@shop.example')).toBeUndefined();
    expect(userNameProblem('')).toBeDefined();
    expect(userNameProblem('two words')).toBeDefined();
    expect(userNameProblem('#unknown/1')).toBeDefined();
    expect(userNameProblem('x'.repeat(65))).toBeDefined();
  });
});

describe('sign-in throttle', () => {
  it('allows five failures, then locks for a minute, doubling to at most an hour', () => {
    expect([1, 4, 5, 6, 7, 10, 20].map(lockAfter)).toEqual([0, 0, 60_000, 120_000, 240_000, 1_920_000, 3_600_000]);
    const at = new Date('2026-01-01T00:00:00Z');
    let state = NO_FAILURES;
    for (let i = 0; i < 5; i++) state = claimAttempt(state, at);
    expect(lockedFor(state, at)).toBe(60_000);
    expect(state.version).toBe(5);
  });

  it('forgets failures a day old', () => {
    let state = NO_FAILURES;
    for (let i = 0; i < 4; i++) state = claimAttempt(state, new Date('2026-01-01T00:00:00Z'));
    state = claimAttempt(state, new Date('2026-01-02T00:00:01Z'));
    expect(state.failures).toBe(1);
  });
});

describe('permissions', () => {
  it.each([
    ['viewer', 'GET', '/v1/rules', true],
    ['viewer', 'GET', '/v1/rules/versions/3', true],
    ['viewer', 'POST', '/v1/rules/summary', false],
    ['viewer', 'PUT', '/v1/rules', false],
    ['marketer', 'PUT', '/v1/rules', true],
    ['marketer', 'POST', '/v1/rules/rollback', true],
    ['privacy', 'POST', '/v1/rules/rollback', false],
    ['viewer', 'GET', '/v1/segments/buyers/members', true],
    ['viewer', 'POST', '/v1/segments/preview', false],
    ['viewer', 'POST', '/v1/journeys/drip/pause', false],
    ['marketer', 'POST', '/v1/journeys/drip/resume', true],
    ['marketer', 'PUT', '/v1/templates/welcome', true],
    ['viewer', 'DELETE', '/v1/templates/welcome', false],
    ['marketer', 'PUT', '/v1/destinations/crm', false],
    ['marketer', 'GET', '/v1/profiles/lookup', false],
    ['privacy', 'GET', '/v1/profiles/lookup', true],
    ['privacy', 'POST', '/v1/privacy/erasures', true],
    ['privacy', 'GET', '/v1/audit', true],
    ['privacy', 'POST', '/v1/users', false],
    ['admin', 'PATCH', '/v1/users/ada', true],
    ['viewer', 'GET', '/v1/catalog', true],
    ['viewer', 'DELETE', '/v1/session', true],
    ['privacy', 'POST', '/v1/import/profiles', false],
    // A route no row names is for admins only.
    ['marketer', 'POST', '/v1/segments/buyers/recompute', false],
    ['admin', 'POST', '/v1/segments/buyers/recompute', true],
  ] as const)('%s %s %s → %s', (role, method, path, allowed) => {
    expect(decide(role, method, path).allowed).toBe(allowed);
  });
});
