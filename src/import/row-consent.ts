/**
 * The consent columns of a row (`consent:<purpose>` and its kin, see mapping.ts). For each
 * purpose whose state cell is filled, the row records one more message beside its own: a
 * `Consent Granted|Denied|Revoked` track for the same person, carrying the change for the
 * ledger (origin `import`) and its proof, as `POST /v1/consents` does. The record's `at`
 * is the message's timestamp: `consent_at`, else the row's timestamp, else the import time.
 */
import { isIP } from 'node:net';
import { CONSENT_EVENTS } from '../consent/events.js';
import { anonymiseIp } from '../ingest/consent-capture.js';
import type { ConsentProof, ConsentRecordState, EventConsent } from '../model.js';
import { IMPORT_SOURCE } from './apply.js';
import type { ConsentField } from './mapping.js';
import { consentMessageId } from './message-id.js';
import type { ImportMessage } from './types.js';
import { convertCell, type Converted } from './values.js';

/** purpose → field → the cell, converted (a state word, an ISO date, an anonymised address…). */
export type RowConsents = Record<string, Partial<Record<ConsentField, string>>>;

const STATE_WORDS = new Map<string, ConsentRecordState>([
  ...['true', 'yes', 'y', '1', 'granted'].map((word) => [word, 'granted'] as const),
  ...['false', 'no', 'n', '0', 'denied'].map((word) => [word, 'denied'] as const),
  ['revoked', 'revoked'],
]);

/** The longest proof values, as `POST /v1/consents` takes them. */
const MAX_CHARS: Partial<Record<ConsentField, [number, string]>> = {
  method: [64, 'a consent method'],
  text: [10_000, 'a consent text'],
  url: [2048, 'a URL'],
  pageUrl: [2048, 'a URL'],
  userAgent: [512, 'a user agent'],
};

type ConvertedText = { ok: true; value: string } | Extract<Converted, { ok: false }>;

/** One non-empty cell of a consent column; a failure is a reason for the row's report. */
export function convertConsentCell(field: ConsentField, text: string): ConvertedText {
  const trimmed = text.trim();
  switch (field) {
    case 'state': {
      const state = STATE_WORDS.get(trimmed.toLowerCase());
      return state
        ? { ok: true, value: state }
        : { ok: false, reason: `${JSON.stringify(text)} is not a consent state (granted/yes/true/1/y, denied/no/false/0/n, or revoked)` };
    }
    case 'at': {
      const converted = convertCell(trimmed, 'date');
      return converted.ok ? { ok: true, value: String(converted.value) } : converted;
    }
    case 'ip':
      return isIP(trimmed) !== 0
        ? { ok: true, value: anonymiseIp(trimmed.toLowerCase()) }
        : { ok: false, reason: `${JSON.stringify(text)} is not an IP address` };
    default: {
      const [max, what] = MAX_CHARS[field]!;
      return trimmed.length <= max
        ? { ok: true, value: trimmed }
        : { ok: false, reason: `${what} may be at most ${max} characters, not ${trimmed.length}` };
    }
  }
}

function proofOf(fields: Partial<Record<ConsentField, string>>): ConsentProof {
  const shown = { ...(fields.text ? { text: fields.text } : {}), ...(fields.url ? { url: fields.url } : {}) };
  return {
    method: fields.method ?? 'import',
    ...(Object.keys(shown).length > 0 ? { shown } : {}),
    ...(fields.pageUrl ? { pageUrl: fields.pageUrl } : {}),
    ...(fields.ip ? { ip: fields.ip } : {}),
    ...(fields.userAgent ? { userAgent: fields.userAgent } : {}),
  };
}

/** Who the row's message is about, and when: the consent messages are about the same person. */
export interface RowPerson {
  userId?: string;
  anonymousId?: string;
  timestamp?: string;
  email?: string;
  messageId: string;
}

/** One track per purpose with a state, in the order of the mapping's columns. */
export function consentMessages(person: RowPerson, consents: RowConsents): ImportMessage[] {
  const messages: ImportMessage[] = [];
  for (const [purpose, fields] of Object.entries(consents)) {
    const state = fields.state as ConsentRecordState | undefined;
    // An empty state cell: no change for this purpose in this row.
    if (state === undefined) continue;
    const timestamp = fields.at ?? person.timestamp;
    const consent: EventConsent = {
      changes: [{ purpose, state }],
      origin: { kind: 'import', source: IMPORT_SOURCE },
      proof: proofOf(fields),
    };
    messages.push({
      type: 'track',
      event: CONSENT_EVENTS[state],
      ...(person.userId !== undefined ? { userId: person.userId } : {}),
      ...(person.anonymousId !== undefined ? { anonymousId: person.anonymousId } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      messageId: consentMessageId(person.messageId, purpose),
      properties: { purpose, state },
      ...(person.email !== undefined ? { context: { traits: { email: person.email } } } : {}),
      consent,
    });
  }
  return messages;
}
