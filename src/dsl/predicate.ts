/**
 * Conditions as an in-memory predicate over one profile and its events: the real-time half
 * of "every condition compiles two ways" (query.ts is the whole-population half).
 *
 * Pure and synchronous, no I/O, no Node built-ins, no driver: journey workflows import it.
 * The rules it follows are in condition-semantics.ts and docs/conditions.md.
 */
import { assertNever } from './assert-never.js';
import {
  compareNumbers,
  comparisonHolds,
  countSatisfies,
  globToRegexBody,
  isPlainObject,
  valueAtPath,
  windowStart,
} from './condition-semantics.js';
import type { ConditionIR, ConsentState, Millis, PropConditionIR } from './ir.js';
import type { EventDoc, ProfileDoc } from '../model.js';

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

/** Everything a condition may look at for one profile. */
export interface ConditionSubject {
  profile: Pick<ProfileDoc, '_id' | 'traits' | 'tags' | 'consents' | 'firstSeenAt' | 'lastSeenAt'>;
  measure: EventMeasure;
  /** Segment membership is stored or computed elsewhere; the caller resolves it. */
  segmentMembership: (segment: string) => boolean;
}

/** The fields of an event that conditions read. */
export type SubjectEvent = Pick<EventDoc, 'event' | 'type' | 'properties' | 'timestamp'>;

/** Counts and aggregates straight from the events (any type, any order; only `track` events count). */
export function eventMeasure(events: readonly SubjectEvent[]): EventMeasure {
  return {
    count: (condition, now) => {
      const { where } = condition;
      return trackEvents(events, condition.event, condition.withinMs, now).filter(
        (event) => where === undefined || evaluatePropCondition(where, propertiesOf(event)),
      ).length;
    },
    aggregate: (condition, now) => aggregateOf(condition.fn, aggregatedValues(condition, trackEvents(events, condition.event, condition.withinMs, now))),
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
    case 'aggregate': {
      const aggregate = subject.measure.aggregate(condition, now);
      return aggregate !== undefined && compareNumbers(condition.op, aggregate, condition.value);
    }
    case 'seen': {
      const seenAt = condition.which === 'first' ? profile.firstSeenAt : profile.lastSeenAt;
      if (!(seenAt instanceof Date)) return false;
      const boundary = windowStart(now, condition.ms).getTime();
      switch (condition.relation) {
        case 'within':
          return seenAt.getTime() > boundary;
        case 'moreThanAgo':
          return seenAt.getTime() < boundary;
        default:
          return assertNever(condition.relation, 'seen relation');
      }
    }
    default:
      return assertNever(condition, 'condition');
  }
}

/**
 * The current state of one consent: a grant whose `expiresAt` has come is `missing` (also
 * once the lifecycle marked it `expired`), as is a record with no recognised state.
 */
export function consentState(consents: ProfileDoc['consents'], purpose: string, now: Date): ConsentState {
  const record: unknown = isPlainObject(consents) && Object.hasOwn(consents, purpose) ? consents[purpose] : undefined;
  if (!isPlainObject(record)) return 'missing';
  switch (record.state) {
    case 'granted': {
      const expired = record.expiresAt instanceof Date && record.expiresAt.getTime() <= now.getTime();
      return expired ? 'missing' : 'granted';
    }
    case 'denied':
      return 'denied';
    case 'revoked':
      return 'revoked';
    case 'pending':
      return 'pending';
    case 'expired':
      return 'missing';
    default:
      return 'missing';
  }
}

/** `track` events of that name, inside the window when there is one. */
function trackEvents(events: readonly SubjectEvent[], name: string, withinMs: Millis | undefined, now: Date): SubjectEvent[] {
  const start = withinMs === undefined ? undefined : windowStart(now, withinMs).getTime();
  return events.filter(
    (event) =>
      event.type === 'track' &&
      event.event === name &&
      (start === undefined || (event.timestamp instanceof Date && event.timestamp.getTime() > start)),
  );
}

export function propertiesOf(event: SubjectEvent): Record<string, unknown> {
  return isPlainObject(event.properties) ? event.properties : {};
}

/** Events whose property is not a number (absent, a string, an array…) are ignored. */
function aggregatedValues(condition: AggregateIR, events: readonly SubjectEvent[]): number[] {
  return events
    .map((event) => aggregatedValue(condition.property, event))
    .filter((value): value is number => value !== undefined);
}

/** The number an aggregate takes from one event, if it has one there. */
export function aggregatedValue(property: string, event: SubjectEvent): number | undefined {
  const value = valueAtPath(propertiesOf(event), property);
  return typeof value === 'number' ? value : undefined;
}

/** The sum of no values is 0; their average, minimum and maximum do not exist. */
export function aggregateOf(fn: AggregateIR['fn'], values: number[]): number | undefined {
  switch (fn) {
    case 'sum':
      return values.reduce((total, value) => total + value, 0);
    case 'average':
      return values.length === 0 ? undefined : values.reduce((total, value) => total + value, 0) / values.length;
    case 'min':
      return values.length === 0 ? undefined : values.reduce((least, value) => (value < least ? value : least));
    case 'max':
      return values.length === 0 ? undefined : values.reduce((most, value) => (value > most ? value : most));
    default:
      return assertNever(fn, 'aggregate function');
  }
}
