/**
 * Build-time fixes to FerretDB v1.24, applied to a vendored copy in the
 * throw-away build directory (the module is downloaded and checked by go.sum as usual;
 * nothing of FerretDB is kept in this repository). Each fix is an exact text replacement
 * that refuses to build when the text it expects is not there, so a FerretDB upgrade
 * cannot silently drop one.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SourcePatch {
  /** What the fix is for, named in the error when it no longer applies. */
  readonly name: string;
  /** The file, relative to FerretDB's module root. */
  readonly file: string;
  readonly replacements: readonly { readonly original: string; readonly patched: string }[];
}

/**
 * FerretDB indexes `_id` as `_ferretdb_sjson->"_id"` but looks documents up by
 * `_ferretdb_sjson->'$._id'`. SQLite reads both as the same JSON path, yet its planner
 * only uses an index whose expression matches the query's, so every lookup by `_id` scans
 * the whole collection: 50 ms per lookup at 20,000 documents, growing with the data.
 * Writing the lookup as `->'_id'` (the same path in SQLite's shorthand) makes it a search
 * of the unique `_id` index.
 */
const ID_LOOKUP: SourcePatch = {
  name: 'the _id lookup fix',
  file: join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go'),
  replacements: [{ original: `IDColumn = DefaultColumn + "->'$._id'"`, patched: `IDColumn = DefaultColumn + "->'_id'"` }],
};

/**
 * SQLite allows one writer per database file. FerretDB opens write transactions with
 * `BEGIN IMMEDIATE` from up to 100 pooled connections, so concurrent writers queue inside
 * SQLite's busy handler, which does not wake on unlock: it sleeps 1, 2, 5, 10 … 100 ms and
 * retries. Under a steady stream of writes most of the wall time went to those sleeps
 * while both cores idled. Queueing writers on a Go mutex per database instead hands the
 * lock over the moment it is released: the ingest benchmark went from about 1,800 to
 * about 3,700 events/s and raw `insertMany` from 7,700 to 16,700 documents/s. Readers are
 * untouched (WAL lets them run beside the writer). In the SQLite backend every write goes
 * through `InTransaction` (inserts, updates) or `DB.ExecContext` (deletes, DDL, ANALYZE),
 * and neither is called from inside the other, so the mutex cannot deadlock.
 */
export const SERIAL_WRITES: SourcePatch = {
  name: 'the serialised-writes fix',
  file: join('internal', 'util', 'fsql', 'db.go'),
  replacements: [
    { original: '\t"log/slog"\n\t"time"\n', patched: '\t"log/slog"\n\t"sync"\n\t"time"\n' },
    {
      original: '\tBatchSize int\n}\n',
      patched: '\tBatchSize int\n\n\t// writeM queues writers here rather than in SQLite\'s sleeping busy handler.\n\twriteM sync.Mutex\n}\n',
    },
    {
      original: '\tres, err := db.sqlDB.ExecContext(ctx, query, args...)\n',
      patched: '\tdb.writeM.Lock()\n\tres, err := db.sqlDB.ExecContext(ctx, query, args...)\n\tdb.writeM.Unlock()\n',
    },
    {
      original: '\tvar sqlTx *sql.Tx\n',
      patched: '\tdb.writeM.Lock()\n\tdefer db.writeM.Unlock()\n\n\tvar sqlTx *sql.Tx\n',
    },
  ],
};

/**
 * FerretDB tracks the lifetime of every connection, transaction, row set and iterator to
 * catch leaks: each one is added to a pprof profile (which records the caller's stack)
 * and given a finalizer that panics if it is collected unreleased. Its own debug builds
 * need that; in a release build it is pure cost (measured: about 5% of FerretDB's CPU
 * time in the calls alone, and the finalizers slow every garbage collection — the ingest
 * benchmark went from about 3,700 to about 4,500 events/s without it), and a leak it
 * found would take the whole server down with a panic. Tracking is kept for debug builds
 * only.
 */
const LEAK_TRACKING_IN_DEBUG_ONLY: SourcePatch = {
  name: 'the leak-tracking fix',
  file: join('internal', 'util', 'resource', 'resource.go'),
  replacements: [
    { original: 'func Track(obj any, token *Token) {\n', patched: 'func Track(obj any, token *Token) {\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n\n' },
    { original: 'func Untrack(obj any, token *Token) {\n', patched: 'func Untrack(obj any, token *Token) {\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n\n' },
  ],
};

const FERRETDB_PATCHES: readonly SourcePatch[] = [ID_LOOKUP, SERIAL_WRITES, LEAK_TRACKING_IN_DEBUG_ONLY];

/** Applies one patch to the text of its file; throws when any expected text is missing or ambiguous. */
export function applyPatch(patch: SourcePatch, text: string): string {
  let result = text;
  for (const { original, patched } of patch.replacements) {
    const at = result.indexOf(original);
    if (at < 0 || result.indexOf(original, at + 1) >= 0) {
      throw new Error(
        `${patch.file} does not contain exactly one ${JSON.stringify(original)}; ${patch.name} in src/infra/ferretdb-patch.ts needs revisiting for this FerretDB version`,
      );
    }
    result = result.slice(0, at) + patched + result.slice(at + original.length);
  }
  return result;
}

/** Vendors the dependencies into `sourceDir` and patches FerretDB's copy; build with `-mod=vendor`. */
export async function vendorPatchedFerretDb(sourceDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  await run('go', ['mod', 'vendor'], { cwd: sourceDir, env, timeout: 1_800_000, maxBuffer: 16 * 1024 * 1024 });
  const moduleRoot = join(sourceDir, 'vendor', 'github.com', 'FerretDB', 'FerretDB');
  for (const patch of FERRETDB_PATCHES) {
    const file = join(moduleRoot, patch.file);
    await writeFile(file, applyPatch(patch, await readFile(file, 'utf8')));
  }
}
