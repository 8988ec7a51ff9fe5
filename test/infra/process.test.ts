/**
 * Child processes on real processes: a server started by startProcess stops with stop()
 * and kill(), reports its exit, writes to its log file, and never outlives its parent, even
 * a parent killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, startProcess, type ManagedProcess } from '../../src/infra/process.js';
import { eventually } from '../support/eventually.js';

let dir: string;
const parents: ChildProcess[] = [];
const started: ManagedProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'itinera-process-'));
});

afterAll(async () => {
  for (const parent of parents) parent.kill('SIGKILL');
  for (const proc of started) proc.kill();
  await rm(dir, { recursive: true, force: true });
});

/** A server that ignores SIGTERM: only SIGKILL stops it. */
const STUBBORN = ['-e', "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1e9)"];

async function start(command: string, args: string[], options: { graceMs?: number } = {}): Promise<ManagedProcess> {
  const proc = await startProcess('test server', command, args, { logFile: join(dir, 'server.log'), ...options });
  started.push(proc);
  return proc;
}

/**
 * A parent process (as `npm start` is) that starts a server with startProcess, prints the
 * server's pid and group, and then just lives until it is killed.
 */
async function parentWithServer(
  command: string,
  args: string[],
  graceMs: number,
): Promise<{ parent: ChildProcess; pid: number; group: number }> {
  const script = `
    const { startProcess } = await import(${JSON.stringify(pathToFileURL(resolve('src/infra/process.ts')).href)});
    const proc = await startProcess('grandchild', ${JSON.stringify(command)}, ${JSON.stringify(args)},
      { logFile: ${JSON.stringify(join(dir, 'grandchild.log'))}, graceMs: ${graceMs} });
    console.log(JSON.stringify({ pid: proc.pid, group: proc.group }));
    setInterval(() => {}, 1e9);
  `;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  parents.push(parent);
  let output = '';
  parent.stdout!.on('data', (chunk) => (output += String(chunk)));
  const line = await eventually(async () => {
    if (parent.exitCode !== null) throw new Error(`the parent exited early: ${output}`);
    return output.includes('\n') && output.slice(0, output.indexOf('\n'));
  }, 30_000);
  return { parent, ...(JSON.parse(line) as { pid: number; group: number }) };
}

describe('a managed process', () => {
  it('stops on stop(), reporting that a signal ended it, and writes its output to the log file', async () => {
    const proc = await start(process.execPath, ['-e', "console.log('hello from the server'); setInterval(() => {}, 1e9)"]);
    expect(isRunning(proc.pid)).toBe(true);
    expect(proc.group).not.toBe(proc.pid);
    await eventually(async () => (await readFile(join(dir, 'server.log'), 'utf8')).includes('hello from the server'));
    await proc.stop();
    expect(await proc.exited).toBeNull();
    expect(isRunning(proc.pid)).toBe(false);
  });

  it('reports the exit code of a server that exits by itself', async () => {
    const proc = await start('sh', ['-c', 'exit 3']);
    expect(await proc.exited).toBe(3);
  });

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const proc = await start(process.execPath, STUBBORN, { graceMs: 300 });
    await eventually(async () => (await readFile(join(dir, 'server.log'), 'utf8')).includes('up'));
    await proc.stop();
    expect(await proc.exited).toBeNull();
    expect(isRunning(proc.pid)).toBe(false);
  });

  it('is killed at once and synchronously by kill()', async () => {
    const proc = await start(process.execPath, STUBBORN);
    proc.kill();
    expect(await proc.exited).toBeNull();
    await eventually(async () => !isRunning(proc.pid), 5000);
  });

  it('fails to start with the reason when the command does not exist', async () => {
    await expect(start(join(dir, 'no-such-server'), [])).rejects.toThrow(/could not start test server .*ENOENT/);
  });
});

describe('a server whose parent dies', () => {
  it('is stopped when the parent is killed with SIGKILL', async () => {
    const { parent, pid, group } = await parentWithServer('sleep', ['1000'], 10_000);
    expect(isRunning(pid)).toBe(true);
    parent.kill('SIGKILL');
    await eventually(async () => !isRunning(pid) && !isRunning(group), 10_000);
  });

  it('is stopped with SIGKILL after the grace period when it ignores SIGTERM', async () => {
    const { parent, pid, group } = await parentWithServer(process.execPath, STUBBORN, 500);
    await eventually(async () => (await readFile(join(dir, 'grandchild.log'), 'utf8').catch(() => '')).includes('up'));
    parent.kill('SIGKILL');
    await eventually(async () => (await readFile(join(dir, 'grandchild.log'), 'utf8')).includes('ignoring SIGTERM'), 10_000);
    await eventually(async () => !isRunning(pid) && !isRunning(group), 10_000);
  });
});
