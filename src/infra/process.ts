/**
 * Child processes Itinera starts itself (embedded Temporal and FerretDB). Each runs in a
 * process group of its own so that stopping it also stops whatever it forked, and its
 * output goes to a log file rather than to our terminal.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { dirname } from 'node:path';

export interface ManagedProcess {
  name: string;
  pid: number;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export async function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { logFile: string; env?: NodeJS.ProcessEnv },
): Promise<ManagedProcess> {
  await mkdir(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  exited.catch(() => undefined).finally(() => log.end());
  if (child.pid === undefined) {
    const error = await exited.then(() => new Error(`${name} did not start`), (e: Error) => e);
    throw new Error(`could not start ${name} (${command}): ${error.message}`);
  }
  const pid = child.pid;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(pid, 'SIGTERM');
      const killed = await Promise.race([exited.then(() => true), delay(10_000).then(() => false)]);
      if (!killed) {
        signalGroup(pid, 'SIGKILL');
        await exited;
      }
    })());
  return { name, pid, exited, stop };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until something accepts TCP connections on the port, failing fast if the process dies. */
export async function waitForPort(proc: ManagedProcess, port: number, timeoutMs: number, logFile: string): Promise<void> {
  let exitCode: number | null | undefined;
  void proc.exited.then((code) => (exitCode = code), () => (exitCode = -1));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`${proc.name} exited with code ${exitCode} during start-up; see ${logFile}${await logTail(logFile)}`);
    }
    if (await canConnect(port)) return;
    await delay(100);
  }
  throw new Error(`${proc.name} did not listen on port ${port} within ${timeoutMs / 1000} s; see ${logFile}`);
}

/** The last lines of a child's log, so a start-up failure explains itself where it is reported. */
async function logTail(logFile: string, lines = 12): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return tail ? `\n--- last lines of ${logFile} ---\n${tail}` : '';
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

export async function isPortFree(port: number): Promise<boolean> {
  return !(await canConnect(port));
}

/** A port the OS considers free right now (for tests, which must not collide with a running start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
