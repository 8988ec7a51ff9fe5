/**
 * `npm start` as users run it, for benchmarks that measure the whole program: started as
 * npm runs it (scripts/start.js builds dist/ if stale, then runs dist/main.js in that very
 * process), waited on until `/ready`, stopped with SIGINT, and its processes' memory read.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 90_000;

export interface Itinera {
  child: ChildProcess;
  /** The last 20,000 characters it wrote. */
  output: () => string;
  /** Its log lines at warn (pino level 40) and at error or fatal (50, 60) so far. */
  logged: { warnings: number; errors: number };
}

export function startItinera(env: NodeJS.ProcessEnv): Itinera {
  let output = '';
  const logged = { warnings: 0, errors: 0 };
  const reader = () => {
    let partial = '';
    return (chunk: unknown) => {
      const text = String(chunk);
      output = (output + text).slice(-20_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const level = /"level":(\d+)/.exec(line)?.[1];
        if (level === '40') logged.warnings++;
        else if (level === '50' || level === '60') logged.errors++;
      }
    };
  };
  const child = spawn(process.execPath, [join(ROOT, 'scripts/start.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', reader());
  child.stderr!.on('data', reader());
  return { child, output: () => output, logged };
}

export async function waitUntilReady(url: string, itinera: Itinera): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (itinera.child.exitCode !== null) throw new Error(`npm start exited before /ready answered:\n${itinera.output()}`);
    if (
      (await fetch(url).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`/ready did not answer 200 within ${READY_TIMEOUT_MS} ms:\n${itinera.output()}`);
}

/** SIGINT, as Ctrl-C; SIGKILL if it has not exited in time. Resolves with its exit code or signal. */
export async function stopItinera(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode!;
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** VmRSS of a process in bytes, or 0 when it is gone. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** The embedded servers' own processes (not their watchdogs, which are node): by command name, among those naming the data directory. */
export function serverPids(dataDir: string): { temporal: number; ferretdb: number } {
  const lines = execFileSync('ps', ['-eo', 'pid=,comm=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(dataDir));
  const find = (comm: string) => {
    const line = lines.map((l) => l.trim().split(/\s+/)).find(([, name]) => name!.startsWith(comm));
    if (!line) throw new Error(`no ${comm} process with ${dataDir} in its arguments`);
    return Number(line[0]);
  };
  return { temporal: find('temporal'), ferretdb: find('itinera-ferret') };
}
