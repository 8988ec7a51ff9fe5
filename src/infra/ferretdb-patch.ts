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
      patched:
        "\tBatchSize int\n\n\t// writeM queues writers here rather than in SQLite's sleeping busy handler.\n\twriteM sync.Mutex\n}\n",
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
    {
      original: 'func Track(obj any, token *Token) {\n',
      patched: 'func Track(obj any, token *Token) {\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n\n',
    },
    {
      original: 'func Untrack(obj any, token *Token) {\n',
      patched: 'func Untrack(obj any, token *Token) {\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n\n',
    },
  ],
};

/** Go source, one line per argument. */
const goLines = (...lines: string[]) => lines.map((line) => `${line}\n`).join('');

/**
 * FerretDB runs `update`, `findAndModify` and `delete` as read-modify-write in Go: it reads
 * the matching documents, applies the change, then writes them back by `_id`, and any other
 * client may write in between. Measured on the unpatched server, from separate connections:
 * six clients × 150 `$inc` on one document kept 410 of the 900 increments; six clients
 * doing compare-and-set `{_id, version: v}` → v + 1 were told 146 times that they had
 * won while the version reached 105; concurrent upserts of one new `_id` failed with
 * E11000; a delete guarded by `{owner: 'a'}` removed a document another client had just
 * given to b (test/infra/ferretdb-atomic.test.ts catches each of these).
 *
 * Each of these commands now holds a mutex of its (database, collection) from before the
 * read until the last write has committed, so such statements on one collection run one
 * after another; the upsert that inserts (update or findAndModify with upsert: true) is
 * inside the same section. Plain inserts do not take it: their own transaction and the
 * unique `_id` index already make them safe. (An upsert that found nothing and then loses
 * the race to a plain insert of the same `_id` still fails with E11000; MongoDB would retry
 * it as an update.)
 *
 * Lock order: collection mutex, then FerretDB's metadata registry lock, then the
 * database's write mutex (SERIAL_WRITES). A command takes one collection mutex, while it
 * holds no other lock and no pooled connection; the registry lock and the write mutex
 * are taken only inside single backend calls (Query, InsertAll, UpdateAll, DeleteAll,
 * CreateCollection), which never call back into the handler, so no thread can hold a later
 * lock while waiting for an earlier one and nothing can deadlock. Reads (find, count,
 * aggregate …) do not take it; WAL lets them run beside the writer as before.
 * Cost (bench/ferretdb-bench.ts, 4 clients `$inc` one document): 566 increments/s, none
 * lost, against 1,014/s without the lock with half of them lost; the ingest benchmark ran
 * at 2,717 events/s against 2,791 with ID_PUSHDOWN alone, which is within its noise.
 */
export const ATOMIC_STATEMENTS: readonly SourcePatch[] = [
  {
    name: 'the atomic-update fix',
    file: join('internal', 'handler', 'msg_update.go'),
    replacements: [
      { original: '\t"context"\n\t"fmt"\n\n', patched: '\t"context"\n\t"fmt"\n\t"sync"\n\n' },
      {
        original: '// updateDocument iterate through all documents in collection and update them.\n',
        patched: goLines(
          '// collectionLocks holds a *sync.Mutex per collectionKey (see lockCollection).',
          'var collectionLocks sync.Map',
          '',
          'type collectionKey struct{ db, collection string }',
          '',
          '// lockCollection makes an update, findAndModify or delete command atomic with respect to the',
          '// others on the same collection: each reads, changes the documents in Go and writes them back,',
          '// and no other such command may write in between. It returns the unlock function.',
          'func lockCollection(db, collection string) func() {',
          '\tkey := collectionKey{db, collection}',
          '',
          '\tm, ok := collectionLocks.Load(key)',
          '\tif !ok {',
          '\t\tm, _ = collectionLocks.LoadOrStore(key, new(sync.Mutex))',
          '\t}',
          '',
          '\tmu := m.(*sync.Mutex)',
          '\tmu.Lock()',
          '',
          '\treturn mu.Unlock',
          '}',
          '',
          '// updateDocument iterate through all documents in collection and update them.',
        ),
      },
      {
        original: '\tfor _, u := range params.Updates {\n',
        patched: '\tdefer lockCollection(params.DB, params.Collection)()\n\n\tfor _, u := range params.Updates {\n',
      },
    ],
  },
  {
    name: 'the atomic-findAndModify fix',
    file: join('internal', 'handler', 'msg_findandmodify.go'),
    replacements: [
      {
        original: '\tqueryRes, err := c.Query(ctx, &qp)\n',
        patched: '\tdefer lockCollection(params.DB, params.Collection)()\n\n\tqueryRes, err := c.Query(ctx, &qp)\n',
      },
    ],
  },
  {
    name: 'the atomic-delete fix',
    file: join('internal', 'handler', 'msg_delete.go'),
    replacements: [
      {
        original: '\tfor i, p := range params.Deletes {\n',
        patched: '\tdefer lockCollection(params.DB, params.Collection)()\n\n\tfor i, p := range params.Deletes {\n',
      },
    ],
  },
];

/** The SQLite backend's `_id` pushdown, as it stands in Query and (with one more line) in Explain. */
const ONLY_ID_FILTER = goLines(
  '\tif params.Filter.Len() == 1 {',
  '\t\tv, _ := params.Filter.Get("_id")',
  '\t\tswitch v.(type) {',
  '\t\tcase string, types.ObjectID:',
);
const whereId = (indent: string) =>
  goLines(
    `${indent}whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)`,
    `${indent}args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}`,
  );
const END_ONLY_ID_FILTER = '\t\t}\n\t}\n';
const ANY_ID_FILTER = '\tif v := pushedDownID(params.Filter); v != nil {\n';

/**
 * The SQLite backend searches the `_id` index only for a filter that is exactly
 * `{_id: <string|ObjectId>}`; a guarded write such as `{_id, version: 3}` read the whole
 * collection. Now any filter with a top-level `_id` equal to a string or ObjectId becomes
 * `WHERE <_id> = ?`, and the rest of the filter is applied by the handler as before.
 * Measured at 100,000 documents (bench/ferretdb-bench.ts): a guarded updateOne took
 * 889 ms at p50 (2.3 s at p99) beside 2.0 ms for a bare `_id` one, 442 times as long; now
 * 1.67 ms beside 1.68 ms. Itinera's own writes are guarded this way (the outbox lease, for
 * one), so the ingest benchmark on the unpatched server crawled at about 40 events/s,
 * slowing as the data grew (stopped after 56,300 events in 23 minutes), and runs at about
 * 2,700 events/s with both patches.
 *
 * Safe because: top-level filter conditions are ANDed (common.FilterDocument), so every
 * matching document has that `_id`; the backend contract allows a partial filter ("extra
 * documents will be filtered out by the handler", as the PostgreSQL backend already does);
 * and every caller of Query re-applies the whole filter: find and getMore (makeFindIter),
 * count, distinct, update, findAndModify (common.FilterIterator), delete
 * (common.FilterDocument), aggregate (its $match stage stays in the pipeline); explain only
 * reports. A LIMIT is pushed down only by find/explain when the filter is empty, and by the
 * capped-collection cleanup which has no filter; and `_id` is unique, so `WHERE _id = ?`
 * yields at most one row and no LIMIT could drop a match anyway. `Get` is not used because
 * it panics on a filter with a duplicated key.
 */
export const ID_PUSHDOWN: SourcePatch = {
  name: 'the _id pushdown fix',
  file: join('internal', 'backends', 'sqlite', 'collection.go'),
  replacements: [
    {
      original: '// Query implements backends.Collection interface.\n',
      patched: goLines(
        "// pushedDownID returns the value of the filter's top-level _id when it is a string or an",
        '// ObjectID, and nil otherwise. Top-level conditions are ANDed, so every document the filter',
        '// matches has that _id; the handler applies the whole filter to the rows found.',
        'func pushedDownID(filter *types.Document) any {',
        '\tvalues := filter.Values()',
        '',
        '\tfor i, key := range filter.Keys() {',
        '\t\tif key != "_id" {',
        '\t\t\tcontinue',
        '\t\t}',
        '',
        '\t\tswitch v := values[i]; v.(type) {',
        '\t\tcase string, types.ObjectID:',
        '\t\t\treturn v',
        '\t\t}',
        '',
        '\t\treturn nil',
        '\t}',
        '',
        '\treturn nil',
        '}',
        '',
        '// Query implements backends.Collection interface.',
      ),
    },
    { original: ONLY_ID_FILTER + whereId('\t\t\t') + END_ONLY_ID_FILTER, patched: ANY_ID_FILTER + whereId('\t\t') + '\t}\n' },
    {
      original: ONLY_ID_FILTER + '\t\t\tfilterPushdown = true\n' + whereId('\t\t\t') + END_ONLY_ID_FILTER,
      patched: ANY_ID_FILTER + '\t\tfilterPushdown = true\n' + whereId('\t\t') + '\t}\n',
    },
  ],
};

/** What the _id pushdown leaves in Query (first) and Explain (second, which also reports the pushdown). */
const ID_PUSHED_DOWN_IN_QUERY = ANY_ID_FILTER + whereId('\t\t') + '\t}\n';
const ID_PUSHED_DOWN_IN_EXPLAIN = ANY_ID_FILTER + '\t\tfilterPushdown = true\n' + whereId('\t\t') + '\t}\n';
const ELSE_INDEXED_FIELD =
  '\t} else if where, values := pushedDownIndexedField(params.Filter, meta.Settings.Indexes, meta.TableName); where != "" {\n';

/**
 * Apart from `_id`, the SQLite backend searches no index: it creates the indexes Itinera
 * asks for (`{profileId: 1, timestamp: -1}` on events, `{profileId: 1}` on identities …)
 * but reads the whole collection for every filter, so one person's erasure, export,
 * timeline or merge cost as much as the whole database (an erasure took 2.3 s on a
 * near-empty database and 35.5 s on one of 300,000 events). Now a filter without `_id`
 * whose first top-level condition on a field leading an index is an equality to a string,
 * or an `$in` of strings, searches that index:
 * `WHERE (<field> IN (?, …) OR (<field> >= '[' AND <field> < '\'))`.
 *
 * Safe because, as for the _id pushdown, the handler applies the whole filter to the rows
 * found, so the rows need only be a superset of the matches: MongoDB's `{f: "x"}` matches a
 * document whose `f` is the string "x" (its JSON text is the argument, encoded as the
 * document was) or an array holding "x" (JSON text starting with '[', which the range
 * keeps; SQLite unions both searches of the index). Only plain printable ASCII strings are
 * pushed down (no quote, backslash, `<`, `>` or `&`), so no escaping difference between
 * the encoder and SQLite's `->` can hide a match; others read the collection as before.
 * The column is written exactly as the index was created (`->"field"`), as SQLite's planner
 * matches index expressions by their text's parse. Dotted paths and operators other than
 * `$in` are left alone.
 */
export const INDEXED_FIELD_PUSHDOWN: SourcePatch = {
  name: 'the indexed-field pushdown fix',
  file: join('internal', 'backends', 'sqlite', 'collection.go'),
  replacements: [
    {
      original: '// Query implements backends.Collection interface.\n',
      patched: goLines(
        '// pushedDownIndexedField returns a WHERE clause searching an index, and its arguments,',
        "// for the filter's first top-level condition on a field that leads one of the indexes:",
        '// equal to a string, or $in of strings. Rows whose field is an array are kept too (their',
        '// JSON text starts with "["): MongoDB matches an array holding the value. The rows are',
        '// a superset of the matches; the handler applies the whole filter to them.',
        '// It returns an empty clause when no condition qualifies.',
        "// table is the collection's table, for a narrower clause (INDEXED_DATE_RANGE_PUSHDOWN).",
        'func pushedDownIndexedField(filter *types.Document, indexes []metadata.IndexInfo, table string) (string, []any) {',
        '\tvalues := filter.Values()',
        '',
        '\tfor i, key := range filter.Keys() {',
        '\t\tif !isPlainName(key) || !leadsAnIndex(key, indexes) {',
        '\t\t\tcontinue',
        '\t\t}',
        '',
        '\t\tstrs := pushableStrings(values[i])',
        '\t\tif len(strs) == 0 {',
        '\t\t\tcontinue',
        '\t\t}',
        '',
        '\t\tcolumn := fmt.Sprintf("%s->%q", metadata.DefaultColumn, key)',
        '\t\targs := make([]any, len(strs))',
        '',
        '\t\tfor j, s := range strs {',
        '\t\t\targs[j] = string(must.NotFail(sjson.MarshalSingleValue(s)))',
        '\t\t}',
        '',
        '\t\tplaceholders := strings.TrimSuffix(strings.Repeat("?, ", len(strs)), ", ")',
        '',
        "\t\treturn fmt.Sprintf(` WHERE (%[1]s IN (%[2]s) OR (%[1]s >= '[' AND %[1]s < '\\'))`, column, placeholders), args",
        '\t}',
        '',
        '\treturn "", nil',
        '}',
        '',
        '// isPlainName is true for a top-level field name: not an operator, not a dotted path.',
        'func isPlainName(key string) bool {',
        '\treturn key != "" && !strings.ContainsAny(key, `.$"\\`)',
        '}',
        '',
        '// leadsAnIndex is true when one of the indexes has the field as its first key.',
        'func leadsAnIndex(field string, indexes []metadata.IndexInfo) bool {',
        '\tfor _, index := range indexes {',
        '\t\tif len(index.Key) > 0 && index.Key[0].Field == field {',
        '\t\t\treturn true',
        '\t\t}',
        '\t}',
        '',
        '\treturn false',
        '}',
        '',
        '// pushableStrings returns the strings a condition compares a field with: a string, or',
        '// the strings of an $in holding only strings (at most 1000). Nil for anything else, or',
        '// when a string is not plain printable ASCII without quote, backslash, <, > or &.',
        'func pushableStrings(condition any) []string {',
        '\tvar strs []string',
        '',
        '\tswitch v := condition.(type) {',
        '\tcase string:',
        '\t\tstrs = []string{v}',
        '\tcase *types.Document:',
        '\t\t// One key only: Get panics on a document with a duplicated key.',
        '\t\tif v.Len() != 1 {',
        '\t\t\treturn nil',
        '\t\t}',
        '',
        '\t\tin, _ := v.Get("$in")',
        '\t\tarr, ok := in.(*types.Array)',
        '',
        '\t\tif !ok || arr.Len() == 0 || arr.Len() > 1000 {',
        '\t\t\treturn nil',
        '\t\t}',
        '',
        '\t\tfor i := 0; i < arr.Len(); i++ {',
        '\t\t\ts, isString := must.NotFail(arr.Get(i)).(string)',
        '\t\t\tif !isString {',
        '\t\t\t\treturn nil',
        '\t\t\t}',
        '',
        '\t\t\tstrs = append(strs, s)',
        '\t\t}',
        '\tdefault:',
        '\t\treturn nil',
        '\t}',
        '',
        '\tfor _, s := range strs {',
        '\t\tfor _, r := range s {',
        '\t\t\tif r < 0x20 || r > 0x7e || strings.ContainsRune(`"\\<>&`, r) {',
        '\t\t\t\treturn nil',
        '\t\t\t}',
        '\t\t}',
        '\t}',
        '',
        '\treturn strs',
        '}',
        '',
        '// Query implements backends.Collection interface.',
      ),
    },
    {
      original: ID_PUSHED_DOWN_IN_QUERY,
      patched: ANY_ID_FILTER + whereId('\t\t') + ELSE_INDEXED_FIELD + '\t\twhereClause, args = where, values\n\t}\n',
    },
    {
      original: ID_PUSHED_DOWN_IN_EXPLAIN,
      patched:
        ANY_ID_FILTER +
        '\t\tfilterPushdown = true\n' +
        whereId('\t\t') +
        ELSE_INDEXED_FIELD +
        '\t\tfilterPushdown = true\n\t\twhereClause, args = where, values\n\t}\n',
    },
  ],
};

/**
 * A person's timeline on FerretDB: the indexed-field pushdown finds the person's events
 * through the `{profileId: 1, timestamp: -1}` index, but the handler then reads, decodes,
 * sorts and filters every one of them, so the newest 25 of a person with 20,000 events took
 * over a second. Itinera reads a timeline in time windows (`timestamp` between two dates);
 * this fix lets SQLite find the window's rows in the index, so only they are read.
 *
 * When the pushed-down field leads an index whose second key is a plain field, and the
 * filter has one top-level condition on that field made only of `$gt`, `$gte`, `$lt` and
 * `$lte` of dates, both bounds between 2001 and 2286, the rows are those whose `rowid` one
 * of these index searches finds:
 *   1. the first field's values, and the second field's JSON text (as the index stores it)
 *      between the bounds as strings: dates are stored as JSON integers (milliseconds), a
 *      date between such bounds has 13 digits, and 13-digit strings order as their numbers;
 *   2. the first field's values, and the second field an array (it may hold a date in range);
 *   3. the first field an array (as the indexed-field pushdown keeps them).
 * Nothing else can match a date range. Each search reads only index entries, so SQLite
 * reads no row outside the window. Bounds are taken inclusive; the rows are a superset of
 * the matches and the handler still applies the whole filter.
 */
export const INDEXED_DATE_RANGE_PUSHDOWN: SourcePatch = {
  name: 'the indexed date-range pushdown',
  file: join('internal', 'backends', 'sqlite', 'collection.go'),
  replacements: [
    {
      original: '\t"fmt"\n\t"sort"\n\t"strings"\n\n',
      patched: '\t"fmt"\n\t"math"\n\t"sort"\n\t"strings"\n\t"time"\n\n',
    },
    {
      original: "\t\treturn fmt.Sprintf(` WHERE (%[1]s IN (%[2]s) OR (%[1]s >= '[' AND %[1]s < '\\'))`, column, placeholders), args\n",
      patched: goLines(
        '\t\tif where, rangeArgs := pushedDownDateRange(filter, key, placeholders, args, indexes, table); where != "" {',
        '\t\t\treturn where, rangeArgs',
        '\t\t}',
        '',
        "\t\treturn fmt.Sprintf(` WHERE (%[1]s IN (%[2]s) OR (%[1]s >= '[' AND %[1]s < '\\'))`, column, placeholders), args",
      ),
    },
    {
      original: '// isPlainName is true for a top-level field name: not an operator, not a dotted path.\n',
      patched: goLines(
        '// pushedDownDateRange returns a WHERE clause, and its arguments, for the rows whose field',
        '// `first` is one of `values` (its placeholders) and whose field second in an index led by',
        "// `first` may meet the filter's date bounds on it. Empty when no index and condition qualify.",
        'func pushedDownDateRange(filter *types.Document, first, placeholders string, values []any, indexes []metadata.IndexInfo, table string) (string, []any) {',
        '\tfor _, index := range indexes {',
        '\t\tif len(index.Key) < 2 || index.Key[0].Field != first || !isPlainName(index.Key[1].Field) {',
        '\t\t\tcontinue',
        '\t\t}',
        '',
        '\t\tlow, high, ok := dateBounds(filter, index.Key[1].Field)',
        '\t\tif !ok {',
        '\t\t\tcontinue',
        '\t\t}',
        '',
        '\t\tfirstColumn := fmt.Sprintf("%s->%q", metadata.DefaultColumn, first)',
        '\t\tcolumn := fmt.Sprintf("%s->%q", metadata.DefaultColumn, index.Key[1].Field)',
        '\t\tof := func(condition string) string {',
        '\t\t\treturn fmt.Sprintf(`SELECT rowid FROM %q WHERE %s IN (%s) AND %s`, table, firstColumn, placeholders, condition)',
        '\t\t}',
        '',
        '\t\t// Only bounds of 13 digits (2001 to 2286): then a date in range is 13 digits too.',
        '\t\tif low < 1_000_000_000_000 || high > 9_999_999_999_999 {',
        '\t\t\tcontinue',
        '\t\t}',
        '',
        '\t\tsearches := []string{',
        '\t\t\tof(column + " >= ? AND " + column + " <= ?"),',
        "\t\t\tof(column + ` >= '[' AND ` + column + ` < '\\'`),",
        "\t\t\tfmt.Sprintf(`SELECT rowid FROM %q WHERE %[2]s >= '[' AND %[2]s < '\\'`, table, firstColumn),",
        '\t\t}',
        '\t\targs := append(append(append([]any{}, values...), fmt.Sprint(low), fmt.Sprint(high)), values...)',
        '',
        '\t\treturn ` WHERE rowid IN (` + strings.Join(searches, ` UNION ALL `) + `)`, args',
        '\t}',
        '',
        '\treturn "", nil',
        '}',
        '',
        '// dateBounds reads the one top-level condition on field when it is made only of $gt,',
        '// $gte, $lt and $lte of dates, as inclusive bounds in milliseconds (the widest when absent).',
        'func dateBounds(filter *types.Document, field string) (low, high int64, ok bool) {',
        '\tvar condition any',
        '',
        '\tfound := 0',
        '\tvalues := filter.Values()',
        '',
        '\tfor i, key := range filter.Keys() {',
        '\t\tif key == field {',
        '\t\t\tcondition = values[i]',
        '\t\t\tfound++',
        '\t\t}',
        '\t}',
        '',
        '\tbounds, isDocument := condition.(*types.Document)',
        '\tif found != 1 || !isDocument || bounds.Len() == 0 {',
        '\t\treturn 0, 0, false',
        '\t}',
        '',
        '\tlow, high = math.MinInt64, math.MaxInt64',
        '\tboundValues := bounds.Values()',
        '',
        '\tfor i, op := range bounds.Keys() {',
        '\t\tat, isDate := boundValues[i].(time.Time)',
        '\t\tif !isDate {',
        '\t\t\treturn 0, 0, false',
        '\t\t}',
        '',
        '\t\tswitch op {',
        '\t\tcase "$gt", "$gte":',
        '\t\t\tlow = max(low, at.UnixMilli())',
        '\t\tcase "$lt", "$lte":',
        '\t\t\thigh = min(high, at.UnixMilli())',
        '\t\tdefault:',
        '\t\t\treturn 0, 0, false',
        '\t\t}',
        '\t}',
        '',
        '\treturn low, high, true',
        '}',
        '',
        '// isPlainName is true for a top-level field name: not an operator, not a dotted path.',
      ),
    },
  ],
};

/** Documents written per transaction by one update command (BATCHED_UPDATE_WRITES). */
export const UPDATE_BATCH_SIZE = 1_000;

/**
 * An `update` with `multi: true` (updateMany) read the matching documents, changed each in
 * Go and wrote each back in a transaction of its own: one SQLite commit, with its sync to
 * disk, per document. Marking a deploy's 80 segments ready, one updateMany, took 150–360 ms
 * of the one second a deploy of 80 segments has (2026-12-07). The documents an update
 * changes are now written together, in one transaction per UPDATE_BATCH_SIZE of them.
 *
 * Safe because: the command already holds its collection's lock (ATOMIC_STATEMENTS) from
 * before its read to after its last write, so no other update, findAndModify or delete on
 * the collection comes between the read and the now later write; `UpdateAll` writes a list
 * of documents in one transaction (it was called with a list of one); the iterator gives
 * a new document each time, so those held for the batch are not overwritten. What changes:
 * an updateMany that fails part-way (a document the update makes invalid) writes nothing
 * of the batch it failed in, where before the documents before the failing one were
 * written; MongoDB does not promise either. findAndModify and single updates write one
 * document, as before, at the same point of the command.
 */
export const BATCHED_UPDATE_WRITES: SourcePatch = {
  name: 'the batched-update fix',
  file: join('internal', 'handler', 'common', 'update.go'),
  replacements: [
    {
      original: '\tresult := new(UpdateResult)\n',
      patched: goLines(
        '\tresult := new(UpdateResult)',
        '',
        '\t// changed holds the documents changed and not yet written (see writeChanged).',
        '\tvar changed []*types.Document',
      ),
    },
    {
      original: '\t\t\tif !upsert {\n\t\t\t\treturn result, nil\n\t\t\t}\n',
      patched: goLines(
        '\t\t\tif !upsert {',
        '\t\t\t\tif err = writeChanged(ctx, c, changed); err != nil {',
        '\t\t\t\t\treturn nil, lazyerrors.Error(err)',
        '\t\t\t\t}',
        '',
        '\t\t\t\treturn result, nil',
        '\t\t\t}',
      ),
    },
    {
      original: goLines(
        '\t\t\t_, err := c.UpdateAll(ctx, &backends.UpdateAllParams{Docs: []*types.Document{doc}})',
        '\t\t\tif err != nil {',
        '\t\t\t\treturn nil, lazyerrors.Error(err)',
        '\t\t\t}',
      ),
      patched: goLines(
        '\t\t\tif changed = append(changed, doc); len(changed) == updateBatchSize {',
        '\t\t\t\tif err = writeChanged(ctx, c, changed); err != nil {',
        '\t\t\t\t\treturn nil, lazyerrors.Error(err)',
        '\t\t\t\t}',
        '',
        '\t\t\t\tchanged = nil',
        '\t\t\t}',
      ),
    },
    {
      original: '// processFilterEqualityCondition copies the fields with equality condition from filter to doc.\n',
      patched: goLines(
        '// updateBatchSize bounds the documents one transaction of an update writes, and holds in memory.',
        `const updateBatchSize = ${UPDATE_BATCH_SIZE}`,
        '',
        '// writeChanged writes the documents an update changed, in one transaction.',
        'func writeChanged(ctx context.Context, c backends.Collection, docs []*types.Document) error {',
        '\tif len(docs) == 0 {',
        '\t\treturn nil',
        '\t}',
        '',
        '\t_, err := c.UpdateAll(ctx, &backends.UpdateAllParams{Docs: docs})',
        '',
        '\treturn err',
        '}',
        '',
        '// processFilterEqualityCondition copies the fields with equality condition from filter to doc.',
      ),
    },
  ],
};

const FERRETDB_PATCHES: readonly SourcePatch[] = [
  ID_LOOKUP,
  SERIAL_WRITES,
  LEAK_TRACKING_IN_DEBUG_ONLY,
  ...ATOMIC_STATEMENTS,
  ID_PUSHDOWN,
  INDEXED_FIELD_PUSHDOWN,
  INDEXED_DATE_RANGE_PUSHDOWN,
  BATCHED_UPDATE_WRITES,
];

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
