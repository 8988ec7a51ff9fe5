/**
 * Conditions as an in-memory predicate over one profile: one of the three evaluations of a
 * condition (query.ts selects the whole population in the database; src/segments keeps
 * facts per person). How many events a condition counts comes from an `EventMeasure`: the
 * person's events themselves here (the reference), or the facts the segment engine keeps.
 * Used by the segment engine (membership, `exit when`), journeys' `if`, and the activities
 * that read a consent's state.
 *
 * Pure and synchronous: no I/O, no Node built-ins, no driver. The rules it follows are in
 * condition-semantics.ts and docs/conditions.md.
 */
import { assertNever } from '../dsl/assert-never.js';
import {
  aggregateHolds,
  aggregateOf,
  comparisonHolds,
  consentState,
  countSatisfies,
  globToRegexBody,
  insideWindow,
  isPlainObject,
  seenHolds,
  valueAtPath,
  type HeldConsents,
} from './condition-semantics.js';
import type { ConditionIR, Millis, PropConditionIR } from '../dsl/ir.js';

export { consentState } from './condition-semantics.js';

export type PerformedIR = Extract<ConditionIR, { kind: 'performed' }>;
export type AggregateIR = Extract<ConditionIR, { kind: 'aggregate' }>;

/**
 * What `performed` and aggregate conditions ask of a person's events. Two answer it: the
 * events themselves (`eventMeasure`, the reference) and the facts ingestion keeps per
 * condition (src/segments/facts.ts), which answer in bounded time whatever the history.
 */
export interface EventMeasure {
  /** How many of the person's events the condition counts (its `where` and window applied). */
  count(condition: PerformedIR, now: Date): number;
  /** The aggregate of the condition's property, or undefined when it does not exist (no values). */
  aggregate(condition: AggregateIR, now: Date): number | undefined;
}

/** What conditions read of a profile: fields of a stored profile (src/model.ts ProfileDoc). */
export interface SubjectProfile {
  _id: string;
  traits: Readonly<Record<string, unknown>>;
  tags: readonly string[];
  consents: HeldConsents;
  firstSeenAt?: Date;
  lastSeenAt?: Date;
}

/** Everything a condition may look at for one profile. */
export interface ConditionSubject {
  profile: SubjectProfile;
  measure: EventMeasure;
  /** Segment membership is stored or computed elsewhere; the caller resolves it. */
  segmentMembership: (segment: string) => boolean;
}

/** What conditions read of an event: fields of a stored event (src/model.ts EventDoc). */
export interface SubjectEvent {
  type: string;
  /** The name of a `track` event. */
  event?: string;
  properties: Readonly<Record<string, unknown>>;
  timestamp: Date;
}

/** Counts and aggregates straight from the events (any type, any order; only `track` events count). */
export function eventMeasure(events: readonly SubjectEvent[]): EventMeasure {
  return {
    count: (condition, now) => {
      const { where } = condition;
      return trackEvents(events, condition.event, condition.withinMs, now).filter(
        (event) => where === undefined || evaluatePropCondition(where, propertiesOf(event)),
      ).length;
    },
    aggregate: (condition, now) =>
      aggregateOf(condition.fn, aggregatedValues(condition, trackEvents(events, condition.event, condition.withinMs, now))),
  };
}

export function evaluatePropCondition(condition: PropConditionIR, properties: Record<string, unknown>): boolean {
  switch (condition.kind) {
    case 'and':
      return condition.all.every((part) => evaluatePropCondition(part, properties));
    case 'or':
      return condition.any.some((part) => evaluatePropCondition(part, properties));
    case 'not':
      return !evaluatePropCondition(condition.condition, properties);
    case 'prop':
      return comparisonHolds(condition.cmp, valueAtPath(properties, condition.path));
    default:
      return assertNever(condition, 'property condition');
  }
}

export function evaluateCondition(condition: ConditionIR, subject: ConditionSubject, now: Date): boolean {
  const { profile } = subject;
  switch (condition.kind) {
    case 'and':
      return condition.all.every((part) => evaluateCondition(part, subject, now));
    case 'or':
      return condition.any.some((part) => evaluateCondition(part, subject, now));
    case 'not':
      return !evaluateCondition(condition.condition, subject, now);
    case 'trait':
      return comparisonHolds(condition.cmp, valueAtPath(profile.traits, condition.path));
    case 'tagged':
      return Array.isArray(profile.tags) && profile.tags.includes(condition.tag);
    case 'taggedLike': {
      const pattern = new RegExp(`^${globToRegexBody(condition.glob)}$`, 'u');
      return Array.isArray(profile.tags) && profile.tags.some((tag) => typeof tag === 'string' && pattern.test(tag));
    }
    case 'inSegment':
      return subject.segmentMembership(condition.segment);
    case 'consent':
      return consentState(profile.consents, condition.purpose, now) === condition.state;
    case 'performed':
      return countSatisfies(condition.count, subject.measure.count(condition, now));
    case 'aggregate':
      return aggregateHolds(condition.op, subject.measure.aggregate(condition, now), condition.value);
    case 'seen': {
      const seenAt = condition.which === 'first' ? profile.firstSeenAt : profile.lastSeenAt;
      return seenAt instanceof Date && seenHolds(condition.relation, seenAt, now, condition.ms);
    }
    default:
      return assertNever(condition, 'condition');
  }
}

/** `track` events of that name, inside the window when there is one. */
function trackEvents(events: readonly SubjectEvent[], name: string, withinMs: Millis | undefined, now: Date): SubjectEvent[] {
  return events.filter(
    (event) =>
      event.type === 'track' &&
      event.event === name &&
      (withinMs === undefined || (event.timestamp instanceof Date && insideWindow(event.timestamp.getTime(), now, withinMs))),
  );
}

export function propertiesOf(event: SubjectEvent): Record<string, unknown> {
  return isPlainObject(event.properties) ? event.properties : {};
}

/** Events whose property is not a number (absent, a string, an array…) are ignored. */
function aggregatedValues(condition: AggregateIR, events: readonly SubjectEvent[]): number[] {
  return events.map((event) => aggregatedValue(condition.property, event)).filter((value): value is number => value !== undefined);
}

/** The number an aggregate takes from one event, if it has one there. */
export function aggregatedValue(property: string, event: SubjectEvent): number | undefined {
  const value = valueAtPath(propertiesOf(event), property);
  return typeof value === 'number' ? value : undefined;
}
