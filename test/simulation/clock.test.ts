/**
 * The simulation's calendar over the time-skipping server's clock, which runs at real speed
 * between jumps: real time a slow machine spends on workflow tasks and activities must not
 * reach the timeline, even when it adds up over many waits (a CI run once showed the e-book
 * drip's fourth chapter at `day 3 00:00:01`).
 */
import { describe, expect, it } from 'vitest';
import { SimulationClock } from '../../src/simulation/clock.js';

const DAY = 86_400_000;
const START = Date.parse('2026-03-02T00:00:00Z');
const VIRTUAL = 1_000_000_000_000;

/** Five waits of a day, each started after `slowMs` of real time on the server's clock; the sends' simulated instants. */
function fiveDailySends(slowMs: number): number[] {
  const clock = new SimulationClock(START, VIRTUAL);
  let server = VIRTUAL + slowMs;
  clock.admittedAt(server);
  const sends: number[] = [];
  for (let day = 0; day < 5; day += 1) {
    server += slowMs; // the send's workflow task and activity
    sends.push(clock.simulated(server));
    server += slowMs; // the wait's workflow task: its timer counts from here
    const timerAt = server + DAY;
    server = timerAt + 1; // the jump: a millisecond past the timer
    clock.jumpedTo(timerAt);
  }
  return sends;
}

describe('SimulationClock', () => {
  it('keeps steps a day apart at 00:00 while the real time from one jump to the next wait stays under a second', () => {
    const expected = [0, 1, 2, 3, 4].map((day) => START + day * DAY);
    expect(fiveDailySends(0)).toEqual(expected);
    expect(fiveDailySends(240)).toEqual(expected);
    expect(fiveDailySends(499)).toEqual(expected);
    // The bound is per wait, not per run: a second of real time shows.
    expect(fiveDailySends(500)[1]).toBe(START + DAY + 1000);
  });

  it('counts a run from its admission, and a retried admission does not move it', () => {
    const clock = new SimulationClock(START, VIRTUAL);
    clock.admittedAt(VIRTUAL + 5_000);
    clock.admittedAt(VIRTUAL + 9_000);
    expect(clock.simulated(VIRTUAL + 5_900)).toBe(START);
    expect(clock.simulated(VIRTUAL + 5_000 + 90_000)).toBe(START + 90_000);
  });

  it('places an event at its own instant, and reads the time after jumping to it from there', () => {
    const clock = new SimulationClock(START, VIRTUAL);
    clock.admittedAt(VIRTUAL + 700);
    const eventAt = clock.virtual(START + 3 * 3_600_000);
    expect(eventAt).toBe(VIRTUAL + 700 + 3 * 3_600_000);
    clock.jumpedTo(eventAt);
    expect(clock.simulated(eventAt + 950)).toBe(START + 3 * 3_600_000);
    expect(clock.simulated(eventAt + 60_000)).toBe(START + 3 * 3_600_000 + 60_000);
  });
});
