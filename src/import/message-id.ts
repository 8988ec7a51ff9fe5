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
 *
 * A row's consent columns are part of its values (a changed state is another row), and
 * each consent change it records is a message of its own whose id derives from the row's
 * message id and the purpose: a file imported twice records each consent once.
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
  /** Consent columns: purpose → field → converted value. A row without any has the id it had before consent columns existed. */
  consents?: Record<string, Record<string, string>>;
}

const sortedEntries = <T>(record: Record<string, T>): [string, T][] =>
  Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const hashed = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/** The row's content as one string, independent of column order. */
export function canonicalRow(kind: ImportKind, row: RowIdentity): string {
  const values = sortedEntries(row.values);
  const consents = sortedEntries(row.consents ?? {}).map(([purpose, fields]) => [purpose, sortedEntries(fields)]);
  return JSON.stringify([
    kind,
    row.userId ?? null,
    row.anonymousId ?? null,
    row.event ?? null,
    row.timestamp ?? null,
    row.email ?? null,
    values,
    ...(consents.length > 0 ? [consents] : []),
  ]);
}

export function derivedMessageId(kind: ImportKind, row: RowIdentity): string {
  return `csv-${hashed(canonicalRow(kind, row))}`;
}

/** The id of the consent message a row records for a purpose, from the row's own message id. */
export function consentMessageId(rowMessageId: string, purpose: string): string {
  return `csv-consent-${hashed(JSON.stringify([rowMessageId, purpose]))}`;
}
