/**
 * The FerretDB source patches: each applies to exactly the text it expects and refuses to
 * build otherwise, so an upgrade of FerretDB cannot drop a fix without anyone noticing.
 * (That they apply to the pinned release is proven by every run: provisioning builds it.)
 */
import { describe, expect, it } from 'vitest';
import {
  ATOMIC_STATEMENTS as atomicStatements,
  BATCHED_UPDATE_WRITES as batchedUpdateWrites,
  ID_PUSHDOWN as idPushdown,
  INDEXED_DATE_RANGE_PUSHDOWN as dateRangePushdown,
  INDEXED_FIELD_PUSHDOWN as indexedFieldPushdown,
  SERIAL_WRITES as serialWrites,
  applyPatch,
} from '../../src/infra/ferretdb-patch.js';

const DB_GO = [
  'import (',
  '\t"log/slog"',
  '\t"time"',
  ')',
  'type DB struct {',
  '\tBatchSize int',
  '}',
  'func (db *DB) ExecContext() {',
  '\tres, err := db.sqlDB.ExecContext(ctx, query, args...)',
  '}',
  'func (db *DB) InTransaction() {',
  '\tvar sqlTx *sql.Tx',
  '}',
  '',
].join('\n');

describe('FerretDB source patches', () => {
  it('queues every write of a database on one mutex', () => {
    const patched = applyPatch(serialWrites, DB_GO);
    expect(patched).toContain('\t"sync"\n');
    expect(patched).toContain('\twriteM sync.Mutex\n}');
    expect(patched).toContain('\tdb.writeM.Lock()\n\tres, err := db.sqlDB.ExecContext(ctx, query, args...)\n\tdb.writeM.Unlock()\n');
    expect(patched).toContain('\tdb.writeM.Lock()\n\tdefer db.writeM.Unlock()\n\n\tvar sqlTx *sql.Tx\n');
  });

  it('refuses a source where an expected line is missing, naming the file and the fix', () => {
    const upgraded = DB_GO.replace('\tvar sqlTx *sql.Tx\n', '\tsqlTx, err := db.sqlDB.BeginTx(ctx, nil)\n');
    expect(() => applyPatch(serialWrites, upgraded)).toThrow(/db\.go does not contain exactly one .*serialised-writes fix/);
  });

  it('refuses a source where an expected line is ambiguous', () => {
    const twice = DB_GO + '\tvar sqlTx *sql.Tx\n';
    expect(() => applyPatch(serialWrites, twice)).toThrow(/does not contain exactly one/);
  });
});

/** Excerpts of the handler files, with the lines the atomic-statement patches expect. */
const HANDLER_GO: Record<string, string> = {
  'msg_update.go': [
    'import (',
    '\t"context"',
    '\t"fmt"',
    '',
    ')',
    '// updateDocument iterate through all documents in collection and update them.',
    'func (h *Handler) updateDocument() {',
    '\tfor _, u := range params.Updates {',
    '\t}',
    '}',
    '',
  ].join('\n'),
  'msg_findandmodify.go': ['func (h *Handler) findAndModifyDocument() {', '\tqueryRes, err := c.Query(ctx, &qp)', '}', ''].join('\n'),
  'msg_delete.go': ['func (h *Handler) MsgDelete() {', '\tfor i, p := range params.Deletes {', '\t}', '}', ''].join('\n'),
};
const handlerGo = (file: string) => HANDLER_GO[file.split(/[\\/]/).at(-1)!]!;

/** The `_id` pushdown of the SQLite backend, in Query and in Explain. */
const ID_BLOCK = (...extra: string[]) =>
  [
    '\tif params.Filter.Len() == 1 {',
    '\t\tv, _ := params.Filter.Get("_id")',
    '\t\tswitch v.(type) {',
    '\t\tcase string, types.ObjectID:',
    ...extra,
    '\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)',
    '\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}',
    '\t\t}',
    '\t}',
  ].join('\n');
const COLLECTION_GO = [
  'import (',
  '\t"fmt"',
  '\t"sort"',
  '\t"strings"',
  '',
  ')',
  '// Query implements backends.Collection interface.',
  'func (c *collection) Query() {',
  ID_BLOCK(),
  '}',
  'func (c *collection) Explain() {',
  ID_BLOCK('\t\t\tfilterPushdown = true'),
  '}',
  '',
].join('\n');

describe('the atomic read-modify-write patches', () => {
  it('lock the collection in update (before the loop over statements), findAndModify (before the read) and delete', () => {
    const patched = atomicStatements.map((patch) => applyPatch(patch, handlerGo(patch.file)));
    expect(patched[0]).toContain('\t"fmt"\n\t"sync"\n');
    expect(patched[0]).toContain('func lockCollection(db, collection string) func() {');
    expect(patched[0]).toContain('\tdefer lockCollection(params.DB, params.Collection)()\n\n\tfor _, u := range params.Updates {\n');
    expect(patched[1]).toContain('\tdefer lockCollection(params.DB, params.Collection)()\n\n\tqueryRes, err := c.Query(ctx, &qp)\n');
    expect(patched[2]).toContain('\tdefer lockCollection(params.DB, params.Collection)()\n\n\tfor i, p := range params.Deletes {\n');
  });

  it('refuse a handler where the read moved, naming the file and the fix', () => {
    const [, findAndModify] = atomicStatements;
    const upgraded = handlerGo(findAndModify!.file).replace('c.Query(ctx, &qp)', 'c.Query(ctx, qp)');
    expect(() => applyPatch(findAndModify!, upgraded)).toThrow(
      /msg_findandmodify\.go does not contain exactly one .*atomic-findAndModify fix/,
    );
    const [update] = atomicStatements;
    const twice = handlerGo(update!.file) + '\tfor _, u := range params.Updates {\n';
    expect(() => applyPatch(update!, twice)).toThrow(/does not contain exactly one/);
  });
});

describe('the _id pushdown patch', () => {
  it('pushes down a top-level _id whatever else the filter holds, in Query and in Explain', () => {
    const patched = applyPatch(idPushdown, COLLECTION_GO);
    expect(patched).toContain('func pushedDownID(filter *types.Document) any {');
    expect(patched).not.toContain('params.Filter.Len() == 1');
    expect(patched.match(/\tif v := pushedDownID\(params\.Filter\); v != nil \{\n/g)).toHaveLength(2);
    expect(patched).toContain('v != nil {\n\t\tfilterPushdown = true\n\t\twhereClause = ');
  });

  it('refuses a backend whose pushdown changed, naming the file and the fix', () => {
    const upgraded = COLLECTION_GO.replaceAll('params.Filter.Len() == 1', 'len(params.Filter.Keys()) == 1');
    expect(() => applyPatch(idPushdown, upgraded)).toThrow(/collection\.go does not contain exactly one .*_id pushdown fix/);
  });
});

describe('the indexed-field pushdown patch', () => {
  const afterIdPushdown = () => applyPatch(idPushdown, COLLECTION_GO);

  it('falls back to an indexed field when there is no _id, in Query and in Explain', () => {
    const patched = applyPatch(indexedFieldPushdown, afterIdPushdown());
    expect(patched).toContain(
      'func pushedDownIndexedField(filter *types.Document, indexes []metadata.IndexInfo, table string) (string, []any) {',
    );
    const fallback =
      /\t\} else if where, values := pushedDownIndexedField\(params\.Filter, meta\.Settings\.Indexes, meta\.TableName\); where != "" \{\n/g;
    expect(patched.match(fallback)).toHaveLength(2);
    expect(patched).toContain('where != "" {\n\t\tfilterPushdown = true\n\t\twhereClause, args = where, values\n');
  });

  it('refuses a backend without the _id pushdown it builds on', () => {
    expect(() => applyPatch(indexedFieldPushdown, COLLECTION_GO)).toThrow(
      /collection\.go does not contain exactly one .*indexed-field pushdown fix/,
    );
  });
});

describe('the indexed date-range pushdown patch', () => {
  const afterIndexedField = () => applyPatch(indexedFieldPushdown, applyPatch(idPushdown, COLLECTION_GO));

  it('narrows the indexed field to a date window by index searches of rowids', () => {
    const patched = applyPatch(dateRangePushdown, afterIndexedField());
    expect(patched).toContain('\t"math"\n');
    expect(patched).toContain('\t"time"\n');
    expect(patched).toContain('if where, rangeArgs := pushedDownDateRange(filter, key, placeholders, args, indexes, table); where != "" {');
    expect(patched).toContain('func dateBounds(filter *types.Document, field string) (low, high int64, ok bool) {');
    expect(patched).toContain('return ` WHERE rowid IN (` + strings.Join(searches, ` UNION ALL `) + `)`, args');
  });

  it('refuses a backend without the indexed-field pushdown it builds on', () => {
    expect(() => applyPatch(dateRangePushdown, applyPatch(idPushdown, COLLECTION_GO))).toThrow(
      /collection\.go does not contain exactly one .*indexed date-range pushdown/,
    );
  });
});

/** The loop of common.UpdateDocument as FerretDB v1.24.2 has it (abridged). */
const UPDATE_GO = [
  'func UpdateDocument(ctx context.Context, c backends.Collection, cmd string, iter types.DocumentsIterator, param *Update) (*UpdateResult, error) {',
  '\tresult := new(UpdateResult)',
  '\tfor {',
  '\t\tif err != nil {',
  '\t\t\tif !upsert {',
  '\t\t\t\treturn result, nil',
  '\t\t\t}',
  '\t\t}',
  '\t\tif upsert {',
  '\t\t\treturn result, nil',
  '\t\t} else if modified {',
  '\t\t\t_, err := c.UpdateAll(ctx, &backends.UpdateAllParams{Docs: []*types.Document{doc}})',
  '\t\t\tif err != nil {',
  '\t\t\t\treturn nil, lazyerrors.Error(err)',
  '\t\t\t}',
  '\t\t\tresult.Modified.Count++',
  '\t\t}',
  '\t}',
  '}',
  '',
  '// processFilterEqualityCondition copies the fields with equality condition from filter to doc.',
  '',
].join('\n');

describe('the batched-update patch', () => {
  it('holds changed documents and writes them a batch at a time, and the rest when the matches run out', () => {
    const patched = applyPatch(batchedUpdateWrites, UPDATE_GO);
    expect(patched).not.toContain('UpdateAllParams{Docs: []*types.Document{doc}}');
    expect(patched).toContain('\t\t\tif changed = append(changed, doc); len(changed) == updateBatchSize {\n');
    expect(patched).toContain(
      '\t\t\t\tif err = writeChanged(ctx, c, changed); err != nil {\n\t\t\t\t\treturn nil, lazyerrors.Error(err)\n\t\t\t\t}\n\n\t\t\t\treturn result, nil\n',
    );
    expect(patched).toMatch(/const updateBatchSize = 1000\n/);
    expect(patched).toContain('\t_, err := c.UpdateAll(ctx, &backends.UpdateAllParams{Docs: docs})\n');
  });

  it('refuses an UpdateDocument whose write moved, naming the file and the fix', () => {
    const upgraded = UPDATE_GO.replace('Docs: []*types.Document{doc}', 'Docs: docs');
    expect(() => applyPatch(batchedUpdateWrites, upgraded)).toThrow(/update\.go does not contain exactly one .*batched-update fix/);
  });
});
