// @ts-check
/**
 * `npm run build` (and `prepare`, so `npm install` builds): compiles src/ to dist/ with
 * `tsc -p tsconfig.build.json`, then records the stamp that bin/itinera.js and `npm start`
 * check (see build-freshness.js).
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
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
  writeStamp(root, stamp);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.exitCode = build(root, { ifStale: process.argv.includes('--if-stale') });
}
