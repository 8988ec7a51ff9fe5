/**
 * Recomputing a profile's counters from its stored events: exact after a crash, whatever
 * was or was not applied (see profile/counters.ts for what a counter holds).
 */
import type { Counters } from '../model.js';
import { addToCounter, counterIncrementOf } from '../profile/counters.js';
import type { Stores } from '../store/index.js';

/**
 * Counters from scratch, from every stored event of the profile but those in `skip`
 * (stored, but their increments are still on their way: see ProfileWriter.exclusive).
 */
export async function recomputeCounters(stores: Stores, profileId: string, skip: ReadonlySet<string> = new Set()): Promise<Counters> {
  const counters: Counters = {};
  for await (const event of stores.events.countedOf(profileId)) {
    if (skip.has(event._id)) continue;
    const increment = counterIncrementOf(event);
    if (!increment) continue;
    addToCounter(counters, increment.key, 1, increment.sums);
  }
  await stores.profiles.setCounters(profileId, counters);
  return counters;
}
