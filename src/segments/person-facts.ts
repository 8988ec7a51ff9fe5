/**
 * One person's facts as the engine keeps them: `segmentFacts` holds what the profile writer
 * folded live (events received after each leaf's cutoff), `segmentBackfill` what a deploy's
 * backfill computed from the events up to the cutoff, under `<leaf key>@<cutoff ms>`
 * (written with a plain `$set`, so a retried backfill writes the same value again). A
 * condition is judged on both merged; once the leaf is ready, the next write of the
 * profile folds the backfill into the live fact. Pure.
 */
import type { EventDoc, ProfileDoc } from '../model.js';
import type { SegmentContext } from './context.js';
import { foldEvent, mergeFacts, pruneFact, type Fact, type Facts } from './facts.js';
import type { Leaf } from './leaves.js';

/** What facts are folded from (with its id when it is a stored event). */
export type FoldedEvent = Pick<EventDoc, 'type' | 'event' | 'properties' | 'timestamp' | 'receivedAt'> & { _id?: string };

export function backfillField(key: string, cutoffMs: number): string {
  return `${key}@${cutoffMs}`;
}

/** The live facts after the events: each leaf folds the events received after its cutoff; leaves no rules keep are dropped. */
export function foldLive(
  stored: Facts,
  events: readonly FoldedEvent[],
  { plan, leaves }: SegmentContext,
  now: Date,
): { facts: Facts; folded: boolean } {
  const facts: Facts = {};
  let folded = false;
  for (const [key, fact] of Object.entries(stored)) {
    const leaf = plan.leaves.get(key);
    if (leaf && leaves[key]) facts[key] = pruneFact(leaf, fact, now);
    else folded = true;
  }
  for (const [key, leaf] of plan.leaves) {
    const cutoff = leaves[key]?.cutoff?.getTime();
    if (cutoff === undefined) continue;
    for (const event of events) {
      if (!(event.receivedAt.getTime() > cutoff)) continue;
      const next = foldEvent(leaf, facts[key], event, now);
      if (next) {
        facts[key] = next;
        folded = true;
      }
    }
  }
  return { facts, folded };
}

/**
 * The live facts rebuilt from every applied event of the person (the sweeper's recovery):
 * a leaf whose backfill is still a field of its own takes the events after the cutoff; one
 * whose backfill was folded in already (or had nothing to add) takes them all.
 */
export function rebuildLive(profile: ProfileDoc, events: readonly FoldedEvent[], { plan, leaves }: SegmentContext, now: Date): Facts {
  const facts: Facts = {};
  for (const [key, leaf] of plan.leaves) {
    const state = leaves[key];
    if (state?.cutoff === undefined) continue;
    const cutoff = state.cutoff.getTime();
    const all = state.ready && profile.segmentBackfill?.[backfillField(key, cutoff)] === undefined;
    let fact: Fact | undefined;
    for (const event of events) if (all || event.receivedAt.getTime() > cutoff) fact = foldEvent(leaf, fact, event, now) ?? fact;
    if (fact) facts[key] = fact;
  }
  return facts;
}

/** The facts to judge by: live and backfilled merged, per leaf. */
export function judgedFacts(profile: ProfileDoc, live: Facts, { plan, leaves }: SegmentContext, now: Date): Facts {
  const backfill = profile.segmentBackfill;
  if (!backfill) return live;
  const facts: Facts = { ...live };
  for (const [key, leaf] of plan.leaves) {
    const cutoff = leaves[key]?.cutoff?.getTime();
    const part = cutoff === undefined ? undefined : backfill[backfillField(key, cutoff)];
    if (part) facts[key] = mergeFacts(leaf, live[key], part, now);
  }
  return facts;
}

/**
 * Folds the backfill of ready leaves into the live facts, and drops backfill fields no
 * leaf state names (a later deploy's cutoff, or a leaf gone): what a write of the profile
 * stores, when it writes anyway.
 */
export function absorbBackfill(
  profile: ProfileDoc,
  live: Facts,
  { plan, leaves }: SegmentContext,
  now: Date,
): { facts: Facts; backfill: Facts } {
  const facts: Facts = { ...live };
  const backfill: Facts = {};
  for (const [field, part] of Object.entries(profile.segmentBackfill ?? {})) {
    const at = field.lastIndexOf('@');
    const key = field.slice(0, at);
    const state = leaves[key];
    const leaf = plan.leaves.get(key);
    if (!state || !leaf || state.cutoff?.getTime() !== Number(field.slice(at + 1))) continue;
    if (state.ready) facts[key] = mergeFacts(leaf, facts[key], part, now);
    else backfill[field] = part;
  }
  return { facts, backfill };
}

/** A backfilled fact merged with another profile's (a merge). */
export function combineBackfill(a: Facts = {}, b: Facts = {}, leafOf: (key: string) => Leaf | undefined, now: Date): Facts {
  const result: Facts = { ...a };
  for (const [field, part] of Object.entries(b)) {
    const leaf = leafOf(field.slice(0, field.lastIndexOf('@')));
    result[field] = leaf && result[field] ? mergeFacts(leaf, result[field], part, now) : part;
  }
  return result;
}
