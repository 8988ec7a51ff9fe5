/**
 * Child processes Itinera starts itself (embedded Temporal and FerretDB). Each runs in a
 * process group of its own so that stopping it also stops whatever it forked, and its
 * output goes to a log file rather than to our terminal.
 *
 * A server never outlives Itinera, even when Itinera is killed with SIGKILL: it is started
 * through a watchdog, a few lines of Node (WATCHDOG below) that leads the process group,
 * starts the server in it and holds a pipe from us on its stdin. The pipe ends when our
 * process ends, however it ends; the watchdog then sends SIGTERM to the group, and SIGKILL
 * after a grace period. Signals we send to the group reach the server directly; the
 * watchdog ignores SIGINT and SIGTERM, follows the server and exits as it did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

export interface ManagedProcess {
  name: string;
  /** The server's own process. */
  pid: number;
  /** Its process group (led by the watchdog): `kill -- -<group>` stops everything of it. */
  group: number;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM to the group, SIGKILL after `graceMs` (the one given at start by default); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the group, at once and synchronously (for a stop that cannot wait). */
  kill(): void;
}

/** How long a server may take to exit after SIGTERM before it gets SIGKILL. */
export const STOP_GRACE_MS = 10_000;

/**
 * The watchdog, run as `node -e WATCHDOG <graceMs> <command> <args…>`. Plain CommonJS in a
 * string so that it runs the same from TypeScript sources and from compiled JavaScript.
 * It reports the server's pid (or why it could not start) as one JSON line on fd 3.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const { writeSync, closeSync } = require('node:fs');
const [grace, command, ...args] = process.argv.slice(1);
process.title = 'itinera-watchdog ' + command;
const report = (message) => { try { writeSync(3, JSON.stringify(message) + '\\n'); closeSync(3); } catch {} };
const ignore = () => {};
const followed = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const signal of followed) process.on(signal, ignore);
const server = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
server.once('spawn', () => report({ pid: server.pid }));
server.once('error', (error) => { report({ error: error.message }); process.exit(127); });
server.once('exit', (code, signal) => {
  if (signal) {
    for (const s of followed) process.off(s, ignore);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
});
let orphaned = false;
const parentGone = () => {
  if (orphaned) return;
  orphaned = true;
  try { process.kill(-process.pid, 'SIGTERM'); } catch {}
  setTimeout(() => { try { process.kill(-process.pid, 'SIGKILL'); } catch {} }, Number(grace));
};
process.stdin.on('data', ignore);
process.stdin.once('end', parentGone);
process.stdin.once('close', parentGone);
process.stdin.once('error', parentGone);
`;

export async function startProcess(
  name: string,
  command: string,
  args: string[],
  options: {
    logFile: string;
    env?: NodeJS.ProcessEnv;
    /** Between SIGTERM and SIGKILL, on stop() and when we are gone; STOP_GRACE_MS by default. */
    graceMs?: number;
  },
): Promise<ManagedProcess> {
  await mkdir(dirname(options.logFile), { recursive: true });
  // The server writes to its log file itself, so its last words are kept even when we are gone.
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['-e', WATCHDOG, String(options.graceMs ?? STOP_GRACE_MS), command, ...args], {
      detached: true,
      stdio: ['pipe', log, log, 'pipe'],
      env: options.env ?? process.env,
    });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  // Nothing is ever written to the watchdog's stdin; it only has to stay open while we live.
  child.stdin?.on('error', () => undefined);
  const report = await firstLine(child.stdio[3] as Readable | null, exited);
  if (child.pid === undefined || report.pid === undefined) {
    const reason =
      report.error ??
      (await exited.then(
        (code) => `exited with code ${code}`,
        (e: Error) => e.message,
      ));
    throw new Error(`could not start ${name} (${command}): ${reason}`);
  }
  const { pid } = report;
  const group = child.pid;
  let stopping: Promise<void> | undefined;
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = (graceMs = options.graceMs ?? STOP_GRACE_MS) =>
    (stopping ??= (async () => {
      if (!running()) return;
      signalGroup(group, 'SIGTERM');
      const ended = await Promise.race([
        exited.then(
          () => true,
          () => true,
        ),
        delay(graceMs).then(() => false),
      ]);
      if (!ended) {
        signalGroup(group, 'SIGKILL');
        await exited.catch(() => undefined);
        // The watchdog may die a moment before the server it no longer waits for.
        for (let tries = 0; tries < 100 && isRunning(pid); tries++) await delay(20);
      }
    })());
  const kill = () => {
    if (running()) signalGroup(group, 'SIGKILL');
  };
  return { name, pid, group, exited, stop, kill };
}

/** The watchdog's report: the first line on its fd 3, or nothing when it exited without one. */
function firstLine(stream: Readable | null, exited: Promise<unknown>): Promise<{ pid?: number; error?: string }> {
  return new Promise((resolve) => {
    let text = '';
    let settled = false;
    const done = (value: { pid?: number; error?: string }) => {
      if (settled) return;
      settled = true;
      stream?.destroy();
      resolve(value);
    };
    // A report written just before the watchdog exited may still be on its way.
    const afterExit = () => {
      if (!settled) setTimeout(() => done({}), stream ? 1000 : 0);
    };
    void exited.then(afterExit, afterExit);
    if (!stream) return;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end < 0) return;
      try {
        done(JSON.parse(text.slice(0, end)) as { pid?: number; error?: string });
      } catch {
        done({ error: `unexpected report ${JSON.stringify(text.slice(0, end))}` });
      }
    });
    stream.once('end', () => done({}));
  });
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
}

/** Whether a process still runs (a zombie, dead but not yet reaped, does not). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: the state follows the parenthesised command name; Z is a zombie.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until something accepts TCP connections on the port, failing fast if the process dies. */
export async function waitForPort(proc: ManagedProcess, port: number, timeoutMs: number, logFile: string): Promise<void> {
  let exitCode: number | null | undefined;
  void proc.exited.then(
    (code) => (exitCode = code),
    () => (exitCode = -1),
  );
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

/**
 * Ports the OS considers free right now, all different: each is held until every one is
 * found, so a server started with them cannot collide with another one of them.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            if (typeof address === 'object' && address) resolve(address.port);
            else reject(new Error('no port'));
          });
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
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
