/** Cell text to typed values. A failure is a reason for the row's report, not a throw. */
import type { ValueType } from './mapping.js';

export type Converted = { ok: true; value: string | number | boolean } | { ok: false; reason: string };

/** Plain decimal notation only: Number() would also take "0x1F", "Infinity" and "". */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);

/**
 * ISO-8601 dates only ("2024-03-05", "2024-03-05T10:00:00Z", with offset or fraction).
 * Other notations ("03/05/2024") are ambiguous between countries, so they are rejected.
 */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Date.parse rolls "2024-02-30" over to March 1st; a typo should be reported instead. */
function isCalendarDay(text: string): boolean {
  const [year, month, day] = [Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10))];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A date as an ISO string in UTC. A time without zone is read as UTC, not the server's
 * local time, so the same file means the same instant on every machine.
 */
function toIsoDate(text: string): string | undefined {
  if (!ISO_DATE.test(text) || !isCalendarDay(text)) return undefined;
  const withTime = text.length > 10;
  const normalised = withTime && !HAS_ZONE.test(text) ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function convertCell(text: string, type: ValueType): Converted {
  if (type === 'string') return { ok: true, value: text };
  const trimmed = text.trim();
  switch (type) {
    case 'number': {
      const value = Number(trimmed);
      return DECIMAL.test(trimmed) && Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, reason: `${JSON.stringify(text)} is not a number` };
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (TRUE_WORDS.has(lower)) return { ok: true, value: true };
      if (FALSE_WORDS.has(lower)) return { ok: true, value: false };
      return { ok: false, reason: `${JSON.stringify(text)} is not a boolean (true/false, yes/no, 1/0)` };
    }
    case 'date': {
      const value = toIsoDate(trimmed);
      return value !== undefined
        ? { ok: true, value }
        : { ok: false, reason: `${JSON.stringify(text)} is not an ISO-8601 date (such as 2024-03-05 or 2024-03-05T10:00:00Z)` };
    }
  }
}
