/**
 * Merging two profiles of one person. Every step is idempotent and the merge is recorded
 * as `pending` first, so a crash part-way leaves a record the sweeper finishes later.
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
  // Data folded into `into`, `from` redirected and deleted: one step, under both profiles' locks.
  const leaves = await stores.segments.leaves();
  await stores.profiles.absorb(into, from, (survivor, absorbed) => ({ ...combineProfiles(survivor, absorbed, now), ...combineSegmentState(survivor, absorbed, leaves, now) }), now);
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
