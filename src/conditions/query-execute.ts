/**
 * Running a query plan (query.ts compiles them) against the database: each leaf of the
 * plan is one question to the `Population` (store/population.ts), and the sets of profile
 * ids it answers are combined here, because FerretDB v1 has no `$lookup` or `$facet`.
 */
import { assertNever } from '../dsl/assert-never.js';
import { aggregateHolds, aggregateOfSummary, countSatisfies, type NumericOp } from './condition-semantics.js';
import type { Filter } from './query-filters.js';
import type { CountBoundIR } from '../dsl/ir.js';

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

/** The ids of the existing profiles the plan selects. */
export async function executePlan(population: Population, plan: QueryPlan, options: FindOptions = {}): Promise<Set<string>> {
  return new PlanRun(population, options).matching(plan);
}

/** The sum of no values, which every profile without matching events has. */
const SUM_OF_NONE = aggregateOfSummary('sum', { n: 0, sum: 0 })!;

/**
 * One execution of one plan against one state of the database: caches the population,
 * segment members and leaf results it loads. Sets it hands out internally are shared with
 * the cache, so every set operation below builds a new set.
 */
class PlanRun {
  private universe: Promise<Set<string>> | undefined;
  private readonly segments = new Map<string, Promise<ReadonlySet<string>>>();
  private readonly leaves = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly source: Population,
    private readonly options: FindOptions,
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
        return this.selectByTotal(sums, SUM_OF_NONE, (sum) => aggregateHolds(plan.op, sum, plan.value));
      }
      case 'eventAverage': {
        const [sums, counts] = await Promise.all([
          this.source.perProfileSum(plan.events, `$${plan.field}`),
          this.source.perProfileSum(plan.events, 1),
        ]);
        // A profile without values has no average, which compares false: only those with values can match.
        const ids = new Set<string>();
        for (const [id, n] of counts) {
          if (aggregateHolds(plan.op, aggregateOfSummary('average', { n, sum: sums.get(id) ?? 0 }), plan.value)) ids.add(id);
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
    if (this.universe) return intersect(ids, await this.universe);
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
