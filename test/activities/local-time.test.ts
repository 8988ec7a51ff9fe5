import { describe, expect, it } from 'vitest';
import { millisUntilLocalTime } from '../../src/util/local-time.js';

const H = 3_600_000;

describe('wait until hh:mm', () => {
  it('waits for the next occurrence later the same day', () => {
    expect(millisUntilLocalTime(new Date('2026-03-10T08:00:00Z'), '10:00', 'UTC', 'UTC')).toBe(2 * H);
  });

  it('waits until tomorrow when the time has passed', () => {
    expect(millisUntilLocalTime(new Date('2026-03-10T11:00:00Z'), '10:00', 'UTC', 'UTC')).toBe(23 * H);
  });

  it("uses the profile's time zone", () => {
    // 08:00 UTC is 09:00 in Warsaw in winter: 10:00 there is one hour away.
    expect(millisUntilLocalTime(new Date('2026-01-10T08:00:00Z'), '10:00', 'Europe/Warsaw', 'UTC')).toBe(1 * H);
  });

  it('falls back to the default zone for an unknown one', () => {
    expect(millisUntilLocalTime(new Date('2026-03-10T08:00:00Z'), '10:00', 'Mars/Olympus', 'UTC')).toBe(2 * H);
  });

  it('counts real hours across a daylight-saving change', () => {
    // Warsaw springs forward on 2026-03-29 at 02:00: from 00:00 to 10:00 local is 9 real hours.
    expect(millisUntilLocalTime(new Date('2026-03-28T23:00:00Z'), '10:00', 'Europe/Warsaw', 'UTC')).toBe(9 * H);
  });
});
