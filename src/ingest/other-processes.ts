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
 * One loop per process scans the outbox (small: work in flight) while anyone waits, and
 * each scan answers every waiter that was registered before it started: hundreds of
 * batches waiting cost one scan at a time, not one each. Entries of other hosts count up
 * to `clockSkewMs` past the instant waited for, as those hosts dated them.
 */
import type { OutboxStore } from '../store/outbox.js';

interface Waiter {
  /** Other processes' entries opened up to here are waited for (ms). */
  horizon: number;
  deadline: number;
  resolve: (unappliedEvents: number) => void;
}

/** Between scans while someone waits: the outbox is read at most this often by one process. */
const SCAN_PAUSE_MS = 20;

export class OtherProcessesBarrier {
  private waiting: Waiter[] = [];
  private looping = false;

  constructor(
    private readonly outbox: OutboxStore,
    /** This process, whose own entries its writer orders already. */
    private readonly owner: string,
    private readonly clockSkewMs: number,
  ) {}

  /**
   * Resolves once every batch other processes opened up to `at` is applied, or when
   * `timeoutMs` has passed: the events still unapplied then (0 when none).
   */
  until(at: Date, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      this.waiting.push({ horizon: at.getTime() + this.clockSkewMs, deadline: Date.now() + timeoutMs, resolve });
      if (!this.looping) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      while (this.waiting.length > 0) {
        // Only those waiting before the scan started: an entry opened just before a later
        // waiter asked might not be in it.
        const answered = this.waiting;
        this.waiting = [];
        let unapplied: { openedAt: number; events: number }[] | null;
        try {
          unapplied = await this.outbox.unappliedOfOthers(this.owner);
        } catch {
          unapplied = null; // unknown: wait on, until the deadline
        }
        const now = Date.now();
        for (const waiter of answered) {
          const owed = unapplied?.filter((entry) => entry.openedAt <= waiter.horizon) ?? null;
          if (owed !== null && owed.length === 0) waiter.resolve(0);
          else if (now >= waiter.deadline) waiter.resolve(owed?.reduce((sum, entry) => sum + entry.events, 0) ?? 1);
          else this.waiting.push(waiter);
        }
        if (this.waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, SCAN_PAUSE_MS));
      }
    } finally {
      this.looping = false;
    }
  }
}
