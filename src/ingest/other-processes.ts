/**
 * Waiting for the batches other processes accepted earlier. Within one process the profile
 * writer applies batches in the order it accepted them, so a journey signalled for an
 * event sees every event acknowledged before it, and a read sees every event acknowledged
 * before it. With several processes there is no such order: a person's identify (with
 * their consent) acknowledged by one process and their next event by another would reach
 * the journey first, and the journey would refuse them for want of a consent they gave.
 * So a process dispatches a batch, and answers a read, only once every other process's
 * batch opened before it is applied, as their outbox entries say.
 *
 * One scan of the outbox (small: work in flight) answers many waiters: those who asked
 * before it started. Entries of other hosts count up to `clockSkewMs` past the instant
 * waited for, as those hosts dated them.
 */
import type { OutboxStore } from '../store/outbox.js';

interface Scan {
  /** When it started, on the process's clock: it sees every entry opened before. */
  startedAt: number;
  /** Other processes' unapplied entries: when each was opened, and its events. */
  unapplied: Promise<{ openedAt: number; events: number }[]>;
}

export class OtherProcessesBarrier {
  private latest: Scan | null = null;

  constructor(
    private readonly outbox: OutboxStore,
    /** This process, whose own entries its writer orders already. */
    private readonly owner: string,
    private readonly now: () => Date,
    private readonly clockSkewMs: number,
  ) {}

  /**
   * Resolves once every batch other processes opened up to `at` is applied, or when
   * `timeoutMs` has passed: the events still unapplied then (0 when none).
   */
  async until(at: Date, timeoutMs: number): Promise<number> {
    const horizon = at.getTime() + this.clockSkewMs;
    const deadline = Date.now() + timeoutMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const owed = (await this.scanSince(at.getTime())).filter((entry) => entry.openedAt <= horizon);
      if (owed.length === 0) return 0;
      const left = deadline - Date.now();
      if (left <= 0) return owed.reduce((sum, entry) => sum + entry.events, 0);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      // The next round needs a scan that started after this one's answer.
      at = new Date(Math.max(at.getTime(), this.now().getTime()));
    }
  }

  /** A scan that started at or after `since`: the one in flight if it did, else a new one. */
  private scanSince(since: number): Promise<{ openedAt: number; events: number }[]> {
    if (this.latest && this.latest.startedAt >= since) return this.latest.unapplied;
    const scan: Scan = { startedAt: this.now().getTime(), unapplied: this.outbox.unappliedOfOthers(this.owner) };
    this.latest = scan;
    // A failed scan is not kept for the next caller.
    scan.unapplied.catch(() => {
      if (this.latest === scan) this.latest = null;
    });
    return scan.unapplied;
  }
}
