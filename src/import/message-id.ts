/**
 * The messageId of a row without a messageId column: a hash of the import kind and the
 * row's mapped, converted values (ids, event, timestamp, e-mail, traits/properties with
 * keys sorted). Ingestion stores a messageId once, so importing the same file again, or
 * the same rows in another file, another order or with columns reordered, applies each
 * row once.
 *
 * The price: two rows with identical values are one message. For profiles that changes
 * nothing (the same traits set twice); for events without a timestamp it merges real
 * repeats, so such files should carry a messageId (or timestamp) column. Changing a
 * column's type in the mapping changes the values and so the ids.
 */
import { createHash } from 'node:crypto';
import type { ImportKind } from './types.js';

export interface RowIdentity {
  userId?: string;
  anonymousId?: string;
  event?: string;
  timestamp?: string;
  email?: string;
  values: Record<string, unknown>;
}

/** The row's content as one string, independent of column order. */
export function canonicalRow(kind: ImportKind, row: RowIdentity): string {
  const values = Object.entries(row.values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([kind, row.userId ?? null, row.anonymousId ?? null, row.event ?? null, row.timestamp ?? null, row.email ?? null, values]);
}

export function derivedMessageId(kind: ImportKind, row: RowIdentity): string {
  return `csv-${createHash('sha256').update(canonicalRow(kind, row)).digest('base64url').slice(0, 32)}`;
}
