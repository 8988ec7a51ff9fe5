/**
 * Evaluating conditions and segments on one profile, as it is now, with the in-memory
 * predicate. Used by journey activities (`if`, `wait until`) and the single customer view.
 */
import type { ConditionIR, SegmentIR } from '../dsl/ir.js';
import { evaluateCondition, eventMeasure, type ConditionSubject } from '../dsl/predicate.js';
import type { ProfileDoc } from '../model.js';
import type { Stores } from '../store/index.js';

/** How far back conditions look at a profile's events; bounds the read. */
export const EVENT_HISTORY_LIMIT = 10_000;

/**
 * The subject of conditions for this profile. `in segment` is answered by evaluating
 * that segment's condition from the same rules, so membership is exact at this instant.
 */
export async function subjectOf(stores: Stores, profile: ProfileDoc, segments: readonly SegmentIR[], at: Date): Promise<ConditionSubject> {
  const events = await stores.events.trackedOf(profile._id, EVENT_HISTORY_LIMIT);
  const byName = new Map(segments.map((segment) => [segment.name, segment]));
  const subject: ConditionSubject = {
    profile,
    measure: eventMeasure(events),
    segmentMembership: (name) => {
      const segment = byName.get(name);
      return segment !== undefined && evaluateCondition(segment.condition, subject, at);
    },
  };
  return subject;
}

export async function conditionHolds(stores: Stores, profile: ProfileDoc, segments: readonly SegmentIR[], condition: ConditionIR, at: Date): Promise<boolean> {
  return evaluateCondition(condition, await subjectOf(stores, profile, segments, at), at);
}

/** The segments of the active rules the profile is in right now. */
export async function segmentsOf(stores: Stores, profile: ProfileDoc, at: Date): Promise<string[]> {
  const segments = (await stores.rules.active())?.ir.segments ?? [];
  if (segments.length === 0) return [];
  const subject = await subjectOf(stores, profile, segments, at);
  return segments.filter((segment) => subject.segmentMembership(segment.name)).map((segment) => segment.name);
}
