/**
 * Stable cohort assignment for `split`: a pure hash of profile, journey and step, so a
 * profile always lands in the same branch, on every replay and in every run.
 */
export function cohortPercentile(profileId: string, journey: string, stepId: string): number {
  // FNV-1a, 32 bit: tiny, deterministic, evenly spread enough for percentage buckets.
  let hash = 0x811c9dc5;
  for (const char of `${journey}\u0000${stepId}\u0000${profileId}`) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 10_000) / 100;
}

/** Picks the branch whose cumulative share covers the profile's percentile. */
export function pickBranch(percentile: number, shares: readonly number[]): number {
  let cumulative = 0;
  for (const [index, share] of shares.entries()) {
    cumulative += share;
    if (percentile < cumulative) return index;
  }
  return shares.length - 1;
}
