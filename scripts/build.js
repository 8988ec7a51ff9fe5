// @ts-check
/**
 * `npm run build` (and `prepare`, so `npm install` builds): compiles src/ to dist/ with
 * `tsc -p tsconfig.build.json`, builds the console (web/, by Vite) into web/dist/ with a
 * Brotli and a gzip copy of each text asset beside it (the server sends those as they are,
 * compressing nothing per request), then records the stamp that bin/itinera.js and
 * `npm start` check (see build-freshness.js).
 *
 * The compiler runs incrementally (dist/.tsbuildinfo holds a hash of every source), so a
 * build after a small edit re-emits only what changed. It transpiles without type checking
 * (`noCheck`), as tsx did: `npm run typecheck` checks src/, test/ and bench/ together.
 * Afterwards dist/ mirrors src/: an output deleted by hand is emitted again, and the output
 * of a source that no longer exists is removed, so dist/ never runs code src/ lacks.
 *
 *   node scripts/build.js             build now
 *   node scripts/build.js --if-stale  build only when the stamp does not match the sources
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { buildInputs, buildProblem, checkBuild, removeStamp, takeStamp, writeStamp } from './build-freshness.js';

const OUT_DIR = 'dist';
/** As tsconfig.build.json names it; removed to make the compiler emit every file again. */
const BUILD_INFO = 'dist/.tsbuildinfo';
const OUTPUT_EXTENSIONS = /\.(m|c)?js(\.map)?$/;

/** @param {string} source a path under src/ */
function outputOf(source) {
  return source.replace(/^src\//, `${OUT_DIR}/`).replace(/\.(m|c)?ts$/, '.$1js');
}

/**
 * @param {string} root
 * @returns {number} the compiler's exit code
 */
function compile(root) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** @param {string} root @param {string[]} sources paths under src/ of the TypeScript sources */
function missingOutputs(root, sources) {
  return sources.map(outputOf).filter((output) => !existsSync(join(root, output)));
}

/** Removes JavaScript (and source maps) under dist/ that no source under src/ produces. */
function pruneOrphans(/** @type {string} */ root, /** @type {Set<string>} */ expected) {
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (OUTPUT_EXTENSIONS.test(path) && !expected.has(path.replace(/\.map$/, ''))) rmSync(join(root, path));
    }
  };
  if (existsSync(join(root, OUT_DIR))) walk(OUT_DIR);
}

const CONSOLE_DIR = 'web';
const CONSOLE_OUT = 'web/dist';
/** Assets worth compressing; images and fonts are compressed already, maps are for developers. */
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt)$/;
/** Smaller than this, a compressed copy saves less than its headers cost. */
const COMPRESS_MIN_BYTES = 1024;

/**
 * Builds the console with Vite into a directory of its own, then puts it in place of
 * web/dist/ in one rename: a server (or a test run) reading web/dist/ while another build
 * runs sees the old console or the new one, never half of each.
 * @param {string} root
 * @param {(line: string) => void} log
 * @returns {number} Vite's exit code, or 0 when there is no console to build
 */
function buildConsole(root, log) {
  if (!existsSync(join(root, CONSOLE_DIR, 'vite.config.ts'))) return 0;
  let vite;
  try {
    // Its package exports no path to the command: found beside its package.json.
    vite = join(dirname(createRequire(join(root, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    // An install without development packages: the API runs, /console/ says how to build it.
    log('itinera: Vite is not installed, so the console is not built (npm install builds it)');
    return 0;
  }
  const staging = join(root, 'dist', `.console-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', staging, '--emptyOutDir'], {
    cwd: join(root, CONSOLE_DIR),
    stdio: 'inherit',
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    return result.status ?? 1;
  }
  compressAssets(staging);
  rmSync(join(root, CONSOLE_OUT), { recursive: true, force: true });
  renameSync(staging, join(root, CONSOLE_OUT));
  return 0;
}

/** Writes `<file>.br` and `<file>.gz` beside every text asset under `dir`. */
function compressAssets(/** @type {string} */ dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const content = readFileSync(path);
    if (content.length < COMPRESS_MIN_BYTES) continue;
    writeFileSync(
      `${path}.br`,
      brotliCompressSync(content, {
        params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: content.length },
      }),
    );
    writeFileSync(`${path}.gz`, gzipSync(content, { level: zlib.Z_BEST_COMPRESSION }));
  }
}

/**
 * Builds dist/ under `root` and stamps it. Returns the exit code: 0 when dist/ is fresh.
 * @param {string} root
 * @param {{ ifStale?: boolean, log?: (line: string) => void }} [options]
 */
export function build(root, options = {}) {
  const log = options.log ?? ((line) => console.error(line));
  if (options.ifStale) {
    const state = checkBuild(root);
    if (state.fresh) return 0;
    log(`itinera: ${buildProblem(state)}; building`);
  }
  removeStamp(root);
  const stamp = takeStamp(root);
  const sources = buildInputs(root).filter((file) => file.startsWith('src/') && /\.(m|c)?ts$/.test(file) && !/\.d\.(m|c)?ts$/.test(file));
  let status = compile(root);
  if (status === 0 && missingOutputs(root, sources).length > 0) {
    rmSync(join(root, BUILD_INFO), { force: true });
    status = compile(root);
  }
  if (status !== 0) {
    log('itinera: the build failed; dist/ is left unstamped, so nothing runs from it');
    return status;
  }
  const missing = missingOutputs(root, sources);
  if (missing.length > 0) {
    log(`itinera: the build did not emit ${missing.join(', ')}`);
    return 1;
  }
  pruneOrphans(root, new Set(sources.map(outputOf)));
  const consoleStatus = buildConsole(root, log);
  if (consoleStatus !== 0) {
    log("itinera: the console's build failed; dist/ is left unstamped, so nothing runs from it");
    return consoleStatus;
  }
  writeStamp(root, stamp);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.exitCode = build(root, { ifStale: process.argv.includes('--if-stale') });
}
