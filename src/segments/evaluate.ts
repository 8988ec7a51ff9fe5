/**
 * Evaluating a condition on one profile as it is now: journeys' `if` and the preview.
 *
 * A condition whose event parts all have complete facts (src/segments/facts.ts) is answered
 * from them, and `in segment` from the stored membership: bounded cost, exact. Only a
 * condition of an older rules version, naming something the active rules no longer keep,
 * falls back to reading the person's events (at most EVENT_HISTORY_LIMIT of them).
 */
import type { ConditionIR, SegmentIR } from '../dsl/ir.js';
import { evaluateCondition, eventMeasure, type ConditionSubject, type EventMeasure } from '../conditions/predicate.js';
import type { ProfileDoc } from '../model.js';
import type { Stores } from '../store/index.js';
import type { SegmentContext } from './context.js';
import { factMeasure, leafKeyOf } from './facts.js';
import { canonicalJson, eventConditionsOf } from './leaves.js';
import { judgedFacts } from './person-facts.js';

/** How far back the fallback reads a profile's events. */
export const EVENT_HISTORY_LIMIT = 10_000;

/** Whether every event part of the condition is answered by complete facts. */
export function answeredByFacts(condition: ConditionIR, context: SegmentContext): boolean {
  return eventConditionsOf(condition).every((part) => context.leaves[leafKeyOf(part)]?.ready === true);
}

export async function conditionHolds(
  stores: Stores,
  profile: ProfileDoc,
  segments: readonly SegmentIR[],
  condition: ConditionIR,
  at: Date,
  context: SegmentContext | null,
): Promise<boolean> {
  const byName = new Map(segments.map((segment) => [segment.name, segment]));
  const conditions = [condition, ...segments.map((segment) => segment.condition)];
  const fromFacts = context !== null && conditions.every((part) => answeredByFacts(part, context));
  const measure: EventMeasure = fromFacts
    ? factMeasure(judgedFacts(profile, profile.segmentFacts ?? {}, context, at))
    : eventMeasure(await stores.events.trackedOf(profile._id, EVENT_HISTORY_LIMIT));
  const stored = (name: string) => {
    const planned = context?.plan.byName.get(name);
    const declared = byName.get(name);
    // The stored membership answers for a segment the active rules define the same way.
    if (!planned || !declared || !planned.leaves.every((key) => context?.leaves[key]?.ready === true)) return false;
    return planned.condition === declared.condition || canonicalJson(planned.condition) === canonicalJson(declared.condition);
  };
  const subject: ConditionSubject = {
    profile,
    measure,
    segmentMembership: (name) => {
      if (stored(name)) return Object.hasOwn(profile.segments ?? {}, name);
      const segment = byName.get(name);
      return segment !== undefined && evaluateCondition(segment.condition, subject, at);
    },
  };
  return evaluateCondition(condition, subject, at);
}
