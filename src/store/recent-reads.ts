/**
 * Reads kept for a short moment in the process: what every send reads and an admin seldom
 * changes (a template, a frequency cap). A value read at most `ttlMs` ago is answered from
 * memory, a miss read once however many callers ask at once; this process's own writes
 * forget the key (after the write, so no read from before it is kept). Another process's
 * write is seen within `ttlMs`: nothing correct may depend on an admin's edit being seen
 * sooner (architecture.md: a stateless tier).
 */
export class RecentReads<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
    /** Whether a value read is kept (default: every one); one not kept serves only the callers of its read. */
    private readonly keep: (value: V) => boolean = () => true,
  ) {}

  /** The value of `key`, read with `read` unless a read of it began less than `ttlMs` ago. */
  get(key: string, read: () => Promise<V>): Promise<V> {
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    if (this.entries.size >= MAX_ENTRIES) this.dropExpired(now);
    const entry = { value: read(), until: now + this.ttlMs };
    this.entries.set(key, entry);
    // A failed read, or a value not to keep, is dropped: the next caller reads again.
    const drop = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    entry.value.then((value) => {
      if (!this.keep(value)) drop();
    }, drop);
    return entry.value;
  }

  /** This process changed `key`: the next `get` reads it. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private dropExpired(now: number): void {
    for (const [key, entry] of this.entries) if (entry.until <= now) this.entries.delete(key);
    // Still full (many names within one moment): start again rather than grow.
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
  }
}

/** Names held at most (templates: a few dozen in practice). */
const MAX_ENTRIES = 1_000;
