/**
 * A person's own share of a deploy's backfill, computed on the live path so that a segment
 * being computed judges them at once (docs/segments.md, "While a segment computes").
 *
 * A leaf whose backfill is not done (its state has a cutoff but is not `ready`) answers
 * nothing for a person until the facts of their events received up to the cutoff are
 * known. The deploy's backfill computes those for everyone in one pass over the events;
 * the live path computes the same fact for the one person it is judging, from that
 * person's stored events (a search of the `{profileId, timestamp}` index: the person's
 * own id and the ids merged into it, whose events may not be repointed yet), and writes
 * it under the same field, `segmentBackfill.<leaf>@<cutoff>`. Both are the fact of the
 * same set of events, the person's events received up to the cutoff, so the backfill's
 * later `$set` writes the same fact again: nothing is undone and nothing counted twice.
 * Events received after the cutoff are folded live as always, and never into this field.
 *
 * The field is (re)computed when it is missing, when this refresh applies an event
 * received up to the cutoff that the leaf may count (one still on its way when the field
 * was last computed), after a merge (the other person's events join), and on a recovery.
 * A person with no such event gets the leaf's empty fact: the field's presence is what
 * says "this person's share is known".
 */
import type { ProfileDoc } from '../model.js';
import type { Stores } from '../store/index.js';
import type { SegmentContext } from './context.js';
import { foldEvent, mergeFacts, type Fact, type Facts } from './facts.js';
import type { Leaf } from './leaves.js';
import { backfillField, type FoldedEvent } from './person-facts.js';

/** A leaf whose backfill is under way: its facts up to the cutoff are not known for everyone yet. */
export interface ComputingLeaf {
  key: string;
  leaf: Leaf;
  cutoffMs: number;
}

/** The leaves of the active rules not ready yet whose cutoff is set. */
export function computingLeaves({ plan, leaves }: SegmentContext): ComputingLeaf[] {
  const computing: ComputingLeaf[] = [];
  for (const [key, leaf] of plan.leaves) {
    const state = leaves[key];
    if (state && !state.ready && state.cutoff) computing.push({ key, leaf, cutoffMs: state.cutoff.getTime() });
  }
  return computing;
}

/** Whether the person's own share of the leaf's backfill is known (computed here or written by the backfill). */
export function ownShareKnown(profile: Pick<ProfileDoc, 'segmentBackfill'>, key: string, context: SegmentContext): boolean {
  const state = context.leaves[key];
  if (state?.ready === true) return true;
  const cutoff = state?.cutoff?.getTime();
  return cutoff !== undefined && profile.segmentBackfill?.[backfillField(key, cutoff)] !== undefined;
}

export interface OwnShareQuestion {
  profile: ProfileDoc;
  computing: readonly ComputingLeaf[];
  /** Leaves the refresh is to judge by: those of the segments and exits it can affect. */
  wanted: ReadonlySet<string>;
  /** Events this refresh applies. */
  events: readonly FoldedEvent[];
  /** A recovery, or a merge since the last judgement: what was computed may miss events. */
  recompute: boolean;
}

/** The computing leaves whose share this refresh must compute (again). */
export function sharesDue({ profile, computing, wanted, events, recompute }: OwnShareQuestion): ComputingLeaf[] {
  return computing.filter(({ key, leaf, cutoffMs }) => {
    const known = profile.segmentBackfill?.[backfillField(key, cutoffMs)] !== undefined;
    if (!known) return wanted.has(key);
    if (recompute) return true;
    return events.some((event) => event.receivedAt.getTime() <= cutoffMs && event.type === 'track' && event.event === leaf.event);
  });
}

/** The empty fact of a leaf: what a person with no event it counts has. */
function emptyFact(leaf: Leaf, now: Date): Fact {
  return mergeFacts(leaf, undefined, undefined, now);
}

/**
 * A deploy's backfill as its pass folded it, in memory, from every stored event the leaves
 * name (recompute.ts): one person's facts of their events received up to each leaf's
 * cutoff, keyed by leaf (a leaf absent: no such event of theirs).
 */
export interface PassBackfill {
  leaves: readonly ComputingLeaf[];
  facts: Facts;
}

/**
 * The person's shares as the pass folded them, keyed by backfill field, for the leaves
 * whose share the profile does not hold yet (one it holds was computed live from the same
 * events, and is kept); `folded` when one holds an event, so that it must be written even
 * when nothing else is. Undefined for a person others were merged into: the pass folded
 * events by the id they were stored under, which a merge since may have left behind, so
 * their shares are computed from their stored events and their merged ids' (`ownSources`).
 */
export function passShares(profile: ProfileDoc, pass: PassBackfill | undefined, now: Date): { shares: Facts; folded: boolean } | undefined {
  if (!pass || (profile.mergedFrom?.length ?? 0) > 0 || (profile.segmentMergedFrom?.length ?? 0) > 0) return undefined;
  const shares: Facts = {};
  let folded = false;
  for (const { key, leaf, cutoffMs } of pass.leaves) {
    const field = backfillField(key, cutoffMs);
    if (profile.segmentBackfill?.[field] !== undefined) continue;
    const fact = pass.facts[key];
    if (fact) folded = true;
    shares[field] = fact ?? emptyFact(leaf, now);
  }
  return Object.keys(shares).length === 0 ? undefined : { shares, folded };
}

/** Each due leaf's fact of the events received up to its cutoff, keyed by its backfill field; `without` those events left out. */
export function foldShares(
  due: readonly ComputingLeaf[],
  sources: readonly FoldedEvent[],
  now: Date,
  without: ReadonlySet<string> = new Set(),
): Facts {
  const shares: Facts = {};
  for (const { key, leaf, cutoffMs } of due) {
    let fact: Fact | undefined;
    for (const event of sources)
      if (event.receivedAt.getTime() <= cutoffMs && !(event._id !== undefined && without.has(event._id)))
        fact = foldEvent(leaf, fact, event, now) ?? fact;
    shares[backfillField(key, cutoffMs)] = fact ?? emptyFact(leaf, now);
  }
  return shares;
}

/** The shares as computed, and as they were before this refresh's events (what `initial` is judged on). */
export interface Shares {
  shares: Facts;
  before: Facts;
}

/**
 * The person's stored events, and those still stored under an id merged into them (a
 * merge repoints its events after folding the profiles). Each is a search of the
 * `{profileId, timestamp}` index; the redirects, of their `into` index.
 */
export async function ownSources(stores: Stores, profile: Pick<ProfileDoc, '_id' | 'mergedFrom'>): Promise<FoldedEvent[]> {
  // Nobody merged into the person (most people): no redirect to look for.
  const merged = (profile.mergedFrom?.length ?? 0) > 0 ? await stores.profiles.redirects.sourcesOf(profile._id) : [];
  const ids = [profile._id, ...merged];
  const seen = new Set<string>();
  const sources: FoldedEvent[] = [];
  for (const id of ids)
    for await (const event of stores.events.factSourcesOf(id)) {
      // An event repointed between two of these reads is read twice: counted once.
      if (seen.has(event._id)) continue;
      seen.add(event._id);
      sources.push(event);
    }
  return sources;
}

/**
 * The leaf states the refresh judged by are out of date: a due leaf became ready since the
 * round read them. Its backfill is written (and perhaps folded into the live fact already),
 * so computing the share again would count it twice; yet judged by the old states, the
 * segments reading it would wait for a share never to come, and nobody judges the person
 * again (the deploy's pass may have gone by before their profile existed). The refresh is
 * made again on the states as they are now.
 */
export const LEAVES_MOVED_ON = 'leaves moved on';

/**
 * The shares this refresh must compute, computed; undefined when none is due. The leaf
 * states are read again first: `LEAVES_MOVED_ON` when a due leaf became ready since.
 */
export async function computeShares(
  stores: Stores,
  question: OwnShareQuestion,
  now: Date,
): Promise<Shares | typeof LEAVES_MOVED_ON | undefined> {
  const due = sharesDue(question);
  if (due.length === 0) return undefined;
  const fresh = await stores.segments.leaves();
  if (due.some(({ key, cutoffMs }) => fresh[key]?.ready === true && fresh[key]?.cutoff?.getTime() === cutoffMs)) return LEAVES_MOVED_ON;
  const still = due.filter(({ key, cutoffMs }) => fresh[key]?.ready === false && fresh[key]?.cutoff?.getTime() === cutoffMs);
  if (still.length === 0) return undefined;
  const sources = await ownSources(stores, question.profile);
  const applied = new Set(question.events.flatMap((event) => (event._id === undefined ? [] : [event._id])));
  return { shares: foldShares(still, sources, now), before: foldShares(still, sources, now, applied) };
}
