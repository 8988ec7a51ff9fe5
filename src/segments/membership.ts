/**
 * Judging one person's membership from their profile and facts, with no I/O: which
 * segments they are in now, which they entered and left, and the next instant at which
 * time alone can change any of it.
 */
import { assertNever } from '../dsl/assert-never.js';
import { nextConsentChange, nextSeenChange } from '../conditions/condition-semantics.js';
import type { ConditionIR } from '../dsl/ir.js';
import { evaluateCondition, type ConditionSubject } from '../conditions/predicate.js';
import type { ProfileDoc, SegmentMembership } from '../model.js';
import { factMeasure, leafKeyOf, nextFactChange, type Facts } from './facts.js';
import { affects, type PlannedSegment, type ProfileChange, type SegmentPlan } from './plan.js';

export type JudgedProfile = Pick<
  ProfileDoc,
  '_id' | 'traits' | 'tags' | 'consents' | 'firstSeenAt' | 'lastSeenAt' | 'segments' | 'restricted'
>;

export interface MembershipJudgement {
  segments: Record<string, SegmentMembership>;
  entered: string[];
  exited: string[];
  /** Whether `segments` differs from the stored membership (a change, or a definition now judged by). */
  changed: boolean;
  /** Epoch ms of the next instant time alone can change a membership; undefined when none can. */
  nextAt?: number;
}

export interface MembershipQuestion {
  plan: SegmentPlan;
  profile: JudgedProfile;
  facts: Facts;
  /** Whether the segment can be judged now (every fact it reads is complete). */
  usable: (segment: PlannedSegment) => boolean;
  change: ProfileChange;
  now: Date;
}

export function judgeMembership({ plan, profile, facts, usable, change, now }: MembershipQuestion): MembershipJudgement {
  const stored = profile.segments ?? {};
  const segments: Record<string, SegmentMembership> = {};
  const entered: string[] = [];
  const exited: string[] = [];
  const subject: ConditionSubject = { profile, measure: factMeasure(facts), segmentMembership: (name) => Object.hasOwn(segments, name) };
  for (const segment of plan.segments) {
    const current = Object.hasOwn(stored, segment.name) ? stored[segment.name] : undefined;
    // Restricted (art. 18): in no segment, whatever the conditions say, until lifted.
    if (profile.restricted) {
      if (current) exited.push(segment.name);
      continue;
    }
    if (!usable(segment) || !affects(change, segment)) {
      if (current) segments[segment.name] = current;
      continue;
    }
    if (evaluateCondition(segment.condition, subject, now)) {
      segments[segment.name] = current ? { since: current.since, def: segment.def } : { since: now, def: segment.def };
      if (!current) entered.push(segment.name);
    } else if (current) {
      exited.push(segment.name);
    }
  }
  const changed =
    Object.keys(stored).length !== Object.keys(segments).length ||
    Object.entries(segments).some(([name, membership]) => stored[name]?.def !== membership.def);
  const instants = plan.segments
    .filter((segment) => !profile.restricted && segment.reads.time && usable(segment))
    .map((segment) => nextChangeOf(segment.condition, profile, facts, plan, now));
  const future = instants.filter((instant): instant is number => instant !== undefined);
  return { segments, entered, exited, changed, ...(future.length === 0 ? {} : { nextAt: Math.min(...future) }) };
}

/** The first instant after now at which the condition's time-dependent parts can change their answer. */
export function nextChangeOf(
  condition: ConditionIR,
  profile: JudgedProfile,
  facts: Facts,
  plan: SegmentPlan,
  now: Date,
): number | undefined {
  const earliest = (parts: ConditionIR[]) => {
    const instants = parts
      .map((part) => nextChangeOf(part, profile, facts, plan, now))
      .filter((instant): instant is number => instant !== undefined);
    return instants.length === 0 ? undefined : Math.min(...instants);
  };
  switch (condition.kind) {
    case 'and':
      return earliest(condition.all);
    case 'or':
      return earliest(condition.any);
    case 'not':
      return earliest([condition.condition]);
    case 'performed':
    case 'aggregate': {
      if (condition.withinMs === undefined) return undefined;
      const key = leafKeyOf(condition);
      const leaf = plan.leaves.get(key);
      return leaf ? nextFactChange(leaf, facts[key], now) : undefined;
    }
    case 'seen': {
      const seenAt = condition.which === 'first' ? profile.firstSeenAt : profile.lastSeenAt;
      return seenAt instanceof Date ? nextSeenChange(condition.relation, seenAt, now, condition.ms) : undefined;
    }
    case 'consent':
      return nextConsentChange(profile.consents, condition.purpose, now);
    case 'trait':
    case 'tagged':
    case 'taggedLike':
    case 'inSegment':
      // A dependency's own instants are counted with the dependency.
      return undefined;
    default:
      return assertNever(condition, 'condition');
  }
}

/**
 * The condition's answer for anyone with no event of the given leaves, whatever else is
 * true of them: `false` or `true` when those leaves alone decide it, undefined when it
 * depends on anything else (a trait, a tag, another leaf, a segment, time seen). Three-valued:
 * `x and false` is false whatever x is, `x or true` true. A deploy's pass judges only the
 * people with such events when every segment it computes is new and false for the others.
 */
export function answerWithoutEvents(condition: ConditionIR, leaves: ReadonlySet<string>, now: Date): boolean | undefined {
  switch (condition.kind) {
    case 'and': {
      let known = true;
      for (const part of condition.all) {
        const answer = answerWithoutEvents(part, leaves, now);
        if (answer === false) return false;
        if (answer === undefined) known = false;
      }
      return known ? true : undefined;
    }
    case 'or': {
      let known = true;
      for (const part of condition.any) {
        const answer = answerWithoutEvents(part, leaves, now);
        if (answer === true) return true;
        if (answer === undefined) known = false;
      }
      return known ? false : undefined;
    }
    case 'not': {
      const answer = answerWithoutEvents(condition.condition, leaves, now);
      return answer === undefined ? undefined : !answer;
    }
    case 'performed':
    case 'aggregate': {
      if (!leaves.has(leafKeyOf(condition))) return undefined;
      // No fact: the leaf has seen no event. Nothing else of the subject is read by this atom.
      const nobody: ConditionSubject = {
        profile: { _id: '', traits: {}, tags: [], consents: {} },
        measure: factMeasure({}),
        segmentMembership: () => false,
      };
      return evaluateCondition(condition, nobody, now);
    }
    case 'seen':
    case 'consent':
    case 'trait':
    case 'tagged':
    case 'taggedLike':
    case 'inSegment':
      return undefined;
    default:
      return assertNever(condition, 'condition');
  }
}
