/**
 * Facts: what a person's events amount to for one event condition (a leaf, leaves.ts),
 * kept on the profile and folded from each event once, so that evaluating a condition
 * never reads the person's history. Pure: no I/O.
 *
 * The answers are exact. A lifetime count or aggregate is a running total; a windowed
 * count keeps the few newest timestamps that decide its bound; a windowed aggregate keeps
 * the values still inside its window (for a minimum or maximum, only those no later value
 * beats). Whatever has left a window is dropped when the fact is next touched: windows
 * only move forward, so it can never count again.
 */
import { assertNever } from '../dsl/assert-never.js';
import { aggregateOf, aggregateOfSummary, insideWindow } from '../conditions/condition-semantics.js';
import { evaluatePropCondition, aggregatedValue, propertiesOf, type EventMeasure, type SubjectEvent } from '../conditions/predicate.js';
import { leafKey, leafOf, type EventCondition, type Leaf } from './leaves.js';
import type { SegmentFact } from '../model.js';

/** One leaf's fact for one person: plain JSON, stored under `segmentFacts.<leaf key>`. */
export type Fact = SegmentFact;

export type Facts = Record<string, Fact>;
type WindowEntry = NonNullable<Fact['e']>[number];

function concerns(leaf: Leaf, event: SubjectEvent): boolean {
  if (event.type !== 'track' || event.event !== leaf.event) return false;
  if ((leaf.kind === 'count' || leaf.kind === 'recent') && leaf.where !== undefined)
    return evaluatePropCondition(leaf.where, propertiesOf(event));
  return true;
}

/** The fact after one more event, or undefined when the event does not concern the leaf. */
export function foldEvent(leaf: Leaf, fact: Fact | undefined, event: SubjectEvent, now: Date): Fact | undefined {
  if (!concerns(leaf, event)) return undefined;
  const at = event.timestamp instanceof Date ? event.timestamp.getTime() : undefined;
  switch (leaf.kind) {
    case 'count':
      return { n: (fact?.n ?? 0) + 1 };
    case 'recent':
      if (at === undefined || !insideWindow(at, now, leaf.withinMs)) return undefined;
      return mergeFacts(leaf, fact, { t: [at] }, now);
    case 'total': {
      const value = aggregatedValue(leaf.property, event);
      return value === undefined ? undefined : mergeFacts(leaf, fact, { n: 1, sum: value, min: value, max: value }, now);
    }
    case 'window': {
      const value = aggregatedValue(leaf.property, event);
      if (value === undefined || at === undefined || !insideWindow(at, now, leaf.withinMs)) return undefined;
      return mergeFacts(leaf, fact, { e: [{ t: at, v: value }] }, now);
    }
    default:
      return assertNever(leaf, 'leaf');
  }
}

/** The fact of two disjoint sets of events (two merged profiles, a backfill and live events). */
export function mergeFacts(leaf: Leaf, a: Fact | undefined, b: Fact | undefined, now: Date): Fact {
  switch (leaf.kind) {
    case 'count':
      return { n: (a?.n ?? 0) + (b?.n ?? 0) };
    case 'recent': {
      const times = [...(a?.t ?? []), ...(b?.t ?? [])].filter((t) => insideWindow(t, now, leaf.withinMs)).sort((x, y) => y - x);
      return { t: times.slice(0, leaf.keep) };
    }
    case 'total': {
      const n = (a?.n ?? 0) + (b?.n ?? 0);
      const sum = (a?.sum ?? 0) + (b?.sum ?? 0);
      const mins = [a?.min, b?.min].filter((value): value is number => value !== undefined);
      const maxes = [a?.max, b?.max].filter((value): value is number => value !== undefined);
      return n === 0 ? { n, sum } : { n, sum, min: Math.min(...mins), max: Math.max(...maxes) };
    }
    case 'window': {
      const entries = [...(a?.e ?? []), ...(b?.e ?? [])].filter(({ t }) => insideWindow(t, now, leaf.withinMs)).sort((x, y) => x.t - y.t);
      return { e: leaf.keeps === 'all' ? entries : undominated(entries, leaf.keeps) };
    }
    default:
      return assertNever(leaf, 'leaf');
  }
}

/** Pairs (oldest first) that can still be the window's minimum or maximum: those no later pair equals or beats. */
function undominated(entries: WindowEntry[], keeps: 'min' | 'max'): WindowEntry[] {
  const kept: WindowEntry[] = [];
  let best: number | undefined;
  for (let index = entries.length - 1; index >= 0; index--) {
    const entry = entries[index]!;
    const value = entry.v;
    if (best === undefined || (keeps === 'max' ? value > best : value < best)) {
      kept.push(entry);
      best = value;
    }
  }
  return kept.reverse();
}

/** The fact with what has left its window dropped; the same object when nothing has. */
export function pruneFact(leaf: Leaf, fact: Fact, now: Date): Fact {
  if (leaf.kind === 'recent' && fact.t?.some((t) => !insideWindow(t, now, leaf.withinMs))) return mergeFacts(leaf, fact, undefined, now);
  if (leaf.kind === 'window' && fact.e?.some(({ t }) => !insideWindow(t, now, leaf.withinMs)))
    return mergeFacts(leaf, fact, undefined, now);
  return fact;
}

/** The first instant after `now` at which the fact's answer can change with no new event. */
export function nextFactChange(leaf: Leaf, fact: Fact | undefined, now: Date): number | undefined {
  if (!fact) return undefined;
  const instants =
    leaf.kind === 'recent'
      ? (fact.t ?? []).map((t) => t + leaf.withinMs)
      : leaf.kind === 'window'
        ? (fact.e ?? []).map(({ t }) => t + leaf.withinMs)
        : [];
  const future = instants.filter((instant) => instant > now.getTime());
  return future.length === 0 ? undefined : Math.min(...future);
}

const keysOfConditions = new WeakMap<EventCondition, string>();

/** The leaf key of a condition, computed once per condition object of a loaded IR. */
export function leafKeyOf(condition: EventCondition): string {
  let key = keysOfConditions.get(condition);
  if (key === undefined) {
    key = leafKey(leafOf(condition));
    keysOfConditions.set(condition, key);
  }
  return key;
}

/** Counts and aggregates answered from a person's facts; a leaf with no fact has seen no event. */
export function factMeasure(facts: Facts | undefined): EventMeasure {
  const factOf = (condition: EventCondition): Fact | undefined => facts?.[leafKeyOf(condition)];
  return {
    count: (condition, now) => {
      const fact = factOf(condition);
      if (condition.withinMs === undefined) return fact?.n ?? 0;
      return (fact?.t ?? []).filter((t) => insideWindow(t, now, condition.withinMs)).length;
    },
    aggregate: (condition, now) => {
      const fact = factOf(condition);
      if (condition.withinMs === undefined) {
        const n = fact?.n ?? 0;
        return aggregateOfSummary(condition.fn, { n, sum: fact?.sum ?? 0, min: fact?.min, max: fact?.max });
      }
      return aggregateOf(
        condition.fn,
        (fact?.e ?? []).filter(({ t }) => insideWindow(t, now, condition.withinMs)).map(({ v }) => v),
      );
    },
  };
}
