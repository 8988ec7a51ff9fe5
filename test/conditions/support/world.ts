/** Loading a set of profiles and events into a database and reading them back as subjects for the predicate. */
import type { Db } from 'mongodb';
import { eventMeasure, type ConditionSubject } from '../../../src/conditions/predicate.js';
import type { EventDoc, ProfileDoc } from '../../../src/model.js';
import { COLLECTIONS } from '../../../src/store/collections.js';

export interface LoadedWorld {
  /** Profiles as the database returns them: the predicate sees exactly what the query saw. */
  profiles: ProfileDoc[];
  eventsByProfile: Map<string, EventDoc[]>;
}

export async function loadWorld(db: Db, profiles: Record<string, unknown>[], events: Record<string, unknown>[]): Promise<LoadedWorld> {
  // The test builds deliberately odd documents (unknown consent states, arrays where
  // objects belong), so they go in untyped and come back out typed.
  if (profiles.length > 0) await db.collection(COLLECTIONS.profiles).insertMany(profiles);
  if (events.length > 0) await db.collection(COLLECTIONS.events).insertMany(events);
  const stored = await db.collection<ProfileDoc>(COLLECTIONS.profiles).find({}).sort({ _id: 1 }).toArray();
  const eventsByProfile = new Map<string, EventDoc[]>();
  for (const event of await db.collection<EventDoc>(COLLECTIONS.events).find({}).toArray()) {
    const list = eventsByProfile.get(event.profileId) ?? [];
    list.push(event);
    eventsByProfile.set(event.profileId, list);
  }
  return { profiles: stored, eventsByProfile };
}

export function subjectOf(world: LoadedWorld, profile: ProfileDoc, segmentMembers: Map<string, Set<string>>): ConditionSubject {
  return {
    profile,
    measure: eventMeasure(world.eventsByProfile.get(profile._id) ?? []),
    segmentMembership: (segment) => segmentMembers.get(segment)?.has(profile._id) ?? false,
  };
}

/** The same membership source for the query side. */
export function segmentSource(segmentMembers: Map<string, Set<string>>) {
  return async (segment: string): Promise<ReadonlySet<string>> => segmentMembers.get(segment) ?? new Set<string>();
}
