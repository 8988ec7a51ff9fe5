/**
 * A fixed-window counter per key (an address's keyed hash, a client address), in memory:
 * enough to keep one server from mailing an inbox full of links or being used to probe
 * addresses. Several servers each keep their own count. Bounded: the oldest windows are
 * dropped first when there are too many keys.
 */
export class WindowLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(private readonly limit: number, private readonly windowMs: number, private readonly maxKeys = 100_000) {}

  /** Counts one attempt under `key`; false when the window's limit is already reached. */
  allow(key: string, nowMs: number): boolean {
    const window = this.windows.get(key);
    if (!window || nowMs - window.startedAt >= this.windowMs) {
      this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(key, { startedAt: nowMs, count: 1 });
      return true;
    }
    if (window.count >= this.limit) return false;
    window.count += 1;
    return true;
  }
}
