/**
 * The simulation's calendar over the time-skipping server's virtual clock.
 *
 * The server's clock runs at real speed between the jumps the simulation asks for (to a
 * timer that is due, to an event's instant), so the few hundred milliseconds a workflow
 * task or an activity takes in real time show up on it. They are not the journey's: a
 * journey's steps take no time, only its waits do, and every wait lasts whole seconds
 * (durations, local times and quiet hours are all counted in seconds or coarser). Two rules
 * keep that real time off the calendar:
 * - an instant is read in whole seconds elapsed since the last jump, rounded down (real
 *   time only ever adds);
 * - each jump starts the count again, so the real time spent before one wait does not add
 *   to that spent before the next.
 * So five chapters a day apart stay at 00:00 each day as long as the machine takes under a
 * second from one jump to the next wait's start (the workflow tasks and activities between
 * them); a CI run once showed `day 3 00:00:01` when the count ran from the run's start.
 */
export class SimulationClock {
  /** The last jump: a virtual instant and the simulated instant it stands for. */
  private anchor: { virtualMs: number; simulatedMs: number };
  private admitted = false;

  constructor(simulatedStartMs: number, virtualStartMs: number) {
    this.anchor = { virtualMs: virtualStartMs, simulatedMs: simulatedStartMs };
  }

  /**
   * The run's admission, at the workflow's own clock: its timers count from here. Only the
   * first admission counts (a retried activity reads the same start).
   */
  admittedAt(virtualMs: number): void {
    if (this.admitted) return;
    this.admitted = true;
    this.anchor = { virtualMs, simulatedMs: this.anchor.simulatedMs };
  }

  /** The simulated instant a virtual one stands for: the whole seconds elapsed since the last jump. */
  simulated(virtualMs: number): number {
    return this.anchor.simulatedMs + Math.floor((virtualMs - this.anchor.virtualMs) / 1000) * 1000;
  }

  /** The virtual instant at which a simulated one falls. */
  virtual(simulatedMs: number): number {
    return this.anchor.virtualMs + (simulatedMs - this.anchor.simulatedMs);
  }

  /** The server's clock was moved to `virtualMs` on purpose: count from there. */
  jumpedTo(virtualMs: number): void {
    this.anchor = { virtualMs, simulatedMs: this.simulated(virtualMs) };
  }
}
