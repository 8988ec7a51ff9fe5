/**
 * The meaning of condition atoms, as small pure functions shared by the two compilers of
 * conditions: the in-memory predicate (predicate.ts) and the MongoDB query (query.ts).
 * docs/conditions.md states the same rules in prose; the differential test in
 * test/dsl-conditions proves that both compilers follow them.
 *
 * No Node built-ins and no driver imports here: Temporal workflow code imports this module.
 */
import { assertNever } from './assert-never.js';
import type { ComparisonIR, CountBoundIR, Millis } from './ir.js';

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
 * path is absent, leads through something that is not a plain object, or ends at `null`.
 * `null` counts as absent because that is how MongoDB's `{ field: null }` reads it and how
 * a marketer reads "the trait has no value".
 */
export function valueAtPath(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const segment of path.split('.')) {
    // Own properties only: a trait named `constructor` must not find Object's constructor.
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current === null ? undefined : current;
}

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
 * The exclusive lower bound of a sliding `within` window: an instant counts when it is
 * strictly after `now − within`. Windows have no upper bound (see docs/conditions.md).
 */
export function windowStart(now: Date, withinMs: Millis): Date {
  return new Date(now.getTime() - withinMs);
}

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
