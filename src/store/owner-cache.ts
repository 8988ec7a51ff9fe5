/**
 * Which profile owns an identifier, remembered: most events come from people already
 * known, and looking their identifier up costs a database round trip per event.
 *
 * Every change to the identity graph made by this process goes through IdentityStore,
 * which keeps this cache in step, so within a process it is exact. Another process's
 * changes reach it late: a merge elsewhere is harmless (the merged-away profile id
 * redirects to the survivor), and an erasure elsewhere is forgotten after `ttlMs`.
 */
export class OwnerCache {
  /** Insertion-ordered: the first entries are the least recently used. */
  private readonly entries = new Map<string, { profileId: string; expiresAt: number }>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly ttlMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.clock()) return undefined;
    this.entries.set(key, entry);
    return entry.profileId;
  }

  set(key: string, profileId: string): void {
    this.entries.delete(key);
    this.entries.set(key, { profileId, expiresAt: this.clock() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Forgets `key` if it is remembered as owned by `profileId`. */
  forget(key: string, profileId: string): void {
    if (this.entries.get(key)?.profileId === profileId) this.entries.delete(key);
  }

  /** Every identifier remembered for `from` now belongs to `to`, or to no one when `to` is null. */
  moveProfile(from: string, to: string | null): void {
    for (const [key, entry] of this.entries) {
      if (entry.profileId !== from) continue;
      if (to === null) this.entries.delete(key);
      else entry.profileId = to;
    }
  }
}
