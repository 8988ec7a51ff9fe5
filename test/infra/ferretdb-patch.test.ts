/**
 * The FerretDB source patches: each applies to exactly the text it expects and refuses to
 * build otherwise, so an upgrade of FerretDB cannot drop a fix without anyone noticing.
 * (That they apply to the pinned release is proven by every run: provisioning builds it.)
 */
import { describe, expect, it } from 'vitest';
import { SERIAL_WRITES as serialWrites, applyPatch } from '../../src/infra/ferretdb-patch.js';

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
