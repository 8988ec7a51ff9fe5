// @ts-check
/**
 * Whether dist/ holds a build of the sources as they are now. Plain JavaScript, so that
 * bin/itinera.js and `npm start` can ask before anything is compiled.
 *
 * `npm run build` (scripts/build.js) records a stamp, dist/.build-stamp.json, just before
 * compiling: every input of the build (the TypeScript and JSON under src/, the tsconfig
 * files, and the console's sources under web/, which Vite builds into web/dist/) with its
 * size, mtime and a hash of its content. The check lists the
 * inputs again and compares: a file added, removed or with other content makes the build
 * stale. Content decides, mtimes only save reading: a file whose size and mtime are as
 * recorded is taken as unchanged, any other is hashed. So a `git checkout` (which gives the
 * files it writes a new mtime) of other content is stale, and checking out a branch and
 * back is not. The stamp is taken before compiling and removed while compiling, so an edit
 * made during a build, or a build that failed, reads as stale, never as fresh.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Relative to the repository root. */
export const STAMP_FILE = 'dist/.build-stamp.json';
/** Each input directory with what its compiler reads; not an editor's swap file or a `.DS_Store`. */
const INPUT_DIRS = [
  { dir: 'src', extensions: /\.(ts|mts|cts|json)$/, skip: [] },
  // The console (Vite): its sources, page and configuration; not its own output.
  { dir: 'web', extensions: /\.(ts|tsx|css|html|json|svg)$/, skip: ['web/dist', 'web/node_modules'] },
];
const INPUT_FILES = ['tsconfig.build.json', 'tsconfig.json'];
const STAMP_VERSION = 1;
/**
 * A file whose mtime is this close to the stamp is compared by content even when size and
 * mtime match: on a filesystem with coarse timestamps, an edit right after the stamp was
 * taken can keep both.
 */
const RACY_MS = 2_000;

/** @typedef {[size: number, mtimeMs: number, hash: string]} FileRecord */
/** @typedef {{ version: number, takenAt: number, files: Record<string, FileRecord> }} Stamp */
/**
 * @typedef {{ fresh: true }
 *   | { fresh: false, reason: 'no-build' }
 *   | { fresh: false, reason: 'changed' | 'added' | 'removed', file: string }} BuildState
 */

/**
 * Every input of the build, as paths relative to `root` with `/`, sorted.
 * @param {string} root
 * @returns {string[]}
 */
export function buildInputs(root) {
  /** @type {string[]} */
  const files = [];
  /** @param {string} dir @param {{ extensions: RegExp, skip: string[] }} input */
  const walk = (dir, input) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue; // as tsc's `include` skips them
      const path = `${dir}/${entry.name}`;
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(join(root, path)).isDirectory());
      if (isDir) {
        if (!input.skip.includes(path)) walk(path, input);
      } else if (input.extensions.test(entry.name)) files.push(path);
    }
  };
  for (const input of INPUT_DIRS) if (statSync(join(root, input.dir), { throwIfNoEntry: false })?.isDirectory()) walk(input.dir, input);
  for (const file of INPUT_FILES) if (statSync(join(root, file), { throwIfNoEntry: false })) files.push(file);
  return files.sort();
}

/** @type {typeof import('node:crypto') | undefined} */
let crypto;

/** @param {string} path */
function hashFile(path) {
  // Loaded on first use: most checks hash nothing, and loading it is a good part of their time.
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto.createHash('sha1').update(readFileSync(path)).digest('hex');
}

/**
 * The inputs as they are now, to record as the stamp of the build about to run.
 * @param {string} root
 * @returns {Stamp}
 */
export function takeStamp(root) {
  const takenAt = Date.now();
  /** @type {Record<string, FileRecord>} */
  const files = {};
  for (const file of buildInputs(root)) {
    const path = join(root, file);
    const { size, mtimeMs } = statSync(path);
    files[file] = [size, mtimeMs, hashFile(path)];
  }
  return { version: STAMP_VERSION, takenAt, files };
}

/**
 * @param {string} root
 * @param {Stamp} stamp
 */
export function writeStamp(root, stamp) {
  const path = join(root, STAMP_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(stamp)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** @param {string} root */
export function removeStamp(root) {
  rmSync(join(root, STAMP_FILE), { force: true });
}

/**
 * @param {string} root
 * @returns {Stamp | undefined}
 */
function readStamp(root) {
  try {
    const stamp = JSON.parse(readFileSync(join(root, STAMP_FILE), 'utf8'));
    return stamp?.version === STAMP_VERSION && typeof stamp.files === 'object' ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether dist/ under `root` was built from the inputs as they are now. Fast: one stat per
 * input, and a read only of those whose size or mtime differs from the stamp's.
 * @param {string} root
 * @returns {BuildState}
 */
export function checkBuild(root) {
  const stamp = readStamp(root);
  if (!stamp) return { fresh: false, reason: 'no-build' };
  const inputs = buildInputs(root);
  for (const file of inputs) {
    const recorded = stamp.files[file];
    if (!recorded) return { fresh: false, reason: 'added', file };
    const [size, mtimeMs, hash] = recorded;
    const path = join(root, file);
    const now = statSync(path);
    if (now.size !== size) return { fresh: false, reason: 'changed', file };
    if (now.mtimeMs === mtimeMs && mtimeMs < stamp.takenAt - RACY_MS) continue;
    if (hashFile(path) !== hash) return { fresh: false, reason: 'changed', file };
  }
  if (inputs.length !== Object.keys(stamp.files).length) {
    const present = new Set(inputs);
    const file = Object.keys(stamp.files).find((f) => !present.has(f)) ?? '';
    return { fresh: false, reason: 'removed', file };
  }
  return { fresh: true };
}

/**
 * What is wrong with a build that is not fresh, in a few words.
 * @param {Exclude<BuildState, { fresh: true }>} state
 * @returns {string}
 */
export function buildProblem(state) {
  if (state.reason === 'no-build') return 'there is no complete build in dist/';
  return state.file.startsWith('web/') ? "the console's build in web/dist/ is older than web/" : 'the build in dist/ is older than src/';
}

/**
 * What to tell the user about a build that is not fresh: the first line says what to do,
 * the second, if any, what changed.
 * @param {Exclude<BuildState, { fresh: true }>} state
 * @returns {string}
 */
export function describeBuild(state) {
  const advice = `${buildProblem(state)}; run npm run build`;
  if (state.reason === 'no-build') return advice;
  const what = { changed: 'changed', added: 'was added', removed: 'was removed' }[state.reason];
  return `${advice}\n  (${state.file} ${what} since the build)`;
}
