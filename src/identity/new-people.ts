/**
 * New people in bulk. A batch from a server-side source or a CSV import is mostly people
 * never seen before; creating them one by one costs two writes each (profile, then each
 * identifier). Here all their profiles go in one insert and all their identifiers in
 * another. Whoever lost a race for an identifier to another request is withdrawn (profile
 * and links) and left to ordinary resolution, which finds the winner.
 */
import type { ProfileDoc } from '../model.js';
import { identityKey, type IdentityRef } from '../profile/identifiers.js';
import type { Stores } from '../store/index.js';

export interface NewPerson {
  profile: ProfileDoc;
  refs: IdentityRef[];
}

/** Creates the people; returns the profile ids of those withdrawn after losing a race. */
export async function createPeople(stores: Stores, people: NewPerson[], now: Date): Promise<Set<string>> {
  if (people.length === 0) return new Set();
  await stores.profiles.createMany(people.map((person) => person.profile));
  const links = people.flatMap((person) => person.refs.map((ref) => ({ ref, profileId: person.profile._id })));
  const taken = await stores.identities.linkMany(links, now);
  const withdrawn = new Set<string>();
  for (const person of people) {
    if (!person.refs.some((ref) => taken.has(identityKey(ref)))) continue;
    withdrawn.add(person.profile._id);
    await stores.identities.unlink(
      person.refs.filter((ref) => !taken.has(identityKey(ref))),
      person.profile._id,
    );
    await stores.profiles.deleteById(person.profile._id);
  }
  return withdrawn;
}
