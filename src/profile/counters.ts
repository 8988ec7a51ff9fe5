/**
 * Per-profile counters: how often each event happened and the totals of its numeric
 * properties (revenue, quantity…). Ingestion adds each stored event once; merging adds two
 * profiles' counters up; the sweeper recomputes them from the stored events after a crash.
 */
import type { Counters, EventDoc } from '../model.js';

/** At most this many numeric properties of one event are summed: bounds the profile's size. */
export const MAX_SUMMED_PROPERTIES = 20;

/**
 * Counter keys become field names: MongoDB reserves "." and a leading "$", so they are
 * replaced by their full-width look-alikes (the encoding MongoDB's documentation suggests).
 */
export function counterKey(name: string): string {
  return name.replaceAll('.', '\uff0e').replace(/^\$/, '\uff04');
}

export function decodeCounterKey(key: string): string {
  return key.replaceAll('\uff0e', '.').replace(/^\uff04/, '$');
}

/** What an event counts as: the event name for track, "Page Viewed"/"Screen Viewed" for views. */
export function counterNameOf(event: Pick<EventDoc, 'type' | 'event'>): string | null {
  if (event.type === 'track') return event.event ?? null;
  if (event.type === 'page') return 'Page Viewed';
  if (event.type === 'screen') return 'Screen Viewed';
  return null;
}

export function counterIncrementOf(
  event: Pick<EventDoc, 'type' | 'event' | 'properties'>,
): { key: string; sums: Record<string, number> } | undefined {
  const name = counterNameOf(event);
  if (name === null) return undefined;
  const sums: Record<string, number> = {};
  for (const [property, value] of Object.entries(event.properties)) {
    if (Object.keys(sums).length >= MAX_SUMMED_PROPERTIES) break;
    if (typeof value === 'number' && Number.isFinite(value)) sums[property] = value;
  }
  return { key: counterKey(name), sums };
}

/** Adds `count` occurrences and their property totals to one counter, in place. */
export function addToCounter(counters: Counters, key: string, count: number, sums: Record<string, number> = {}): void {
  const counter = (counters[key] ??= { count: 0 });
  counter.count += count;
  for (const [property, value] of Object.entries(sums)) {
    counter.sum ??= {};
    counter.sum[property] = (counter.sum[property] ?? 0) + value;
  }
}
