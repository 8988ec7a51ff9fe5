/**
 * One-line build-time fix to FerretDB v1.24's SQLite backend, applied to a vendored copy
 * in the throw-away build directory (the module is downloaded and checked by go.sum as
 * usual; nothing of FerretDB is kept in this repository).
 *
 * FerretDB indexes `_id` as `_ferretdb_sjson->"_id"` but looks documents up by
 * `_ferretdb_sjson->'$._id'`. SQLite reads both as the same JSON path, yet its planner
 * only uses an index whose expression matches the query's, so every lookup by `_id` scans
 * the whole collection: 50 ms per lookup at 20,000 documents, growing with the data.
 * Writing the lookup as `->'_id'` (the same path in SQLite's shorthand) makes it a search
 * of the unique `_id` index.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const FILE = join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go');
const ORIGINAL = `IDColumn = DefaultColumn + "->'$._id'"`;
const PATCHED = `IDColumn = DefaultColumn + "->'_id'"`;

/** Vendors the dependencies into `sourceDir` and patches FerretDB's copy; build with `-mod=vendor`. */
export async function vendorPatchedFerretDb(sourceDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  await run('go', ['mod', 'vendor'], { cwd: sourceDir, env, timeout: 1_800_000, maxBuffer: 16 * 1024 * 1024 });
  const file = join(sourceDir, 'vendor', 'github.com', 'FerretDB', 'FerretDB', FILE);
  const text = await readFile(file, 'utf8');
  if (!text.includes(ORIGINAL)) {
    throw new Error(`${file} does not contain ${ORIGINAL}; the _id lookup fix in src/infra/ferretdb-patch.ts needs revisiting for this FerretDB version`);
  }
  await writeFile(file, text.replace(ORIGINAL, PATCHED));
}
