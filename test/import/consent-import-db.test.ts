/**
 * A shop's existing consent base brought in by the CSV import, on the real servers: the
 * ledger records (origin `import`, the given dates, the proofs), the profile's current
 * state, nothing recorded twice, bad rows left out, undeclared purposes refused.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const RULES = `
consent email_marketing "E-mail marketing" {
  expires after 365 days
}
consent analytics "Analytics" {}
`;
const YEAR_MS = 365 * 86_400_000;

let itinera: TestItinera;
let rulesVersion: number;
let dir: string;

beforeAll(async () => {
  itinera = await startTestItinera('import_consent', { runWorker: false });
  const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { auth: bearer(ADMIN_KEY), text: RULES });
  expect(deployed.status).toBe(200);
  rulesVersion = deployed.body.version;
  dir = await mkdtemp(join(tmpdir(), 'itinera-import-consent-'));
});
afterAll(async () => {
  await itinera?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const admin = { auth: bearer(ADMIN_KEY) };
const importCsv = (kind: string, csv: string, specs: string[], baseUrl = itinera.baseUrl) =>
  send(baseUrl, 'POST', `/v1/import/${kind}?${specs.map((spec) => `map=${encodeURIComponent(spec)}`).join('&')}`, {
    ...admin,
    body: csv,
    contentType: 'text/csv',
  });
const lookup = (userId: string) => send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${encodeURIComponent(userId)}`, admin);
const consentsOf = async (userId: string) => {
  const profile = await lookup(userId);
  expect(profile.status).toBe(200);
  return (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profile.body.id}/consents`, admin)).body;
};
const ledgerCount = async () => {
  await itinera.runtime.writer.settled();
  return itinera.raw.consentLedger.countDocuments();
};

/** A recent instant (so a 365-day grant is still current), whole seconds. */
const daysAgo = (days: number) => new Date(Math.floor((Date.now() - days * 86_400_000) / 1000) * 1000);

const MAP = [
  'newsletter=consent:email_marketing',
  'newsletter_date=consent_at:email_marketing',
  'newsletter_method=consent_method:email_marketing',
  'newsletter_text=consent_text:email_marketing',
  'newsletter_notice=consent_url:email_marketing',
  'newsletter_page=consent_page_url:email_marketing',
  'newsletter_ip=consent_ip:email_marketing',
  'newsletter_ua=consent_user_agent:email_marketing',
  'stats=consent:analytics',
];

describe('importing a consent base over HTTP', () => {
  const grantedAt = daysAgo(30);
  const deniedAt = daysAgo(20);
  const PEOPLE = [
    'user_id,email,plan,newsletter,newsletter_date,newsletter_method,newsletter_text,newsletter_notice,newsletter_page,newsletter_ip,newsletter_ua,stats',
    `ci-1,ci1@example.org,pro,Yes,${grantedAt.toISOString()},checkbox,Send me the newsletter,https://shop.example/privacy,https://shop.example/signup,81.2.69.142,Mozilla/5.0 (X11; Linux x86_64),no`,
    `ci-2,ci2@example.org,free,no,${deniedAt.toISOString().slice(0, 10)},,,,,,,`,
    'ci-3,,free,,,,,,,,,granted',
    'ci-4,,free,maybe,,,,,,,,',
    'ci-5,,free,yes,2026-13-01,,,,,,,',
    'ci-6,,free,yes,,,,,,300.1.1.1,,',
  ].join('\n');

  it('records each change in the ledger with its date and proof, and the profile shows the current state', async () => {
    const response = await importCsv('profiles', PEOPLE, MAP);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ rows: 6, good: 3, bad: 3 });
    expect(response.body.errors).toEqual([
      { line: 5, reason: expect.stringContaining('column "newsletter": "maybe" is not a consent state') },
      { line: 6, reason: expect.stringContaining('column "newsletter_date": "2026-13-01" is not an ISO-8601 date') },
      { line: 7, reason: 'column "newsletter_ip": "300.1.1.1" is not an IP address' },
    ]);

    const one = await consentsOf('ci-1');
    expect(one.consents.email_marketing).toMatchObject({
      state: 'granted',
      granted: true,
      since: grantedAt.toISOString(),
      expiresAt: new Date(grantedAt.getTime() + YEAR_MS).toISOString(),
    });
    expect(one.consents.analytics).toMatchObject({ state: 'denied', granted: false });
    const grant = one.history.find((record: any) => record.purpose === 'email_marketing');
    expect(grant).toMatchObject({
      state: 'granted',
      at: grantedAt.toISOString(),
      expiresAt: new Date(grantedAt.getTime() + YEAR_MS).toISOString(),
      origin: { kind: 'import', source: 'import' },
      proof: {
        method: 'checkbox',
        shown: { title: 'E-mail marketing', rulesVersion, text: 'Send me the newsletter', url: 'https://shop.example/privacy' },
        pageUrl: 'https://shop.example/signup',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
        ip: '81.2.69.0',
      },
    });
    expect(one.history.find((record: any) => record.purpose === 'analytics')).toMatchObject({
      state: 'denied',
      origin: { kind: 'import' },
      proof: { method: 'import' },
    });
    expect(JSON.stringify(one)).not.toContain('81.2.69.142');

    const two = await consentsOf('ci-2');
    expect(two.consents.email_marketing).toMatchObject({ state: 'denied', since: `${deniedAt.toISOString().slice(0, 10)}T00:00:00.000Z` });
    expect(two.history).toHaveLength(1);
    expect(two.history[0].expiresAt).toBeUndefined();
    // No state for a purpose: no change, no record.
    expect(two.consents.analytics.state).toBe('missing');

    const three = await consentsOf('ci-3');
    expect(three.consents.analytics).toMatchObject({ state: 'granted' });
    expect(three.history).toHaveLength(1);

    // The row's own message is there as before; the consent columns are not traits.
    expect((await lookup('ci-1')).body.traits).toEqual({ email: 'ci1@example.org', plan: 'pro' });
    const timeline = (
      await send(itinera.baseUrl, 'GET', `/v1/profiles/${(await lookup('ci-1')).body.id}/events?event=Consent%20Granted`, admin)
    ).body.events;
    expect(timeline.map((event: any) => [event.properties, event.source])).toEqual([
      [{ purpose: 'email_marketing', state: 'granted' }, 'import'],
    ]);

    // A bad row changes nothing, not even the person.
    for (const userId of ['ci-4', 'ci-5', 'ci-6']) expect((await lookup(userId)).status).toBe(404);
    expect(await itinera.raw.consentLedger.countDocuments({ purpose: 'email_marketing', state: 'granted' })).toBe(1);
  });

  it('records nothing twice when the same file is imported again', async () => {
    const records = await ledgerCount();
    const events = await itinera.raw.events.countDocuments();
    expect(records).toBe(4);
    const again = await importCsv('profiles', PEOPLE, MAP);
    expect(again.body).toMatchObject({ rows: 6, good: 3, bad: 3 });
    expect(await ledgerCount()).toBe(records);
    expect(await itinera.raw.events.countDocuments()).toBe(events);
  });

  it('keeps the current state when an older consent is imported: it joins the history', async () => {
    const older = daysAgo(400);
    const response = await importCsv(
      'profiles',
      ['user_id,newsletter,newsletter_date', `ci-1,no,${older.toISOString()}`].join('\n'),
      MAP.slice(0, 2),
    );
    expect(response.body).toMatchObject({ good: 1, bad: 0 });
    const one = await consentsOf('ci-1');
    expect(one.consents.email_marketing).toMatchObject({ state: 'granted', since: grantedAt.toISOString() });
    expect(
      one.history.filter((record: any) => record.purpose === 'email_marketing').map((record: any) => [record.state, record.at]),
    ).toEqual([
      ['granted', grantedAt.toISOString()],
      ['denied', older.toISOString()],
    ]);
  });

  it("dates an events file's changes by the row's timestamp, or by the import when it has none", async () => {
    const at = daysAgo(3);
    const before = Date.now();
    const csv = [
      'user_id,event,timestamp,newsletter',
      `ce-1,Order Completed,${at.toISOString()},granted`,
      'ce-2,Order Completed,,revoked',
    ].join('\n');
    const response = await importCsv('events', csv, ['newsletter=consent:email_marketing']);
    expect(response.body).toMatchObject({ rows: 2, good: 2, bad: 0 });
    const after = Date.now();

    const first = await consentsOf('ce-1');
    expect(first.history).toMatchObject([
      {
        purpose: 'email_marketing',
        state: 'granted',
        at: at.toISOString(),
        expiresAt: new Date(at.getTime() + YEAR_MS).toISOString(),
        origin: { kind: 'import' },
      },
    ]);
    const second = await consentsOf('ce-2');
    expect(second.consents.email_marketing.state).toBe('revoked');
    const revokedAt = new Date(second.history[0].at).getTime();
    expect(revokedAt).toBeGreaterThanOrEqual(before);
    expect(revokedAt).toBeLessThanOrEqual(after);
  });
});

describe('a purpose the active rules do not declare', () => {
  it('fails the import over HTTP with a 400 naming the declared purposes, and records nothing', async () => {
    const records = await ledgerCount();
    const events = await itinera.raw.events.countDocuments();
    const csv = ['user_id,newsletter,ads', 'cu-1,yes,yes'].join('\n');
    const response = await importCsv('profiles', csv, ['newsletter=consent:email_marketing', 'ads=consent:advertising']);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        code: 'unknown_purpose',
        message: 'consent purpose "advertising" is not declared in the active rules; declared: email_marketing, analytics',
      },
    });
    expect(await ledgerCount()).toBe(records);
    expect(await itinera.raw.events.countDocuments()).toBe(events);
    expect((await lookup('cu-1')).status).toBe(404);

    // The same route imports declared purposes.
    const fine = await importCsv('profiles', csv, ['newsletter=consent:email_marketing', 'ads=ignore']);
    expect(fine.body).toMatchObject({ rows: 1, good: 1, bad: 0 });
    expect((await consentsOf('cu-1')).consents.email_marketing.state).toBe('granted');
  });

  it('fails `itinera import` with the message and a non-zero exit, and records nothing; declared ones import', async () => {
    const env = { ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: ADMIN_KEY };
    const file = join(dir, 'consents.csv');
    await writeFile(
      file,
      [
        'user_id,newsletter,newsletter_date,newsletter_ip',
        `cc-1,yes,${daysAgo(5).toISOString().slice(0, 10)},2a00:1450:4001:82b::200e`,
      ].join('\n'),
    );
    const records = await ledgerCount();

    const refused = await runCli(['import', 'profiles', file, '--map', 'newsletter=consent:sms_marketing'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'consent purpose "sms_marketing" is not declared in the active rules; declared: email_marketing, analytics',
    );
    expect(await ledgerCount()).toBe(records);
    expect((await lookup('cc-1')).status).toBe(404);

    const imported = await runCli(
      [
        'import',
        'profiles',
        file,
        '--map',
        'newsletter=consent:email_marketing',
        '--map',
        'newsletter_date=consent_at:email_marketing',
        '--map',
        'newsletter_ip=consent_ip:email_marketing',
      ],
      env,
    );
    expect(imported.stderr).toContain('1 good');
    expect(imported.code).toBe(0);
    const history = (await consentsOf('cc-1')).history;
    expect(history).toMatchObject([
      {
        purpose: 'email_marketing',
        state: 'granted',
        origin: { kind: 'import', source: 'import' },
        proof: { method: 'import', ip: '2a00:1450:4001::' },
      },
    ]);
    expect(await ledgerCount()).toBe(records + 1);
  });
});

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/itinera.js', ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'error' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
