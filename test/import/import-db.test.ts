/**
 * CSV import end to end on the real servers: over HTTP (admin key) and with the
 * `itinera import` command (a client of that HTTP API), into the same ingestion as the
 * tracking API.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
let dir: string;
beforeAll(async () => {
  itinera = await startTestItinera('import', { runWorker: false });
  dir = await mkdtemp(join(tmpdir(), 'itinera-import-'));
});
afterAll(async () => {
  await itinera?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const admin = { auth: bearer(ADMIN_KEY) };
const importCsv = (kind: string, csv: string, query = '') =>
  send(itinera.baseUrl, 'POST', `/v1/import/${kind}${query}`, { ...admin, body: csv, contentType: 'text/csv' });
const lookup = async (query: string) => (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?${query}`, admin)).body;

const PROFILES = [
  'user_id,email,plan,age,newsletter',
  'imp-1,One@Example.org,pro,34,yes',
  'imp-2,two@example.org,free,not-a-number,no',
  ',nobody@example.org,free,20,no',
  'imp-3,three@example.org,free,41,1',
].join('\n');

describe('CSV import over HTTP', () => {
  it('imports good rows, reports every bad one with its line and reason, and applies nothing twice', async () => {
    const response = await importCsv('profiles', PROFILES, '?map=age=trait:age:number&map=newsletter=trait:newsletter:boolean');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ rows: 4, good: 2, bad: 2 });
    expect(response.body.errors.map((e: { line: number }) => e.line)).toEqual([3, 4]);
    expect(response.body.errors[0].reason).toContain('age');

    const one = await lookup('userId=imp-1');
    expect(one.traits).toEqual({ email: 'One@Example.org', plan: 'pro', age: 34, newsletter: true });
    expect((await lookup('email=one@example.org')).id).toBe(one.id);
    const event = await itinera.raw.events.findOne({ userId: 'imp-1' });
    expect(event?.source).toBe('import');

    const before = await itinera.raw.events.countDocuments();
    expect((await importCsv('profiles', PROFILES, '?map=age=trait:age:number&map=newsletter=trait:newsletter:boolean')).status).toBe(200);
    expect(await itinera.raw.events.countDocuments()).toBe(before);
  });

  it('imports events into the timeline and the counters', async () => {
    const csv = [
      'userId,event,timestamp,revenue',
      'imp-3,Order Completed,2026-05-01T10:00:00Z,19.5',
      'imp-3,Order Completed,2026-05-02T10:00:00Z,30',
    ].join('\n');
    const response = await importCsv('events', csv, '?map=revenue=property:revenue:number');
    expect(response.body).toMatchObject({ rows: 2, good: 2, bad: 0 });
    const profile = await lookup('userId=imp-3');
    expect(profile.counters['Order Completed']).toEqual({ count: 2, sum: { revenue: 49.5 } });
  });

  it('wants the admin key and refuses a bad mapping without changing anything', async () => {
    const asWriter = await send(itinera.baseUrl, 'POST', '/v1/import/profiles', {
      auth: basicAuth(WRITE_KEY),
      body: PROFILES,
      contentType: 'text/csv',
    });
    expect(asWriter.status).toBe(401);
    const before = await itinera.raw.events.countDocuments();
    const bad = await importCsv('profiles', PROFILES, '?map=age=birthday');
    expect(bad.status).toBe(400);
    expect(await itinera.raw.events.countDocuments()).toBe(before);
  });
});

describe('itinera import', () => {
  it('imports a file through the running server and prints the bad rows', async () => {
    const file = join(dir, 'people.csv');
    await writeFile(file, ['user_id,email,city', 'cli-1,cli1@example.org,Poznań', 'cli-2,broken-email,Łódź', ',,'].join('\n'));
    const { code, stdout, stderr } = await runCli(['import', 'profiles', file], {
      ITINERA_URL: itinera.baseUrl,
      ITINERA_ADMIN_KEY: ADMIN_KEY,
    });
    expect(stderr).toContain('2 good');
    expect(stdout).toBe('');
    expect(code).toBe(0);
    expect((await lookup('userId=cli-1')).traits).toEqual({ email: 'cli1@example.org', city: 'Poznań' });
    // Not an e-mail address: kept as a trait, not used to identify anyone.
    expect((await lookup('userId=cli-2')).identities).toEqual({ userId: ['cli-2'] });
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
