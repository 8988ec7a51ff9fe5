/**
 * What a simulation is asked: a draft program, one of its journeys, a person (a stored
 * profile, read only, or one described here) and the events that person performs, each
 * at a time relative to the simulation's start or at an instant. The zod schema is the
 * contract of POST /v1/journeys/simulate; the times are resolved here, once.
 */
import { z } from 'zod';

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
};

/** `+0s`, `+2 days`, `+1 day 3 hours`, `+90 minutes`: an offset from the simulation's start. */
const OFFSET = /^\+\s*(\d+(?:\.\d+)?\s*[a-z]+\s*)+$/i;
const OFFSET_PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gi;

/** Milliseconds of an offset such as `+2 days`; undefined when it is not one (an unknown unit included). */
export function offsetMs(text: string): number | undefined {
  if (!OFFSET.test(text.trim())) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(OFFSET_PART)) {
    const singular = unit!.toLowerCase().replace(/s$/, '');
    const ms = UNIT_MS[singular] ?? UNIT_MS[unit!.toLowerCase()];
    if (ms === undefined) return undefined;
    total += Number(amount) * ms;
  }
  return Math.round(total);
}

const isInstant = (text: string) => /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text));

const at = z.string().refine((text) => offsetMs(text) !== undefined || isInstant(text), {
  message: 'expected an offset such as "+0s", "+2 days", "+1 day 3 hours", or an ISO-8601 instant',
});

const name = z.string().min(1).max(200);

export const simulatedEventSchema = z
  .object({
    event: name,
    properties: z.record(z.string(), z.unknown()).default({}),
    at: at.default('+0s'),
  })
  .strict();

/** A person described in the request: nothing of them is stored anywhere. */
const syntheticPersonSchema = z
  .object({
    /** Decides the person's `split` cohort; any stable text. */
    id: z.string().min(1).max(200).default('simulated-person'),
    traits: z.record(z.string(), z.unknown()).default({}),
    tags: z.array(name).max(1000).default([]),
    consents: z.record(name, z.enum(['granted', 'denied', 'revoked'])).default({}),
    /** Segments the person is in for the whole simulation; without it, each segment's condition is judged. */
    segments: z.array(name).max(1000).optional(),
  })
  .strict();

const storedPersonSchema = z.object({ profileId: z.string().min(1).max(200) }).strict();

export const simulationRequestSchema = z
  .object({
    /** The draft program's source text: compiled, never deployed. */
    source: z.string().min(1).max(1_000_000),
    journey: name,
    person: z.union([storedPersonSchema, syntheticPersonSchema]).default(() => syntheticPersonSchema.parse({})),
    /** Absent: the journey's trigger event, with no properties, at `+0s`. */
    events: z.array(simulatedEventSchema).max(1000).optional(),
    /** What `+0s` is (default: now). */
    start: z.string().refine(isInstant, { message: 'expected an ISO-8601 instant' }).optional(),
  })
  .strict();

export type SimulationRequest = z.infer<typeof simulationRequestSchema>;
export type SyntheticPerson = z.infer<typeof syntheticPersonSchema>;

/** An event of the simulation at its resolved instant, with the id the run is signalled with. */
export interface TimedEvent {
  eventId: string;
  event: string;
  properties: Record<string, unknown>;
  atMs: number;
}

/** The events in the order they happen (ties in the request's order), each at its instant. */
export function timedEvents(events: z.infer<typeof simulatedEventSchema>[], startMs: number): TimedEvent[] {
  return events
    .map((event, index) => ({
      eventId: `simulated-event-${index + 1}`,
      event: event.event,
      properties: event.properties,
      atMs: isInstant(event.at) ? Date.parse(event.at) : startMs + offsetMs(event.at)!,
      index,
    }))
    .sort((a, b) => a.atMs - b.atMs || a.index - b.index)
    .map(({ index: _index, ...event }) => event);
}
