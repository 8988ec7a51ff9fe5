/**
 * One CSV record to one message, validated by the same zod schemas as the HTTP API, so an
 * imported row obeys the rules a tracked message does.
 *
 * Where the `email` column goes: for profiles it is `traits.email`; for events it is
 * `context.traits.email`, Segment's place for what a call knows about its person.
 * Ingestion reads it there to find (and link) the profile, but does not store it as a
 * trait: a track call does not set traits.
 *
 * Consent columns add a message per purpose whose state the row gives (row-consent.ts).
 */
import type { z } from 'zod';
import { identifyMessage, MAX_MESSAGE_BYTES, trackMessage } from '../tracking/segment-spec.js';
import type { ResolvedColumn } from './columns.js';
import { derivedMessageId, type RowIdentity } from './message-id.js';
import { consentMessages, convertConsentCell, type RowConsents } from './row-consent.js';
import type { ImportKind, ImportMessage } from './types.js';
import { convertCell } from './values.js';

export type RowOutcome =
  /** The row's message, and the consent changes it records, one message each (none without consent columns). */
  | { kind: 'message'; message: ImportMessage; consents: ImportMessage[] }
  | { kind: 'bad'; reason: string }
  /** Every cell is empty (a spreadsheet's trailing ",,,"): not a row at all. */
  | { kind: 'blank' };

const isBlank = (cell: string | undefined) => cell === undefined || cell.trim() === '';

/** `userId: either userId or anonymousId is required; traits: …` */
function reasonOf(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/** The upper bound of a message's JSON size: every character escaped (6 bytes), plus quotes and separators. */
const mayExceedMessageLimit = (chars: number, fields: number) => chars * 6 + fields * 8 + 512 > MAX_MESSAGE_BYTES;

export function rowToMessage(kind: ImportKind, columns: readonly ResolvedColumn[], record: readonly string[]): RowOutcome {
  const row: RowIdentity = { values: {} };
  const consents: RowConsents = {};
  let messageId: string | undefined;
  let chars = 0;
  for (const column of columns) {
    const cell = record[column.index];
    // Empty cells are omitted: an empty trait is "not in this file", not "set to ''".
    if (cell === undefined || isBlank(cell)) continue;
    const { target } = column;
    if (target.to === 'consent') {
      const converted = convertConsentCell(target.field, cell);
      if (!converted.ok) return { kind: 'bad', reason: `column "${column.name}": ${converted.reason}` };
      chars += cell.length + column.name.length;
      (consents[target.purpose] ??= {})[target.field] = converted.value;
      continue;
    }
    const converted = convertCell(cell, column.type);
    if (!converted.ok) return { kind: 'bad', reason: `column "${column.name}": ${converted.reason}` };
    chars += cell.length + column.name.length;
    if (target.to === 'trait' || target.to === 'property') row.values[target.name] = converted.value;
    else if (target.to === 'messageId') messageId = String(converted.value);
    else row[target.to] = String(converted.value);
  }
  if (chars === 0 && record.every(isBlank)) return { kind: 'blank' };
  if (Object.keys(consents).length > 0) row.consents = consents;

  const common = {
    ...(row.userId !== undefined ? { userId: row.userId } : {}),
    ...(row.anonymousId !== undefined ? { anonymousId: row.anonymousId } : {}),
    ...(row.timestamp !== undefined ? { timestamp: row.timestamp } : {}),
    messageId: messageId ?? derivedMessageId(kind, row),
  };
  const candidate =
    kind === 'profiles'
      ? { type: 'identify' as const, ...common, traits: { ...row.values, ...(row.email !== undefined ? { email: row.email } : {}) } }
      : {
          type: 'track' as const,
          ...common,
          event: row.event,
          properties: row.values,
          ...(row.email !== undefined ? { context: { traits: { email: row.email } } } : {}),
        };

  const parsed = (kind === 'profiles' ? identifyMessage : trackMessage).safeParse(candidate);
  if (!parsed.success) return { kind: 'bad', reason: reasonOf(parsed.error) };
  const message = { ...parsed.data, type: candidate.type } as ImportMessage;
  if (mayExceedMessageLimit(chars, columns.length)) {
    const size = Buffer.byteLength(JSON.stringify(message));
    if (size > MAX_MESSAGE_BYTES)
      return { kind: 'bad', reason: `the message would be ${Math.ceil(size / 1024)} KB; a message may be at most 32 KB` };
  }
  return {
    kind: 'message',
    message,
    consents: consentMessages({ ...common, ...(row.email !== undefined ? { email: row.email } : {}) }, consents),
  };
}
