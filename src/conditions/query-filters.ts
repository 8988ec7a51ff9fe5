/**
 * The MongoDB filters of condition atoms, for the query planner (query.ts): comparisons of
 * values at paths (on `profiles.traits` and `events.properties`), consents, `first/last
 * seen`, and which events an event atom reads. Each follows the rule of the same name in
 * condition-semantics.ts.
 *
 * Only operators that both FerretDB v1.24 and MongoDB implement identically are used:
 * `$and $or $nor $not $eq $in $lt $lte $gt $gte $exists $type $regex`. No `$expr`:
 * FerretDB lacks it.
 */
import { assertNever } from '../dsl/assert-never.js';
import {
  comparisonHolds,
  escapeRegex,
  GRANT_LAPSED,
  INSIDE_WINDOW,
  isNamablePath,
  SEEN_ORDER,
  windowStart,
} from './condition-semantics.js';
import type { ComparisonIR, ConditionIR, ConsentState, Millis, PropConditionIR, Scalar } from '../dsl/ir.js';

export type Filter = Record<string, unknown>;

// ---------------------------------------------------------------- filter algebra

/** Matches every document. */
export const EVERYTHING: Filter = {};
/** Matches no document (MongoDB rejects an empty `$or`). */
export const NOTHING: Filter = { _id: { $in: [] } };

export function allOf(filters: Filter[]): Filter {
  const nonTrivial = filters.filter((filter) => Object.keys(filter).length > 0);
  if (nonTrivial.length <= 1) return nonTrivial[0] ?? EVERYTHING;
  return { $and: nonTrivial };
}

export function anyOf(filters: Filter[]): Filter {
  if (filters.length <= 1) return filters[0] ?? NOTHING;
  return { $or: filters };
}

export function noneOf(filters: Filter[]): Filter {
  return { $nor: filters };
}

// ---------------------------------------------------------------- values at paths

/** A `where` clause as a filter on `events`. */
export function propConditionFilter(condition: PropConditionIR): Filter {
  switch (condition.kind) {
    case 'and':
      return allOf(condition.all.map(propConditionFilter));
    case 'or':
      return anyOf(condition.any.map(propConditionFilter));
    case 'not':
      return noneOf([propConditionFilter(condition.condition)]);
    case 'prop':
      return comparisonFilter('properties', condition.path, condition.cmp);
    default:
      return assertNever(condition, 'property condition');
  }
}

/**
 * MongoDB walks a dotted path into every element of an array on the way and compares
 * array values element by element; the language does neither (a path through an array
 * finds nothing, an array is not = 3). So each comparison is guarded: no array on the way
 * (`reachable`), and, except for `contains`, no array at the end (`notArray`).
 */
export function comparisonFilter(root: 'traits' | 'properties', path: string, cmp: ComparisonIR): Filter {
  // A path no query can name finds nothing: the comparison answers the same for everyone.
  if (!isNamablePath(path)) return comparisonHolds(cmp, undefined) ? EVERYTHING : NOTHING;
  const field = `${root}.${path}`;
  switch (cmp.op) {
    case 'eq':
      return equalsFilter(field, cmp.value);
    case 'ne':
      return noneOf([equalsFilter(field, cmp.value)]);
    case 'in':
      return inFilter(field, cmp.values);
    case 'notIn':
      return noneOf([inFilter(field, cmp.values)]);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      // MongoDB compares only within a type (numbers with numbers, strings with strings),
      // which is exactly "type mismatches never match".
      return allOf([reachable(field), notArray(field), { [field]: { [`$${cmp.op}`]: cmp.value } }]);
    case 'contains':
      return allOf([
        reachable(field),
        anyOf([
          allOf([notArray(field), { [field]: { $regex: escapeRegex(cmp.value) } }]),
          // Membership in an array (and, harmlessly, a string equal to the value).
          { [field]: cmp.value },
        ]),
      ]);
    case 'startsWith':
      return allOf([reachable(field), notArray(field), { [field]: { $regex: `^${escapeRegex(cmp.value)}` } }]);
    case 'exists':
      return present(field);
    case 'missing':
      return noneOf([present(field)]);
    default:
      return assertNever(cmp, 'comparison');
  }
}

function equalsFilter(field: string, value: Scalar): Filter {
  if (value === null) return noneOf([present(field)]);
  return allOf([reachable(field), notArray(field), { [field]: { $eq: value } }]);
}

function inFilter(field: string, values: Scalar[]): Filter {
  const scalars = values.filter((value) => value !== null);
  const alternatives: Filter[] = [];
  if (scalars.length > 0) alternatives.push(allOf([reachable(field), notArray(field), { [field]: { $in: scalars } }]));
  if (scalars.length < values.length) alternatives.push(noneOf([present(field)]));
  return anyOf(alternatives);
}

/** The path finds a value: reachable without arrays, and neither absent nor `null`. */
function present(field: string): Filter {
  // `$ne: null` alone would reject arrays that contain a null element.
  return allOf([reachable(field), anyOf([{ [field]: { $ne: null } }, { [field]: { $type: 'array' } }])]);
}

/** Events whose `property` is a number (not an array holding one): the values an aggregate takes. */
export function numberAt(property: string): Filter {
  const field = `properties.${property}`;
  return allOf([reachable(field), notArray(field), { [field]: { $type: 'number' } }]);
}

/** No array at any proper prefix of the field, so MongoDB does not fan out into elements. */
function reachable(field: string): Filter {
  const segments = field.split('.');
  return allOf(segments.slice(0, -1).map((_, index) => notArray(segments.slice(0, index + 1).join('.'))));
}

function notArray(field: string): Filter {
  return { [field]: { $not: { $type: 'array' } } };
}

// ---------------------------------------------------------------- profile atoms

/** A grant whose `expiresAt` has come counts as missing; so does an unrecognised state. */
export function consentFilter(purpose: string, state: ConsentState, now: Date): Filter {
  // Consents are named by names of the language (`[a-z_][a-z0-9_]*`): nothing else can be asked.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(purpose)) throw new Error(`cannot query consent '${purpose}'`);
  const base = `consents.${purpose}`;
  const granted = allOf([{ [`${base}.state`]: 'granted' }, noneOf([{ [`${base}.expiresAt`]: { [`$${GRANT_LAPSED}`]: now } }])]);
  switch (state) {
    case 'granted':
      return granted;
    case 'denied':
    case 'revoked':
    case 'pending':
      return { [`${base}.state`]: state };
    case 'missing':
      return noneOf([granted, { [`${base}.state`]: 'denied' }, { [`${base}.state`]: 'revoked' }, { [`${base}.state`]: 'pending' }]);
    default:
      return assertNever(state, 'consent state');
  }
}

export function seenFilter(condition: Extract<ConditionIR, { kind: 'seen' }>, now: Date): Filter {
  const field = condition.which === 'first' ? 'firstSeenAt' : 'lastSeenAt';
  return { [field]: { [`$${SEEN_ORDER[condition.relation]}`]: windowStart(now, condition.ms) } };
}

// ---------------------------------------------------------------- event atoms

/** The `track` events of that name inside the window, if there is one. */
export function trackEventFilter(event: string, withinMs: Millis | undefined, now: Date): Filter {
  const filter: Filter = { type: 'track', event };
  if (withinMs !== undefined) filter.timestamp = { [`$${INSIDE_WINDOW}`]: windowStart(now, withinMs) };
  return filter;
}
