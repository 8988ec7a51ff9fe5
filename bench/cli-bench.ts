/**
 * Start-up benchmark of what users run, each as a whole process, as a shell would start it:
 *
 *   - `itinera check` (bin/itinera.js, the compiled CLI in dist/) of the generated
 *     10,000-line program (target < 600 ms) and of examples/ebook.itn (target < 300 ms);
 *   - beside them, in the same run: the same checks the old way, through tsx from
 *     src/cli.ts, and `node -e 0`, the floor no Node command can go below;
 *   - the freshness check bin/itinera.js makes before it runs anything (budget: a few ms);
 *   - `npm start` until `/ready` answers 200, with warm caches (the servers provisioned,
 *     the build fresh, one data directory reused across starts as a user's is), then
 *     SIGINT to the process group, as Ctrl+C sends it, and the time until everything exited
 *     and the ports are free again.
 *
 *   npx tsx bench/cli-bench.ts      (or: npm run bench -- cli)
 *
 * Every command runs several times after an untimed one; figures are medians. Exits 1 when
 * a target is missed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { embeddedStartEnv } from '../src/infra/embedded.js';
import { freePort, isPortFree } from '../src/infra/process.js';
import { generateProgram } from './rule-program.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin/itinera.js');
const SMALL = join(ROOT, 'examples/ebook.itn');
const RUNS = 5;
const START_RUNS = 3;
const TARGETS = { checkLargeMs: 600, checkSmallMs: 300 };
const READY_TIMEOUT_MS = 180_000;

export interface CheckFigures {
  /** Median wall time of the whole process, in ms. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** The same check through tsx from src/cli.ts (the old way), median ms. */
  tsxMedianMs: number;
  /** How many times faster than through tsx. */
  speedupOverTsx: number;
  /** Above `node -e 0`, in ms: what the command itself costs. */
  overFloorMs: number;
  targetMs: number;
  withinTarget: boolean;
}

export interface CliBenchFigures {
  runs: number;
  /** `node -e 0`, median ms. */
  floorMs: number;
  checkLarge: CheckFigures & { lines: number };
  checkSmall: CheckFigures;
  /** bin/itinera.js's freshness check of dist/ against src/, in-process, median ms. */
  freshnessCheckMs: number;
  start: {
    runs: number;
    /** From spawning `npm start` until `/ready` answered 200, median ms. */
    readyMedianMs: number;
    readyMs: number[];
    /** From SIGINT until `npm start` exited, median ms. */
    stopMedianMs: number;
    /** How `npm start` ended: an exit code, or `SIGINT` when npm passed the signal on (a shell shows 130), as after Ctrl+C. */
    exits: (number | string)[];
    portsFreed: boolean;
    stoppedCleanly: boolean;
  };
  /** The machine's 1-minute load average when the bench began: figures from a busy machine are slower. */
  loadAverage: number;
  cores: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Wall times of `runs` runs of a command, after an untimed one (which warms the disk cache). */
function timeCommand(args: string[], runs: number, expectStatus = 0): number[] {
  const once = () => {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    const ms = performance.now() - started;
    if (result.status !== expectStatus) {
      throw new Error(`node ${args.join(' ')} exited ${result.status ?? result.signal}, expected ${expectStatus}:\n${result.stderr}`);
    }
    return ms;
  };
  once();
  return Array.from({ length: runs }, once);
}

function checkFigures(newTimes: number[], tsxTimes: number[], floorMs: number, targetMs: number): CheckFigures {
  const medianMs = median(newTimes);
  const tsxMedianMs = median(tsxTimes);
  return {
    medianMs: round(medianMs),
    minMs: round(Math.min(...newTimes)),
    maxMs: round(Math.max(...newTimes)),
    tsxMedianMs: round(tsxMedianMs),
    speedupOverTsx: round(tsxMedianMs / medianMs),
    overFloorMs: round(medianMs - floorMs),
    targetMs,
    withinTarget: medianMs < targetMs,
  };
}

/** The freshness check as bin/itinera.js makes it, timed inside a process of its own. */
function timeFreshnessCheck(runs: number): number {
  const script = [
    `const { checkBuild } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'scripts/build-freshness.js')).href)});`,
    'const times = [];',
    `for (let i = 0; i < ${runs}; i++) { const t = performance.now(); const state = checkBuild(${JSON.stringify(ROOT)}); times.push(performance.now() - t); if (!state.fresh) throw new Error(JSON.stringify(state)); }`,
    'console.log(JSON.stringify(times));',
  ].join('\n');
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the freshness check failed:\n${result.stderr}`);
  return median(JSON.parse(result.stdout) as number[]);
}

async function waitUntilReady(url: string, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`npm start exited before /ready answered:\n${output()}`);
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((done) => setTimeout(done, 25));
  }
  throw new Error(`/ready did not answer 200 within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

/** One `npm start`: ms until /ready, then SIGINT to its process group and ms until it exited. */
async function timeStart(env: NodeJS.ProcessEnv, apiPort: number): Promise<{ readyMs: number; stopMs: number; exit: number | string }> {
  const npm = process.env.npm_execpath;
  // Through npm itself, as a user types it; its own process group so that SIGINT reaches
  // npm and what it started at once, as Ctrl+C in a terminal does.
  const [command, args] = npm ? [process.execPath, [npm, 'start']] : ['npm', ['start']];
  let output = '';
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  try {
    await waitUntilReady(
      `http://127.0.0.1:${apiPort}/ready`,
      () => child.exitCode !== null,
      () => output,
    );
  } catch (error) {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    throw error;
  }
  const readyMs = performance.now() - started;
  const stopping = performance.now();
  process.kill(-child.pid!, 'SIGINT');
  const exit = await exited;
  return { readyMs, stopMs: performance.now() - stopping, exit };
}

async function benchStart(runs: number): Promise<CliBenchFigures['start']> {
  const dataDir = await mkdtemp(join(tmpdir(), 'itinera-start-bench-'));
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), ferret: await freePort() };
  // Embedded servers: a configured one would skip exactly what this measures.
  const env = embeddedStartEnv(ports, dataDir);
  try {
    await timeStart(env, ports.api); // untimed: creates the data directory's databases
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await timeStart(env, ports.api));
    const freed = await Promise.all(Object.values(ports).map((port) => isPortFree(port)));
    return {
      runs,
      readyMedianMs: Math.round(median(results.map((r) => r.readyMs))),
      readyMs: results.map((r) => Math.round(r.readyMs)),
      stopMedianMs: Math.round(median(results.map((r) => r.stopMs))),
      exits: results.map((r) => r.exit),
      portsFreed: freed.every(Boolean),
      stoppedCleanly: freed.every(Boolean) && results.every((r) => r.exit === 0 || r.exit === 'SIGINT' || r.exit === 130),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function runCliBench(runs = RUNS, startRuns = START_RUNS): Promise<CliBenchFigures> {
  const loadAverage = round(loadavg()[0]!);
  // What users run is the build: make it match the sources first (nothing to do when it does).
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.js'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');

  const dir = await mkdtemp(join(tmpdir(), 'itinera-cli-bench-'));
  try {
    const { source } = generateProgram();
    const large = join(dir, 'large.itn');
    await writeFile(large, source);
    const tsxCli = ['--import', 'tsx', join(ROOT, 'src/cli.ts')];

    const floorMs = median(timeCommand(['-e', '0'], runs));
    const largeNew = timeCommand([BIN, 'check', large], runs);
    const largeTsx = timeCommand([...tsxCli, 'check', large], runs);
    const smallNew = timeCommand([BIN, 'check', SMALL], runs);
    const smallTsx = timeCommand([...tsxCli, 'check', SMALL], runs);
    const freshnessCheckMs = timeFreshnessCheck(20);
    const start = await benchStart(startRuns);

    return {
      runs,
      floorMs: round(floorMs),
      checkLarge: { lines: source.split('\n').length, ...checkFigures(largeNew, largeTsx, floorMs, TARGETS.checkLargeMs) },
      checkSmall: checkFigures(smallNew, smallTsx, floorMs, TARGETS.checkSmallMs),
      freshnessCheckMs: Math.round(freshnessCheckMs * 100) / 100,
      start,
      loadAverage,
      cores: availableParallelism(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runCliBench();
  console.log(JSON.stringify(figures, null, 2));
  const verdict = (name: string, f: CheckFigures) =>
    `${name}: ${f.withinTarget ? 'within target' : 'OUTSIDE target'} (${f.medianMs} ms, target < ${f.targetMs} ms; ${f.speedupOverTsx}× faster than through tsx)`;
  console.log(verdict('check of the 10,000-line program', figures.checkLarge));
  console.log(verdict('check of examples/ebook.itn', figures.checkSmall));
  const { start } = figures;
  console.log(
    `npm start: /ready after ${start.readyMedianMs} ms; ${start.stoppedCleanly ? `stopped on SIGINT in ${start.stopMedianMs} ms, ports freed` : 'did NOT stop cleanly on SIGINT'}`,
  );
  if (!figures.checkLarge.withinTarget || !figures.checkSmall.withinTarget || !start.stoppedCleanly) process.exitCode = 1;
}
