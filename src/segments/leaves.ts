/**
 * The event conditions of a rule program, as the facts ingestion must keep for them.
 *
 * A `performed` or aggregate condition asks about a person's events. Reading those events
 * on every change would cost as much as the person's history; instead each distinct
 * condition (a "leaf") gets a fact per person, folded from each event once (facts.ts).
 * Two conditions asking the same thing share one leaf, by key, across segments, journeys
 * and rules versions: a redeploy that keeps a condition keeps its facts.
 */
import { createHash } from 'node:crypto';

import { assertNever } from '../dsl/assert-never.js';
import type { ConditionIR, Millis, PropConditionIR } from '../dsl/ir.js';
import type { AggregateIR, PerformedIR } from '../conditions/predicate.js';

/** What one fact keeps, per kind of event condition. */
export type Leaf =
  /** `performed "X" [where …] <count>`: how many such events, ever. */
  | { kind: 'count'; event: string; where?: PropConditionIR }
  /**
   * `performed "X" [where …] <count> within W`: the newest `keep` such timestamps. A bound
   * of n is decided by the n+1 newest alone (at least n: is the n-th inside the window; at
   * most or exactly n: is the (n+1)-th outside), so the fact stays small however often
   * the person does it.
   */
  | { kind: 'recent'; event: string; where?: PropConditionIR; withinMs: Millis; keep: number }
  /** A lifetime aggregate of one property: count of values, sum, minimum and maximum. */
  | { kind: 'total'; event: string; property: string }
  /**
   * A windowed aggregate: the (time, value) pairs that can still matter. Sum and average
   * need every value inside the window; a minimum or maximum only those no later value
   * beats (a newer, larger value outlives every older, smaller one).
   */
  | { kind: 'window'; event: string; property: string; withinMs: Millis; keeps: 'all' | 'min' | 'max' };

export type EventCondition = PerformedIR | AggregateIR;

export function leafOf(condition: EventCondition): Leaf {
  switch (condition.kind) {
    case 'performed': {
      const where = condition.where === undefined ? {} : { where: condition.where };
      if (condition.withinMs === undefined) return { kind: 'count', event: condition.event, ...where };
      return { kind: 'recent', event: condition.event, ...where, withinMs: condition.withinMs, keep: condition.count.n + 1 };
    }
    case 'aggregate': {
      if (condition.withinMs === undefined) return { kind: 'total', event: condition.event, property: condition.property };
      const keeps = condition.fn === 'min' ? 'min' : condition.fn === 'max' ? 'max' : 'all';
      return { kind: 'window', event: condition.event, property: condition.property, withinMs: condition.withinMs, keeps };
    }
    default:
      return assertNever(condition, 'event condition');
  }
}

/**
 * A short, stable name for a leaf, safe as a MongoDB field name: a hash of its canonical
 * JSON (object keys sorted, so the same condition always gets the same key).
 */
export function leafKey(leaf: Leaf): string {
  return createHash('sha256').update(canonicalJson(leaf)).digest('base64url').slice(0, 16);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, part]) => part !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, part]) => `${JSON.stringify(key)}:${canonicalJson(part)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Every event condition inside a condition, in order of appearance. */
export function eventConditionsOf(condition: ConditionIR): EventCondition[] {
  switch (condition.kind) {
    case 'and':
      return condition.all.flatMap(eventConditionsOf);
    case 'or':
      return condition.any.flatMap(eventConditionsOf);
    case 'not':
      return eventConditionsOf(condition.condition);
    case 'performed':
    case 'aggregate':
      return [condition];
    case 'trait':
    case 'tagged':
    case 'taggedLike':
    case 'inSegment':
    case 'consent':
    case 'seen':
      return [];
    default:
      return assertNever(condition, 'condition');
  }
}
