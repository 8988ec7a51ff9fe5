/**
 * The person a simulation runs for, in memory: a copy of a stored profile (read once,
 * never written) or one the request describes. The simulated activities change this copy
 * only; conditions are judged on it with the project's one predicate (src/conditions).
 */
import { evaluateCondition, eventMeasure, type ConditionSubject, type SubjectEvent } from '../conditions/predicate.js';
import type { ConditionIR, SegmentIR } from '../dsl/ir.js';
import type { ConsentRecord, ProfileDoc } from '../model.js';
import { EVENT_HISTORY_LIMIT } from '../segments/evaluate.js';
import type { Stores } from '../store/index.js';
import type { SimulationRequest, SyntheticPerson } from './request.js';

export interface SimulatedPerson {
  /** The profile as the activities see it: traits, tags, consents, runs, journey history. */
  profile: ProfileDoc;
  /** The person's `track` events so far: stored ones, then those the simulation has delivered. */
  events: SubjectEvent[];
  /** Fixed segment memberships from the request; absent: each segment's condition is judged. */
  segments?: ReadonlySet<string>;
}

export class UnknownProfile extends Error {
  constructor(readonly profileId: string) {
    super(`no profile ${profileId}`);
  }
}

/** The person of the request, read from the store (read only) or built from its description. */
export async function personOf(stores: Stores, person: SimulationRequest['person'], startMs: number): Promise<SimulatedPerson> {
  if ('profileId' in person) {
    const stored = await stores.profiles.findById(person.profileId);
    if (!stored) throw new UnknownProfile(person.profileId);
    const events = await stores.events.trackedOf(stored._id, EVENT_HISTORY_LIMIT);
    return { profile: structuredClone(stored), events: [...events] };
  }
  return syntheticPerson(person, startMs);
}

function syntheticPerson(person: SyntheticPerson, startMs: number): SimulatedPerson {
  const at = new Date(startMs);
  const consents: Record<string, ConsentRecord> = Object.fromEntries(
    Object.entries(person.consents).map(([purpose, state]) => [purpose, { state, at }]),
  );
  const profile: ProfileDoc = {
    _id: person.id,
    traits: structuredClone(person.traits) as ProfileDoc['traits'],
    tags: [...person.tags],
    identities: {},
    consents,
    journeys: {},
    firstSeenAt: at,
    lastSeenAt: at,
    createdAt: at,
    updatedAt: at,
  };
  return { profile, events: [], ...(person.segments ? { segments: new Set(person.segments) } : {}) };
}

/** Whether the condition holds for the person at `now`; `in segment` from the fixed memberships or the draft's segment. */
export function holdsFor(person: SimulatedPerson, segments: readonly SegmentIR[], condition: ConditionIR, now: Date): boolean {
  const byName = new Map(segments.map((segment) => [segment.name, segment]));
  const subject: ConditionSubject = {
    profile: person.profile,
    measure: eventMeasure(person.events),
    segmentMembership: (name) => {
      if (person.segments) return person.segments.has(name);
      const segment = byName.get(name);
      return segment !== undefined && evaluateCondition(segment.condition, subject, now);
    },
  };
  return evaluateCondition(condition, subject, now);
}

/** Applies a journey's edit to the in-memory profile, as the profile pipeline applies it to the stored one. */
export function editPerson(
  person: SimulatedPerson,
  edit: { kind: 'tag' | 'untag'; tag: string } | { kind: 'trait'; path: string; value: string | number | boolean | null },
): void {
  const { profile } = person;
  switch (edit.kind) {
    case 'tag':
      if (!profile.tags.includes(edit.tag)) profile.tags.push(edit.tag);
      return;
    case 'untag':
      profile.tags = profile.tags.filter((tag) => tag !== edit.tag);
      return;
    case 'trait':
      setAtPath(profile.traits as Record<string, unknown>, edit.path, edit.value);
  }
}

function setAtPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = root;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}
