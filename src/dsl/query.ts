/**
 * Conditions over the whole population, in the database: the batch half of "every
 * condition compiles two ways" (predicate.ts is the one-profile half; they must agree).
 *
 * Two phases. `compileCondition` (pure) turns a condition into a QueryPlan: MongoDB
 * filters on `profiles`, `$match`/`$group` pipelines on `events`, and the set algebra
 * that combines them. `executePlan` runs a plan against a `Population` (three kinds of
 * question the database answers; store/population.ts) and returns profile ids. Whatever
 * the database can combine itself stays one filter (every profile-only subtree becomes a
 * single `profiles` query); the rest is combined here, because FerretDB v1 has no `$lookup`.
 *
 * Only operators that both FerretDB v1.24 and MongoDB implement identically are used:
 * `$and $or $nor $not $eq $in $lt $lte $gt $gte $exists $type $regex`, and `$group` with
 * a single `$sum` accumulator (FerretDB v1.24 computes only the first accumulator of a
 * `$group` correctly, so an average is two pipelines). No `$expr`: FerretDB lacks it.
 */
import { assertNever } from './assert-never.js';
import {
  compareNumbers,
  countSatisfies,
  escapeRegex,
  globToRegexBody,
  windowStart,
  type NumericOp,
} from './condition-semantics.js';
import type { ComparisonIR, ConditionIR, ConsentState, CountBoundIR, Millis, PropConditionIR, Scalar } from './ir.js';

export type Filter = Record<string, unknown>;

/** What executing a plan asks of the database. */
export interface Population {
  /** Ids of the profiles matching a filter on `profiles`. */
  profileIds(filter: Filter): Promise<Set<string>>;
  /** Ids of the profiles with at least one event matching a filter on `events`. */
  profilesWithEvents(events: Filter): Promise<Set<string>>;
  /** Per profile, the sum over its matching events of 1 (a count) or of a field (`$properties.x`). */
  perProfileSum(events: Filter, summand: 1 | string): Promise<Map<string, number>>;
}

/** What to evaluate, as plain data: printable, testable, and independent of a connection. */
export type QueryPlan =
  /** Profiles matching a filter on `profiles`. */
  | { kind: 'profiles'; filter: Filter }
  /** Profiles with at least one event matching a filter on `events`. */
  | { kind: 'eventsExist'; events: Filter }
  /** Profiles whose number of matching events meets the bound (profiles without any have 0). */
  | { kind: 'eventCount'; events: Filter; bound: CountBoundIR }
  /** Profiles whose sum of `field` over matching events compares (no events: the sum is 0). */
  | { kind: 'eventSum'; events: Filter; field: string; op: NumericOp; value: number }
  /** Profiles whose average of `field` over matching events compares (no events: false). */
  | { kind: 'eventAverage'; events: Filter; field: string; op: NumericOp; value: number }
  | { kind: 'segment'; segment: string }
  | { kind: 'and'; all: QueryPlan[] }
  | { kind: 'or'; any: QueryPlan[] }
  | { kind: 'not'; plan: QueryPlan };

export interface FindOptions {
  /** Current members of a named segment; required when a condition says `in segment`. */
  segmentMembers?: (segment: string) => Promise<ReadonlySet<string>>;
}

export async function findMatchingProfileIds(
  population: Population,
  condition: ConditionIR,
  now: Date,
  options: FindOptions = {},
): Promise<Set<string>> {
  return executePlan(population, compileCondition(condition, now), options);
}

/**
 * Many conditions at one instant (recomputing every segment of a rules version): they
 * share one read of the population, of each segment, and of each identical sub-query.
 */
export async function findMatchingProfileIdsForEach(
  population: Population,
  conditions: ConditionIR[],
  now: Date,
  options: FindOptions = {},
): Promise<Set<string>[]> {
  const run = new PlanRun(population, options, conditions.length > 1);
  const results: Set<string>[] = [];
  for (const condition of conditions) results.push(await run.matching(compileCondition(condition, now)));
  return results;
}

// ================================================================ compile (pure)

export function compileCondition(condition: ConditionIR, now: Date): QueryPlan {
  switch (condition.kind) {
    case 'and':
      return combine('and', condition.all.map((part) => compileCondition(part, now)));
    case 'or':
      return combine('or', condition.any.map((part) => compileCondition(part, now)));
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
      const field = `properties.${checkedPath(condition.property)}`;
      const events = allOf([trackEventFilter(condition.event, condition.withinMs, now), numberAt(field)]);
      const { op, value } = condition;
      switch (condition.fn) {
        case 'sum':
          return { kind: 'eventSum', events, field, op, value };
        case 'average':
          return { kind: 'eventAverage', events, field, op, value };
        case 'min':
        case 'max':
          return extremeComparison(condition.fn, events, field, op, value);
        default:
          return assertNever(condition.fn, 'aggregate function');
      }
    }
    case 'seen': {
      const field = condition.which === 'first' ? 'firstSeenAt' : 'lastSeenAt';
      const boundary = windowStart(now, condition.ms);
      switch (condition.relation) {
        case 'within':
          return profiles({ [field]: { $gt: boundary } });
        case 'moreThanAgo':
          return profiles({ [field]: { $lt: boundary } });
        default:
          return assertNever(condition.relation, 'seen relation');
      }
    }
    default:
      return assertNever(condition, 'condition');
  }
}

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

// ---------------------------------------------------------------- filter algebra

/** Matches no document (MongoDB rejects an empty `$or`). */
const NOTHING: Filter = { _id: { $in: [] } };

function allOf(filters: Filter[]): Filter {
  const nonTrivial = filters.filter((filter) => Object.keys(filter).length > 0);
  if (nonTrivial.length <= 1) return nonTrivial[0] ?? {};
  return { $and: nonTrivial };
}

function anyOf(filters: Filter[]): Filter {
  if (filters.length <= 1) return filters[0] ?? NOTHING;
  return { $or: filters };
}

function noneOf(filters: Filter[]): Filter {
  return { $nor: filters };
}

// ---------------------------------------------------------------- values at paths

/**
 * MongoDB walks a dotted path into every element of an array on the way and compares
 * array values element by element; the language does neither (a path through an array
 * finds nothing, an array is not = 3). So each comparison is guarded: no array on the way
 * (`reachable`), and, except for `contains`, no array at the end (`notArray`).
 */
export function comparisonFilter(root: 'traits' | 'properties', path: string, cmp: ComparisonIR): Filter {
  const field = `${root}.${checkedPath(path)}`;
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

/** A number (not an array holding one) at the end of a path without arrays. */
function numberAt(field: string): Filter {
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

/**
 * Rejects what a dotted MongoDB path cannot name exactly: empty segments and `$` operators.
 * The language's own names (`[a-z_][a-z0-9_]*`) always pass.
 */
function checkedPath(path: string): string {
  for (const segment of path.split('.')) {
    if (segment === '' || segment.startsWith('$')) throw new Error(`cannot query path '${path}'`);
  }
  return path;
}

// ---------------------------------------------------------------- profile atoms

/** A grant whose `expiresAt` has come counts as missing; so does an unrecognised state. */
export function consentFilter(purpose: string, state: ConsentState, now: Date): Filter {
  const base = `consents.${checkedPath(purpose)}`;
  const granted = allOf([{ [`${base}.state`]: 'granted' }, noneOf([{ [`${base}.expiresAt`]: { $lte: now } }])]);
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

// ---------------------------------------------------------------- event atoms

export function trackEventFilter(event: string, withinMs: Millis | undefined, now: Date): Filter {
  const filter: Filter = { type: 'track', event };
  if (withinMs !== undefined) filter.timestamp = { $gt: windowStart(now, withinMs) };
  return filter;
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

// ================================================================ execute

export async function executePlan(population: Population, plan: QueryPlan, options: FindOptions = {}): Promise<Set<string>> {
  return new PlanRun(population, options, false).matching(plan);
}

/**
 * One execution of one or more plans against one state of the database: caches the
 * population, segment members and leaf results it loads. Sets it hands out internally are
 * shared with the cache, so every set operation below builds a new set.
 */
class PlanRun {
  private universe: Promise<Set<string>> | undefined;
  private readonly segments = new Map<string, Promise<ReadonlySet<string>>>();
  private readonly leaves = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly source: Population,
    private readonly options: FindOptions,
    /** Over many plans one read of the population is cheaper than checking each result's ids. */
    private readonly manyPlans: boolean,
  ) {}

  /** The ids of existing profiles the plan selects, as a set the caller owns. */
  async matching(plan: QueryPlan): Promise<Set<string>> {
    const ids = await this.evaluate(plan);
    // Event- and segment-based sets may name profiles that no longer exist (erased).
    return plan.kind === 'profiles' ? new Set(ids) : this.existing(ids);
  }

  private evaluate(plan: QueryPlan): Promise<Set<string>> {
    switch (plan.kind) {
      case 'and':
      case 'or':
      case 'not':
      case 'segment':
        return this.compute(plan);
      default: {
        // Leaves are pure functions of their plan and the database: compute each once per run.
        const key = JSON.stringify(plan);
        let ids = this.leaves.get(key);
        if (!ids) {
          ids = this.compute(plan);
          this.leaves.set(key, ids);
        }
        return ids;
      }
    }
  }

  private async compute(plan: QueryPlan): Promise<Set<string>> {
    switch (plan.kind) {
      case 'profiles':
        return this.source.profileIds(plan.filter);
      case 'eventsExist':
        return this.source.profilesWithEvents(plan.events);
      case 'eventCount': {
        const counts = await this.source.perProfileSum(plan.events, 1);
        return this.selectByTotal(counts, 0, (count) => countSatisfies(plan.bound, count));
      }
      case 'eventSum': {
        const sums = await this.source.perProfileSum(plan.events, `$${plan.field}`);
        return this.selectByTotal(sums, 0, (sum) => compareNumbers(plan.op, sum, plan.value));
      }
      case 'eventAverage': {
        const [sums, counts] = await Promise.all([
          this.source.perProfileSum(plan.events, `$${plan.field}`),
          this.source.perProfileSum(plan.events, 1),
        ]);
        const ids = new Set<string>();
        for (const [id, count] of counts) {
          if (compareNumbers(plan.op, (sums.get(id) ?? 0) / count, plan.value)) ids.add(id);
        }
        return ids;
      }
      case 'segment':
        return new Set(await this.segmentMembers(plan.segment));
      case 'and':
        return this.intersection(plan.all);
      case 'or': {
        const sets = await Promise.all(plan.any.map((part) => this.evaluate(part)));
        return new Set(sets.flatMap((set) => [...set]));
      }
      case 'not':
        return difference(await this.population(), await this.evaluate(plan.plan));
      default:
        return assertNever(plan, 'query plan');
    }
  }

  /** Only the ids that are profiles today. */
  private async existing(ids: Set<string>): Promise<Set<string>> {
    if (this.universe || this.manyPlans) return intersect(ids, await this.population());
    const found = new Set<string>();
    const all = [...ids];
    for (let start = 0; start < all.length; start += ID_BATCH) {
      const batch = all.slice(start, start + ID_BATCH);
      for (const id of await this.source.profileIds({ _id: { $in: batch } })) found.add(id);
    }
    return found;
  }

  /** `A and not B` is A minus B: the population is loaded only when every part is negated. */
  private async intersection(parts: QueryPlan[]): Promise<Set<string>> {
    const included = parts.filter((part) => part.kind !== 'not');
    const excluded = parts.flatMap((part) => (part.kind === 'not' ? [part.plan] : []));
    let result: Set<string> | undefined;
    for (const part of included) {
      const ids = await this.evaluate(part);
      result = result === undefined ? ids : intersect(result, ids);
      if (result.size === 0) return result;
    }
    result ??= new Set(await this.population());
    for (const part of excluded) {
      result = difference(result, await this.evaluate(part));
      if (result.size === 0) break;
    }
    return result;
  }

  /**
   * Profiles whose per-profile total passes `accepts`; a profile without matching events
   * has `whenNone`, which is why a bound that accepts it needs the whole population.
   */
  private async selectByTotal(totals: Map<string, number>, whenNone: number, accepts: (total: number) => boolean): Promise<Set<string>> {
    const candidates = accepts(whenNone) ? await this.population() : totals.keys();
    const ids = new Set<string>();
    for (const id of candidates) if (accepts(totals.get(id) ?? whenNone)) ids.add(id);
    return ids;
  }


  private population(): Promise<Set<string>> {
    this.universe ??= this.source.profileIds({});
    return this.universe;
  }

  private segmentMembers(segment: string): Promise<ReadonlySet<string>> {
    const { segmentMembers } = this.options;
    if (!segmentMembers) throw new Error(`the condition refers to segment '${segment}' but no segmentMembers source was given`);
    let members = this.segments.get(segment);
    if (!members) {
      members = segmentMembers(segment);
      this.segments.set(segment, members);
    }
    return members;
  }

}

const ID_BATCH = 10_000;

function intersect(left: ReadonlySet<string>, right: ReadonlySet<string>): Set<string> {
  const [small, large] = left.size <= right.size ? [left, right] : [right, left];
  return new Set([...small].filter((id) => large.has(id)));
}

function difference(from: ReadonlySet<string>, minus: ReadonlySet<string>): Set<string> {
  return new Set([...from].filter((id) => !minus.has(id)));
}
