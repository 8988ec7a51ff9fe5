/**
 * The meaning of condition atoms, in one place, for the three evaluations of a condition:
 * the in-memory predicate (predicate.ts), the MongoDB query (query.ts, query-filters.ts)
 * and the segment engine's facts (src/segments/facts.ts, membership.ts). Each rule is a
 * small pure function or a table; the query turns the tables into operators, the others
 * call the functions. docs/conditions.md states the same rules in prose; the property test
 * test/conditions/semantics.property.test.ts checks that the three agree.
 *
 * Pure: no I/O, no Node built-ins, no driver.
 */
import { assertNever } from '../dsl/assert-never.js';
import type { ComparisonIR, ConditionIR, ConsentState, CountBoundIR, Millis } from '../dsl/ir.js';

// ================================================================ values at paths

/**
 * A document we can walk into with a dotted path. Arrays, Dates and driver value classes
 * (ObjectId, Binary…) are not: MongoDB has no sub-fields in them either, and walking
 * through arrays is deliberately not supported (see "Paths" in docs/conditions.md).
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The value a dotted path finds under `root`, or `undefined` when it finds nothing: the
 * path is absent, leads through something that is not a plain object, ends at `null`, or
 * cannot name a field (isNamablePath). `null` counts as absent because that is how
 * MongoDB's `{ field: null }` reads it and how a marketer reads "the trait has no value".
 */
export function valueAtPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const segment of path.split('.')) {
    if (!isNamableSegment(segment)) return undefined;
    // Own properties only: a trait named `constructor` must not find Object's constructor.
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current === null ? undefined : current;
}

/**
 * Whether a dotted path names a field exactly: no empty part, no part starting with `$`.
 * A query cannot name other fields, so such a path finds nothing, in every evaluation.
 * Names in the language never have these; an aggregate's property is a text
 * (`sum "a..b" of …`) and may.
 */
export function isNamablePath(path: string): boolean {
  return path.split('.').every(isNamableSegment);
}

function isNamableSegment(segment: string): boolean {
  return segment !== '' && !segment.startsWith('$');
}

// ================================================================ comparisons

/**
 * Orders strings by Unicode code point, which is the order of their UTF-8 bytes: the order
 * MongoDB (simple collation) and FerretDB use. JavaScript's `<` compares UTF-16 code units,
 * which disagrees for characters above U+FFFF against U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const l = left.next();
    const r = right.next();
    if (l.done || r.done) return l.done && r.done ? 0 : l.done ? -1 : 1;
    const difference = l.value.codePointAt(0)! - r.value.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
}

/** The ordering operators; each is also the name of its MongoDB operator (`$lt`…). */
export type OrderOp = 'lt' | 'lte' | 'gt' | 'gte';
export type NumericOp = 'eq' | 'ne' | OrderOp;

/** `sign` is negative, zero or positive, as from a comparator. */
export function orderHolds(op: OrderOp, sign: number): boolean {
  switch (op) {
    case 'lt':
      return sign < 0;
    case 'lte':
      return sign <= 0;
    case 'gt':
      return sign > 0;
    case 'gte':
      return sign >= 0;
    default:
      return assertNever(op, 'order operator');
  }
}

export function compareNumbers(op: NumericOp, left: number, right: number): boolean {
  switch (op) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    default:
      return orderHolds(op, left < right ? -1 : left > right ? 1 : 0);
  }
}

/**
 * Whether one looked-up value (from `valueAtPath`, so `undefined` = absent) satisfies a
 * comparison. Type mismatches never match: a string "5" is not > 3, an array is not = 3.
 * `!=` and `not in` are the exact negations of `=` and `in`, so they hold for absent values.
 */
export function comparisonHolds(cmp: ComparisonIR, value: unknown): boolean {
  switch (cmp.op) {
    case 'eq':
      return equalsScalar(value, cmp.value);
    case 'ne':
      return !equalsScalar(value, cmp.value);
    case 'in':
      return cmp.values.some((candidate) => equalsScalar(value, candidate));
    case 'notIn':
      return !cmp.values.some((candidate) => equalsScalar(value, candidate));
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      if (typeof cmp.value === 'number') {
        return typeof value === 'number' && compareNumbers(cmp.op, value, cmp.value);
      }
      return typeof value === 'string' && orderHolds(cmp.op, compareCodePoints(value, cmp.value));
    case 'contains':
      // Substring of a string, member of an array; nothing else contains anything.
      if (typeof value === 'string') return value.includes(cmp.value);
      return Array.isArray(value) && value.some((element) => element === cmp.value);
    case 'startsWith':
      return typeof value === 'string' && value.startsWith(cmp.value);
    case 'exists':
      return value !== undefined;
    case 'missing':
      return value === undefined;
    default:
      return assertNever(cmp, 'comparison');
  }
}

/** `= null` asks whether the value is absent; any other scalar asks for that exact scalar. */
function equalsScalar(value: unknown, scalar: string | number | boolean | null): boolean {
  return scalar === null ? value === undefined : value === scalar;
}

// ================================================================ events: counts and windows

export function countSatisfies(bound: CountBoundIR, count: number): boolean {
  switch (bound.op) {
    case 'atLeast':
      return count >= bound.n;
    case 'atMost':
      return count <= bound.n;
    case 'exactly':
      return count === bound.n;
    default:
      return assertNever(bound.op, 'count bound');
  }
}

/**
 * How an event's timestamp compares with the start of a sliding `within` window for the
 * event to count: strictly after it (an event exactly `within` ago is out). Windows have
 * no upper bound (see docs/conditions.md).
 */
export const INSIDE_WINDOW: OrderOp = 'gt';

/** The exclusive lower bound of a sliding `within` window. */
export function windowStart(now: Date, withinMs: Millis): Date {
  return new Date(now.getTime() - withinMs);
}

/** Whether an instant (epoch ms) is inside the window; every instant is when there is none. */
export function insideWindow(atMs: number, now: Date, withinMs: Millis | undefined): boolean {
  return withinMs === undefined || orderHolds(INSIDE_WINDOW, atMs - (now.getTime() - withinMs));
}

// ================================================================ events: aggregates

export type AggregateFn = Extract<ConditionIR, { kind: 'aggregate' }>['fn'];

/** What an aggregate needs of its values: how many, their sum, the least and the greatest (when there are any). */
export interface ValueSummary {
  n: number;
  sum: number;
  min?: number;
  max?: number;
}

export function summarize(values: readonly number[]): ValueSummary {
  let sum = 0;
  let min: number | undefined;
  let max: number | undefined;
  for (const value of values) {
    sum += value;
    if (min === undefined || value < min) min = value;
    if (max === undefined || value > max) max = value;
  }
  return { n: values.length, sum, min, max };
}

/** The sum of no values is 0; their average, minimum and maximum do not exist. */
export function aggregateOfSummary(fn: AggregateFn, { n, sum, min, max }: ValueSummary): number | undefined {
  switch (fn) {
    case 'sum':
      return sum;
    case 'average':
      return n === 0 ? undefined : sum / n;
    case 'min':
      return n === 0 ? undefined : min;
    case 'max':
      return n === 0 ? undefined : max;
    default:
      return assertNever(fn, 'aggregate function');
  }
}

export function aggregateOf(fn: AggregateFn, values: readonly number[]): number | undefined {
  return aggregateOfSummary(fn, summarize(values));
}

/** An aggregate that does not exist compares false with everything, `!=` included. */
export function aggregateHolds(op: NumericOp, aggregate: number | undefined, value: number): boolean {
  return aggregate !== undefined && compareNumbers(op, aggregate, value);
}

// ================================================================ profile atoms

type SeenRelation = Extract<ConditionIR, { kind: 'seen' }>['relation'];

/**
 * `first/last seen within D`: seen after now − D; `more than D ago`: before it. An instant
 * exactly D ago is neither.
 */
export const SEEN_ORDER: Record<SeenRelation, OrderOp> = { within: 'gt', moreThanAgo: 'lt' };

export function seenHolds(relation: SeenRelation, seenAt: Date, now: Date, ms: Millis): boolean {
  return orderHolds(SEEN_ORDER[relation], seenAt.getTime() - windowStart(now, ms).getTime());
}

/** The first instant after `now` at which `seenHolds` changes its answer, if it ever does. */
export function nextSeenChange(relation: SeenRelation, seenAt: Date, now: Date, ms: Millis): number | undefined {
  // within: seen > now − ms, false from seen + ms on; more than ago: seen < now − ms, true just after seen + ms.
  const instant = seenAt.getTime() + ms + (relation === 'moreThanAgo' ? 1 : 0);
  return instant > now.getTime() ? instant : undefined;
}

/**
 * A profile's consents as conditions read them (`consents` of a stored profile,
 * src/model.ts): by purpose, a record with a state and, for a grant that lapses, its
 * `expiresAt`. Stored data is read defensively: anything else counts as no record.
 */
export type HeldConsents = Readonly<Record<string, { state?: unknown; expiresAt?: unknown }>>;

/** How a grant's `expiresAt` compares with now once it has lapsed: a grant expiring exactly now is already expired. */
export const GRANT_LAPSED: OrderOp = 'lte';

/** A consent record as a profile holds it (`consents.<purpose>`), or undefined. */
function consentRecord(consents: HeldConsents | undefined, purpose: string): Record<string, unknown> | undefined {
  const record: unknown = isPlainObject(consents) && Object.hasOwn(consents, purpose) ? consents[purpose] : undefined;
  return isPlainObject(record) ? record : undefined;
}

/**
 * The current state of one consent: a grant whose `expiresAt` has come is `missing` (also
 * once the lifecycle marked it `expired`), as is a record with no recognised state.
 */
export function consentState(consents: HeldConsents | undefined, purpose: string, now: Date): ConsentState {
  const record = consentRecord(consents, purpose);
  switch (record?.state) {
    case 'granted': {
      const expiry = grantExpiry(record);
      return expiry !== undefined && orderHolds(GRANT_LAPSED, expiry - now.getTime()) ? 'missing' : 'granted';
    }
    case 'denied':
      return 'denied';
    case 'revoked':
      return 'revoked';
    case 'pending':
      return 'pending';
    default:
      return 'missing';
  }
}

/** The first instant after `now` at which the consent's state changes by itself: a grant lapsing. */
export function nextConsentChange(consents: HeldConsents | undefined, purpose: string, now: Date): number | undefined {
  const record = consentRecord(consents, purpose);
  const expiry = record?.state === 'granted' ? grantExpiry(record) : undefined;
  return expiry !== undefined && expiry > now.getTime() ? expiry : undefined;
}

function grantExpiry(record: Record<string, unknown>): number | undefined {
  return record.expiresAt instanceof Date ? record.expiresAt.getTime() : undefined;
}

// ================================================================ tags

const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/g;

/** Escapes the characters that are syntax in JavaScript, PCRE (MongoDB) and RE2 (FerretDB) regexes alike. */
export function escapeRegex(text: string): string {
  return text.replace(REGEX_SYNTAX, '\\$&');
}

/**
 * The unanchored regex body of a `tagged like` glob: `*` is any run of characters (also
 * none), `?` exactly one character (a code point, newline included); everything else is
 * literal. `[\s\S]` means "any character" identically in all three regex dialects, where
 * `.` would not match a newline. Callers add the anchors of their dialect.
 */
export function globToRegexBody(glob: string): string {
  let body = '';
  for (const char of glob) {
    if (char === '*') body += '[\\s\\S]*';
    else if (char === '?') body += '[\\s\\S]';
    else body += escapeRegex(char);
  }
  return body;
}
