/**
 * `npm start` as a user runs it: embedded Temporal and FerretDB are started, the API
 * answers, SIGTERM stops every child and frees the ports, and a second start keeps the data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isPortFree } from '../src/infra/process.js';
import { DEV_ADMIN_KEY, DEV_WRITE_KEY } from '../src/config.js';
import { basicAuth, bearer, eventually, send } from './support/runtime.js';

const children: ChildProcess[] = [];
let dataDir: string;

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Ports {
  api: number;
  temporal: number;
  ui: number;
  ferret: number;
}

async function startItinera(ports: Ports): Promise<{ child: ChildProcess; output: () => string }> {
  let output = '';
  const env = { ...process.env };
  // The test servers of the suite must not leak in: this start provisions its own.
  delete env.TEMPORAL_ADDRESS;
  delete env.MONGODB_URI;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...env,
      NODE_ENV: 'development',
      PORT: String(ports.api),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      FERRETDB_PORT: String(ports.ferret),
      ITINERA_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`itinera exited early:\n${output}`);
    return output.includes('Itinera is running.');
  }, 180_000, 200);
  return { child, output: () => output };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('npm start', () => {
  it('starts everything, stops everything on SIGTERM, and keeps the data for the next start', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'itinera-start-'));
    const ports: Ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), ferret: await freePort() };
    const baseUrl = `http://127.0.0.1:${ports.api}`;

    const first = await startItinera(ports);
    expect(first.output()).toContain(`http://127.0.0.1:${ports.api}`);
    expect(first.output()).toContain(`UI: http://127.0.0.1:${ports.ui}`);
    expect(first.output()).toContain(`ITINERA_WRITE_KEY=${DEV_WRITE_KEY}`);
    expect((await send(baseUrl, 'GET', '/ready')).status).toBe(200);
    const tracked = await send(baseUrl, 'POST', '/v1/identify', { auth: basicAuth(DEV_WRITE_KEY), json: { userId: 'u-restart', traits: { plan: 'pro' } } });
    expect(tracked.status).toBe(200);

    expect(await stop(first.child)).toBe(0);
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);

    const second = await startItinera(ports);
    const profile = await send(baseUrl, 'GET', '/v1/profiles/lookup?userId=u-restart', { auth: bearer(DEV_ADMIN_KEY) });
    expect(profile.status).toBe(200);
    expect(profile.body.traits).toEqual({ plan: 'pro' });
    expect(await stop(second.child)).toBe(0);
  }, 400_000);

  it('refuses to start in production with the default keys', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
    delete env.ITINERA_WRITE_KEY;
    delete env.ITINERA_ADMIN_KEY;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('refusing to start in production with the development default of ITINERA_WRITE_KEY and ITINERA_ADMIN_KEY');
  }, 60_000);
});
