/**
 * "Next 10:00 in the profile's time zone" without a date library: Intl tells the wall
 * clock of any instant in any IANA zone, and we step to the next matching minute.
 */

/** Wall-clock minutes since midnight of `instant`, as `clock` (one zone's formatter) reads it. */
function wallClockMinutes(instant: Date, clock: Intl.DateTimeFormat): number {
  const parts = clock.formatToParts(instant);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value);
  return hour * 60 + minute;
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Milliseconds from `now` to the next instant whose wall clock in `zone` reads `hh:mm`
 * (0 < result ≤ 24 h, or up to 25 h across a DST change). An unknown zone falls back.
 */
export function millisUntilLocalTime(now: Date, time: string, zone: string, fallbackZone: string): number {
  const effectiveZone = isValidTimeZone(zone) ? zone : fallbackZone;
  const [hours, minutes] = time.split(':').map(Number);
  const target = hours! * 60 + minutes!;
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: effectiveZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const startOfNextMinute = Math.floor(now.getTime() / 60_000) * 60_000 + 60_000;
  // Walk minute by minute over at most 26 hours; cheap, and exact across DST transitions.
  for (let t = startOfNextMinute; t <= startOfNextMinute + 26 * 3_600_000; t += 60_000) {
    if (wallClockMinutes(new Date(t), clock) === target) return t - now.getTime();
  }
  // The wall clock skips this time today (spring forward): take the next day's.
  return 24 * 3_600_000;
}

/**
 * Milliseconds until the quiet window (`start`–`end`, wall-clock `hh:mm` in `zone`; it may
 * span midnight, as 21:00–08:00 does) ends, or 0 when `now` is outside it. A window whose
 * start equals its end is empty.
 */
export function millisUntilQuietHoursEnd(now: Date, window: { start: string; end: string }, zone: string, fallbackZone: string): number {
  const effectiveZone = isValidTimeZone(zone) ? zone : fallbackZone;
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: effectiveZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const minutesOf = (time: string) => {
    const [hours, minutes] = time.split(':').map(Number);
    return hours! * 60 + minutes!;
  };
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const current = wallClockMinutes(now, clock);
  const inside = start < end ? current >= start && current < end : start > end && (current >= start || current < end);
  return inside ? millisUntilLocalTime(now, window.end, effectiveZone, fallbackZone) : 0;
}

/** The calendar day of `now` in `zone`, `YYYY-MM-DD`: frequency caps count per local day. */
export function localDate(now: Date, zone: string, fallbackZone: string): string {
  const effectiveZone = isValidTimeZone(zone) ? zone : fallbackZone;
  return new Intl.DateTimeFormat('en-CA', { timeZone: effectiveZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
