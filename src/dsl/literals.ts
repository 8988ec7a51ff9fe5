/** The meaning and validity of literal values: durations, times of day, dates. */
import type { Duration, DurationUnit, TimeLit } from './ast.js';
import type { Millis } from './ir.js';

const UNIT_MS: Record<DurationUnit, Millis> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** Longer durations are almost certainly typos, and beyond this Temporal timers get silly. */
export const MAX_DURATION_MS: Millis = 100 * 365 * UNIT_MS.day;

/** Whole milliseconds: `1.5 hours` is 5,400,000; fractions of a millisecond are rounded. */
export function durationMs(duration: Duration): Millis {
  return Math.round(duration.amount * UNIT_MS[duration.unit]);
}

/** `at most <count> per <unit>` as messages per second (`60 per minute` is 1). */
export function ratePerSecond(count: number, per: DurationUnit): number {
  return (count * UNIT_MS.second) / UNIT_MS[per];
}

export function durationText(duration: Duration): string {
  return `${duration.amount} ${duration.unit}${duration.amount === 1 ? '' : 's'}`;
}

export function isValidTime(time: TimeLit): boolean {
  return time.hours >= 0 && time.hours <= 23 && time.minutes >= 0 && time.minutes <= 59;
}

/** `hh:mm` with two-digit hours (`9:30` is written `09:30` in the IR). */
export function formatTime(time: TimeLit): string {
  return `${String(time.hours).padStart(2, '0')}:${String(time.minutes).padStart(2, '0')}`;
}

/** Whether `YYYY-MM-DD` names a real day of the proleptic Gregorian calendar. */
export function isValidDate(text: string): boolean {
  const [year, month, day] = text.split('-').map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= daysInMonth;
}
