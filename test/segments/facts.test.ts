/**
 * Facts answer conditions exactly as the events do. Random populations and conditions (the
 * generators of the differential test), each person's events folded one by one in a
 * random arrival order into the facts of every condition's leaf, then every condition
 * evaluated at each instant both ways: from the facts (bounded) and from the events (the
 * reference predicate). Also: two halves folded apart and merged answer like the whole;
 * and nothing changes before the instant `nextFactChange` names. Pure, no servers.
 */
import { describe, expect, it } from 'vitest';
import type { ConditionIR } from '../../src/dsl/ir.js';
import { evaluateCondition, eventMeasure, type ConditionSubject, type SubjectEvent } from '../../src/conditions/predicate.js';
import type { ProfileDoc } from '../../src/model.js';
import { factMeasure, foldEvent, leafKeyOf, mergeFacts, nextFactChange, type Facts } from '../../src/segments/facts.js';
import { eventConditionsOf, leafOf, type Leaf } from '../../src/segments/leaves.js';
import { generateWorld, NOWS, randomCondition } from '../conditions/support/generators.js';
import { Random } from '../conditions/support/random.js';

const SEED = Number(process.env.FACTS_SEED ?? 20261202);
const CASES = Number(process.env.FACTS_CASES ?? 3000);
const DAY = 86_400_000;

function leavesOf(conditions: ConditionIR[]): Map<string, Leaf> {
  const leaves = new Map<string, Leaf>();
  for (const condition of conditions) for (const part of eventConditionsOf(condition)) leaves.set(leafKeyOf(part), leafOf(part));
  return leaves;
}

function fold(leaves: Map<string, Leaf>, events: SubjectEvent[], foldedAt: Date): Facts {
  const facts: Facts = {};
  for (const event of events) {
    for (const [key, leaf] of leaves) {
      const fact = foldEvent(leaf, facts[key], event, foldedAt);
      if (fact) facts[key] = fact;
    }
  }
  return facts;
}

function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

describe('segment facts', () => {
  const random = new Random(SEED);
  const world = generateWorld(random, 120);
  const conditions = Array.from({ length: CASES }, () => randomCondition(random));
  const leaves = leavesOf(conditions);
  const profiles = world.profiles as unknown as ProfileDoc[];
  const eventsOf = new Map<string, SubjectEvent[]>();
  for (const event of world.events as unknown as (SubjectEvent & { profileId: string })[]) {
    eventsOf.set(event.profileId, [...(eventsOf.get(event.profileId) ?? []), event]);
  }
  const subject = (profile: ProfileDoc, measure: ConditionSubject['measure']): ConditionSubject => ({
    profile,
    measure,
    segmentMembership: (name) => world.segmentMembers.get(name)?.has(profile._id) ?? false,
  });

  it('answer every condition as the events do, at every instant after they were folded', () => {
    expect(leaves.size).toBeGreaterThan(100);
    const mismatches: string[] = [];
    let decided = 0;
    for (const profile of profiles) {
      const events = eventsOf.get(profile._id) ?? [];
      // Folded well before the instants (nothing pruned yet), and at the first instant (pruned as far as it allows).
      for (const foldedAt of [new Date(NOWS[0]!.getTime() - 90 * DAY), NOWS[0]!]) {
        const facts = fold(leaves, shuffled(random, events), foldedAt);
        for (const now of NOWS) {
          for (const [index, condition] of conditions.entries()) {
            const expected = evaluateCondition(condition, subject(profile, eventMeasure(events)), now);
            const actual = evaluateCondition(condition, subject(profile, factMeasure(facts)), now);
            decided += 1;
            if (expected !== actual && mismatches.length < 5)
              mismatches.push(`case ${index} profile ${profile._id} at ${now.toISOString()}: ${JSON.stringify(condition)}`);
          }
        }
      }
    }
    expect(decided).toBe(profiles.length * 2 * NOWS.length * CASES);
    expect(mismatches).toEqual([]);
  });

  it('of two disjoint sets of events, merged, answer as the facts of all of them', () => {
    const mismatches: string[] = [];
    for (const profile of profiles) {
      const events = eventsOf.get(profile._id) ?? [];
      const split = random.int(0, events.length);
      const at = NOWS[0]!;
      const left = fold(leaves, events.slice(0, split), at);
      const right = fold(leaves, events.slice(split), at);
      const merged: Facts = {};
      for (const [key, leaf] of leaves) if (left[key] || right[key]) merged[key] = mergeFacts(leaf, left[key], right[key], at);
      for (const condition of conditions.slice(0, 500)) {
        const expected = evaluateCondition(condition, subject(profile, eventMeasure(events)), at);
        const actual = evaluateCondition(condition, subject(profile, factMeasure(merged)), at);
        if (expected !== actual && mismatches.length < 5) mismatches.push(`${profile._id}: ${JSON.stringify(condition)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('change their answer no earlier than the instant they name', () => {
    let checked = 0;
    for (const profile of profiles) {
      const events = eventsOf.get(profile._id) ?? [];
      const now = NOWS[0]!;
      const facts = fold(leaves, events, now);
      for (const condition of conditions.slice(0, 300)) {
        for (const part of eventConditionsOf(condition)) {
          if (part.withinMs === undefined) continue;
          const key = leafKeyOf(part);
          const next = nextFactChange(leaves.get(key)!, facts[key], now);
          const measure = factMeasure(facts);
          const answer = (at: Date) => (part.kind === 'performed' ? measure.count(part, at) : measure.aggregate(part, at));
          const until = next ?? now.getTime() + 60 * DAY;
          // Just before the instant, and half way there, the answer is still the one of now.
          for (const at of [until - 1, Math.floor((now.getTime() + until) / 2)]) {
            if (at <= now.getTime()) continue;
            expect(answer(new Date(at))).toEqual(answer(now));
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
