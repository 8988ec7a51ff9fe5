/**
 * Conditions over the whole population, in the database: one of the three evaluations of
 * a condition (predicate.ts judges one profile in memory, src/segments keeps facts per
 * person; all three follow condition-semantics.ts and must agree).
 *
 * Two phases. `compileCondition` (pure, here) turns a condition into a QueryPlan: MongoDB
 * filters on `profiles` (query-filters.ts), `$match`/`$group` pipelines on `events`, and
 * the set algebra that combines them. `executePlan` (query-execute.ts) runs a plan against
 * a `Population` (three kinds of question the database answers; store/population.ts) and
 * returns profile ids. Whatever the database can combine itself stays one filter (every
 * profile-only subtree becomes a single `profiles` query); the rest is combined in memory,
 * because FerretDB v1 has no `$lookup`. `$group` has a single `$sum` accumulator: FerretDB
 * v1.24 computes only the first accumulator of a `$group` correctly, so an average is two
 * pipelines.
 */
import { assertNever } from '../dsl/assert-never.js';
import { aggregateHolds, aggregateOfSummary, globToRegexBody, isNamablePath, type NumericOp } from './condition-semantics.js';
import { executePlan, type FindOptions, type Population, type QueryPlan } from './query-execute.js';
import {
  allOf,
  anyOf,
  comparisonFilter,
  consentFilter,
  EVERYTHING,
  noneOf,
  NOTHING,
  numberAt,
  propConditionFilter,
  seenFilter,
  trackEventFilter,
  type Filter,
} from './query-filters.js';
import type { ConditionIR } from '../dsl/ir.js';

export { executePlan, type FindOptions, type Population, type QueryPlan } from './query-execute.js';
export { comparisonFilter, consentFilter, propConditionFilter, trackEventFilter, type Filter } from './query-filters.js';

export async function findMatchingProfileIds(
  population: Population,
  condition: ConditionIR,
  now: Date,
  options: FindOptions = {},
): Promise<Set<string>> {
  return executePlan(population, compileCondition(condition, now), options);
}

export function compileCondition(condition: ConditionIR, now: Date): QueryPlan {
  switch (condition.kind) {
    case 'and':
      return combine(
        'and',
        condition.all.map((part) => compileCondition(part, now)),
      );
    case 'or':
      return combine(
        'or',
        condition.any.map((part) => compileCondition(part, now)),
      );
    case 'not': {
      const inner = compileCondition(condition.condition, now);
      return inner.kind === 'profiles' ? profiles(noneOf([inner.filter])) : { kind: 'not', plan: inner };
    }
    case 'trait':
      return profiles(comparisonFilter('traits', condition.path, condition.cmp));
    case 'tagged':
      return profiles({ tags: condition.tag });
    case 'taggedLike':
      // `\z`, not `$`: in PCRE (MongoDB) `$` also matches before a final newline.
      return profiles({ tags: { $regex: `^${globToRegexBody(condition.glob)}\\z` } });
    case 'inSegment':
      return { kind: 'segment', segment: condition.segment };
    case 'consent':
      return profiles(consentFilter(condition.purpose, condition.state, now));
    case 'performed': {
      const where = condition.where === undefined ? [] : [propConditionFilter(condition.where)];
      const events = allOf([trackEventFilter(condition.event, condition.withinMs, now), ...where]);
      return { kind: 'eventCount', events, bound: condition.count };
    }
    case 'aggregate': {
      const { fn, op, value } = condition;
      // A property no path can name has no values: everyone has the aggregate of none.
      if (!isNamablePath(condition.property))
        return profiles(aggregateHolds(op, aggregateOfSummary(fn, NO_VALUES), value) ? EVERYTHING : NOTHING);
      const field = `properties.${condition.property}`;
      const events = allOf([trackEventFilter(condition.event, condition.withinMs, now), numberAt(condition.property)]);
      switch (fn) {
        case 'sum':
          return { kind: 'eventSum', events, field, op, value };
        case 'average':
          return { kind: 'eventAverage', events, field, op, value };
        case 'min':
        case 'max':
          return extremeComparison(fn, events, field, op, value);
        default:
          return assertNever(fn, 'aggregate function');
      }
    }
    case 'seen':
      return profiles(seenFilter(condition, now));
    default:
      return assertNever(condition, 'condition');
  }
}

const NO_VALUES = { n: 0, sum: 0 };

function profiles(filter: Filter): QueryPlan {
  return { kind: 'profiles', filter };
}

/** Keeps every profile-only part of an and/or in one filter, so the database combines them. */
function combine(kind: 'and' | 'or', parts: QueryPlan[]): QueryPlan {
  const filters: Filter[] = [];
  const others: QueryPlan[] = [];
  for (const part of parts) {
    if (part.kind === 'profiles') filters.push(part.filter);
    else others.push(part);
  }
  const merged = profiles(kind === 'and' ? allOf(filters) : anyOf(filters));
  if (others.length === 0) return merged;
  const members = filters.length === 0 ? others : [merged, ...others];
  if (members.length === 1) return members[0]!;
  return kind === 'and' ? { kind: 'and', all: members } : { kind: 'or', any: members };
}

/**
 * `min`/`max` without `$min`/`$max` accumulators (FerretDB v1 has neither): each
 * comparison of an extreme is an existence question about single events. For `max`:
 * max > v ⇔ some value > v; max < v ⇔ some value and none ≥ v; max = v ⇔ some = v and
 * none > v; `min` mirrors it. `events` already selects events with a numeric `field`.
 */
function extremeComparison(fn: 'min' | 'max', events: Filter, field: string, op: NumericOp, value: number): QueryPlan {
  const someValue = (cmp: NumericOp): QueryPlan => ({
    kind: 'eventsExist',
    events: allOf([events, { [field]: { [`$${cmp}`]: value } }]),
  });
  const anyValue: QueryPlan = { kind: 'eventsExist', events };
  const without = (plan: QueryPlan): QueryPlan => ({ kind: 'and', all: [anyValue, { kind: 'not', plan }] });
  // "Beyond" is the direction in which the extreme lies: above for max, below for min.
  const beyond: NumericOp = fn === 'max' ? 'gt' : 'lt';
  const beyondOrAt: NumericOp = fn === 'max' ? 'gte' : 'lte';
  const equal: QueryPlan = { kind: 'and', all: [someValue('eq'), { kind: 'not', plan: someValue(beyond) }] };
  switch (op) {
    case 'eq':
      return equal;
    case 'ne':
      return without(equal);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (op === beyond || op === beyondOrAt) return someValue(op);
      // The extreme is short of `value` (or at it): no value may lie at-or-beyond (beyond) it.
      return without(someValue(op === 'lt' || op === 'gt' ? beyondOrAt : beyond));
    default:
      return assertNever(op, 'aggregate operator');
  }
}
