/**
 * Merging two profiles of one person. Every step is idempotent and the merge is recorded
 * as `pending` first, so a crash part-way leaves a record the sweeper finishes later.
 * Several processes may merge, and write to the two profiles, at once: every write of a
 * merge is guarded by what it read (ProfileStore.takeAway, foldIn) and made again when
 * another write came first.
 */
import type { Stores } from '../store/index.js';
import { combineProfiles } from '../profile/combine.js';
import { combineSegmentState } from '../segments/merge.js';

export function mergeId(from: string, into: string): string {
  return `m_${from}__${into}`;
}

/**
 * Folds profile `from` into `into`: data, identifiers, events; `from` redirects to `into`.
 * What else names `from` (queued deliveries, journey runs) reaches `into` through the redirect.
 */
export async function mergeProfiles(stores: Stores, from: string, into: string, via: string, now: Date): Promise<void> {
  const id = mergeId(from, into);
  await stores.merges.record({ _id: id, from, into, via, status: 'pending', at: now });
  const leaves = await stores.segments.leaves();
  // The redirect first: from here on, a write addressed to `from` that finds it gone lands on
  // the survivor. Then `from` is taken away as it is at that instant (kept in the merge
  // record first, so a crash loses nothing) and folded into the survivor: each step guarded,
  // so a write another process makes to either profile meanwhile is kept, not overwritten.
  await stores.profiles.redirects.redirect(from, into, now);
  const absorbed =
    (await stores.profiles.takeAway(from, (profile) => stores.merges.keepAbsorbed(id, profile))) ?? (await stores.merges.absorbedOf(id));
  if (absorbed) {
    await stores.profiles.foldIn(into, absorbed, (survivor, taken) => ({
      ...combineProfiles(survivor, taken, now),
      ...combineSegmentState(survivor, taken, leaves, now),
    }));
  }
  await repointEverything(stores, from, into);
  // Events stored for `from` while the merge ran, before its identifiers moved.
  await stores.events.repoint(from, into);
  await stores.merges.complete(id, now);
}

async function repointEverything(stores: Stores, from: string, into: string): Promise<void> {
  await stores.identities.repoint(from, into);
  await stores.events.repoint(from, into);
}

/** Completes merges a crash interrupted. */
export async function finishInterruptedMerges(stores: Stores, olderThan: Date, now: Date): Promise<number> {
  const pending = await stores.merges.findStalePending(olderThan, 100);
  for (const merge of pending) await mergeProfiles(stores, merge.from, merge.into, merge.via, now);
  return pending.length;
}
