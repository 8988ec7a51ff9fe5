/**
 * `npm start` as a user runs it: embedded Temporal and FerretDB are started, the API
 * answers, SIGTERM stops every child and frees the ports, and a second start keeps the data.
 * A stop held up past its deadline, or cut short by a second signal, exits non-zero and
 * still leaves no server running.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedStartEnv, type EmbeddedPorts } from '../src/infra/embedded.js';
import { freePort, isPortFree, isRunning } from '../src/infra/process.js';
import { DEV_ADMIN_KEY, DEV_WRITE_KEY } from '../src/config.js';
import { SAME_SIGNAL_MS } from '../src/shutdown.js';
import { basicAuth, bearer, eventually, send } from './support/runtime.js';
import { mongoUri, temporalAddress } from './support/servers.js';

const children: ChildProcess[] = [];
const sockets: Socket[] = [];
const dataDirs: string[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'itinera-start-'));
  dataDirs.push(dir);
  return dir;
}

async function newPorts(): Promise<Ports> {
  return { api: await freePort(), temporal: await freePort(), ui: await freePort(), ferret: await freePort() };
}

/**
 * The embedded servers' processes and their watchdogs (the leaders of their process
 * groups): every process whose arguments name the data directory, and its group leader.
 */
function embeddedProcesses(dataDir: string): { servers: number[]; watchdogs: number[] } {
  const lines = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' }).split('\n');
  const found = lines.filter((line) => line.includes(dataDir)).map((line) => line.trim().split(/\s+/).map(Number));
  return { servers: found.map(([pid]) => pid!), watchdogs: [...new Set(found.map(([, pgid]) => pgid!))] };
}

/**
 * A request whose body never finishes arriving: the HTTP API cannot close while it is in
 * flight. Resolves once the server has taken the request (its `100 Continue` answers the
 * headers): before that the connection is idle, and closing the server drops it at once.
 */
function requestInFlight(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    sockets.push(socket);
    socket.on('error', reject);
    let answered = '';
    socket.on('data', (chunk) => {
      answered += String(chunk);
      if (answered.includes('100 Continue')) socket.write('{"userId": ', () => resolve());
    });
    socket.connect(port, '127.0.0.1', () => {
      socket.write(
        'POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n',
      );
    });
  });
}

type Ports = EmbeddedPorts;

async function startItinera(
  ports: Ports,
  dataDir: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; output: () => string }> {
  const itinera = spawnItinera(ports, dataDir, extraEnv);
  await eventually(
    async () => {
      if (itinera.child.exitCode !== null) throw new Error(`itinera exited early:\n${itinera.output()}`);
      return itinera.output().includes('Itinera is running.');
    },
    180_000,
    200,
  );
  return itinera;
}

/** `npm start`, without waiting for it to be up. */
function spawnItinera(ports: Ports, dataDir: string, extraEnv: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  let output = '';
  // As `npm start` runs it: the compiled build (the test setup built it if stale), on the
  // embedded servers of its own (the suite's test servers must not leak in).
  const child = spawn(process.execPath, ['scripts/start.js'], {
    env: { ...embeddedStartEnv(ports, dataDir), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  return exited(child);
}

describe('npm start', () => {
  it('starts everything, stops everything on SIGTERM, and keeps the data for the next start', async () => {
    const dataDir = await newDataDir();
    const ports = await newPorts();
    const baseUrl = `http://127.0.0.1:${ports.api}`;

    const first = await startItinera(ports, dataDir);
    expect(first.output()).toContain(`http://127.0.0.1:${ports.api}`);
    expect(first.output()).toContain(`UI: http://127.0.0.1:${ports.ui}`);
    expect(first.output()).toContain(`ITINERA_WRITE_KEY=${DEV_WRITE_KEY}`);
    expect((await send(baseUrl, 'GET', '/ready')).status).toBe(200);
    const tracked = await send(baseUrl, 'POST', '/v1/identify', {
      auth: basicAuth(DEV_WRITE_KEY),
      json: { userId: 'u-restart', traits: { plan: 'pro' } },
    });
    expect(tracked.status).toBe(200);

    expect(await stop(first.child)).toBe(0);
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);

    const second = await startItinera(ports, dataDir);
    const profile = await send(baseUrl, 'GET', '/v1/profiles/lookup?userId=u-restart', { auth: bearer(DEV_ADMIN_KEY) });
    expect(profile.status).toBe(200);
    expect(profile.body.traits).toEqual({ plan: 'pro' });
    expect(await stop(second.child)).toBe(0);
  }, 400_000);

  it('stops at once on a second SIGTERM during the stop, exiting with 143, and leaves no server running', async () => {
    const dataDir = await newDataDir();
    const ports = await newPorts();
    // A deadline far beyond the test's own timeout: only the second signal can end this stop.
    const itinera = await startItinera(ports, dataDir, { LOG_LEVEL: 'info', ITINERA_STOP_TIMEOUT_MS: '3600000' });
    expect((await send(`http://127.0.0.1:${ports.api}`, 'GET', '/ready')).status).toBe(200);
    const { servers, watchdogs } = embeddedProcesses(dataDir);
    expect(servers).toHaveLength(2);
    expect(watchdogs).toHaveLength(2);
    expect(watchdogs).not.toContain(itinera.child.pid);

    // The first stop is held up by a request in flight, so the second signal finds it stopping.
    await requestInFlight(ports.api);
    itinera.child.kill('SIGTERM');
    await eventually(async () => itinera.output().includes('stopping Itinera'), 10_000);
    // Within a second of the first, a signal is the same Ctrl+C (npm forwards the terminal's
    // SIGINT): it does not count as a second one.
    itinera.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, SAME_SIGNAL_MS + 500));
    expect(itinera.child.exitCode).toBeNull();
    expect(itinera.output()).not.toContain('second signal');
    itinera.child.kill('SIGTERM');
    expect(await exited(itinera.child)).toBe(143);
    expect(itinera.output()).toContain('second signal: stopping at once');
    await eventually(async () => [...servers, ...watchdogs].every((pid) => !isRunning(pid)), 5000);
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);
  }, 300_000);

  it('stops the servers anyway when the stop passes ITINERA_STOP_TIMEOUT_MS, naming the step, and exits with 1', async () => {
    const dataDir = await newDataDir();
    const ports = await newPorts();
    const itinera = await startItinera(ports, dataDir, { ITINERA_STOP_TIMEOUT_MS: '1500' });
    const { servers, watchdogs } = embeddedProcesses(dataDir);
    expect(servers).toHaveLength(2);

    await requestInFlight(ports.api);
    expect(await stop(itinera.child)).toBe(1);
    expect(itinera.output()).toMatch(
      /stop deadline passed while \\?"HTTP API \(requests in flight\)\\?" was still running; stopping the embedded servers anyway/,
    );
    expect(itinera.output()).toContain('the sweeper finishes them on the next start');
    await eventually(async () => [...servers, ...watchdogs].every((pid) => !isRunning(pid)), 5000);
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);
  }, 300_000);

  it('stops an embedded server that is still starting when the stop comes', async () => {
    const dataDir = await newDataDir();
    const ports = await newPorts();
    // A "Temporal" that runs but never listens, and ignores SIGTERM: the start waits for it
    // until the stop, which must end it (with SIGKILL after the grace period) before exiting.
    const neverListens = join(dataDir, 'never-listens');
    await writeFile(neverListens, "#!/bin/sh\ntrap '' TERM\nexec sleep 600\n", { mode: 0o755 });
    const itinera = spawnItinera(ports, dataDir, { ITINERA_TEMPORAL_BIN: neverListens, MONGODB_URI: mongoUri(), LOG_LEVEL: 'info' });
    await eventually(async () => itinera.output().includes('embedded server running; waiting for it to listen'), 60_000);
    const { servers, watchdogs } = embeddedProcesses(dataDir);
    expect(servers).toHaveLength(1);
    itinera.child.kill('SIGTERM');
    expect(await exited(itinera.child)).toBe(0);
    expect(itinera.output()).not.toContain('Itinera is running.');
    expect(servers.filter(isRunning)).toEqual([]);
    await eventually(async () => watchdogs.every((pid) => !isRunning(pid)), 5000);
  }, 300_000);

  it('refuses, in one line, a Temporal namespace that does not exist, and a role that is not one', async () => {
    const run = async (extraEnv: NodeJS.ProcessEnv) => {
      const child = spawn(process.execPath, ['scripts/start.js'], {
        env: { ...process.env, LOG_LEVEL: 'warn', ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      // What the start says, without the stale-build notice of scripts/start.js (sources edited since the suite's build).
      return { code, stderr: stderr.split('\n').filter((line) => line && !line.startsWith('itinera: the build in dist/')) };
    };
    const servers = { TEMPORAL_ADDRESS: temporalAddress(), MONGODB_URI: mongoUri(), MONGODB_DB: `t_ns_${Date.now()}` };
    const missing = await run({ ...servers, TEMPORAL_NAMESPACE: 'no-such-namespace' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toEqual([
      `itinera: TEMPORAL_NAMESPACE: namespace "no-such-namespace" does not exist on Temporal at ${temporalAddress()}; ` +
        'create it (temporal operator namespace create --namespace no-such-namespace, or in Temporal Cloud) or set TEMPORAL_NAMESPACE to one that exists',
    ]);
    const role = await run({ ...servers, ITINERA_ROLE: 'scheduler' });
    expect(role.code).toBe(1);
    expect(role.stderr).toEqual(['itinera: invalid configuration:', '  ITINERA_ROLE: must be one of all, api, worker']);
  }, 120_000);

  it('runs as a worker process against shared servers: /health and /ready only, and stops cleanly', async () => {
    const port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ITINERA_ROLE: 'worker',
      TEMPORAL_ADDRESS: temporalAddress(),
      MONGODB_URI: mongoUri(),
      MONGODB_DB: `t_worker_${Date.now()}`,
      TEMPORAL_TASK_QUEUE: `itinera-worker-${Date.now()}`,
    };
    const child = spawn(process.execPath, ['scripts/start.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += String(chunk)));
    child.stderr!.on('data', (chunk) => (output += String(chunk)));
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`itinera exited early:\n${output}`);
        return output.includes('Itinera worker is running');
      },
      120_000,
      200,
    );
    const baseUrl = `http://127.0.0.1:${port}`;
    expect(await send(baseUrl, 'GET', '/ready')).toEqual({
      status: 200,
      body: { status: 'ready', mongodb: 'up', temporal: 'up', worker: 'up' },
    });
    expect((await send(baseUrl, 'GET', '/v1/rules', { auth: bearer(DEV_ADMIN_KEY) })).status).toBe(404);
    expect(await stop(child)).toBe(0);
  }, 180_000);

  it('refuses to start in production with the default keys', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
    delete env.ITINERA_WRITE_KEY;
    delete env.ITINERA_ADMIN_KEY;
    const child = spawn(process.execPath, ['scripts/start.js'], {
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
