/**
 * Identity resolution: which profile an event belongs to. The identifiers a message
 * carries are looked up in the identity graph; unknown ones are linked to the person,
 * a new person gets a new profile, and two profiles that turn out to be one person are
 * merged, within the limits of `limits.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { ProfileDoc } from '../model.js';
import type { MergeDoc } from '../store/merges.js';
import { identityKey, normaliseIdentity, type IdentityRef } from '../profile/identifiers.js';
import type { Stores } from '../store/index.js';
import { canLink, limitFor, mergeRefusal, type IdentityLimits } from './limits.js';
import { mergeId, mergeProfiles } from './merge.js';

/** Which identifier decides first: a login beats an e-mail beats a phone beats a device. */
const PRECEDENCE = ['userId', 'email', 'phone'];
const rank = (ref: IdentityRef) => {
  if (ref.kind === 'anonymousId') return PRECEDENCE.length + 1;
  const index = PRECEDENCE.indexOf(ref.kind);
  return index === -1 ? PRECEDENCE.length : index; // external ids rank between phone and device
};

const MAX_ATTEMPTS = 10;

export interface Resolution {
  profileId: string;
  /** True when this call created the profile. */
  created: boolean;
  linked: IdentityRef[];
  /** Profiles merged into `profileId` by this call. */
  merged: string[];
}

/** Normalised, without repeats or empty values, strongest first. */
export function byPrecedence(refs: IdentityRef[]): IdentityRef[] {
  const unique = new Map(
    refs
      .map(normaliseIdentity)
      .filter((ref) => ref.value.length > 0)
      .map((ref) => [identityKey(ref), ref]),
  );
  return [...unique.values()].sort((a, b) => rank(a) - rank(b));
}

export class IdentityResolver {
  constructor(
    private readonly stores: Stores,
    private readonly limits: IdentityLimits,
  ) {}

  /** Whether these identifiers, none of them known yet, may all go on one new profile. */
  fitsNewProfile(refs: IdentityRef[]): boolean {
    const perKind = new Map<string, number>();
    for (const ref of refs) perKind.set(ref.kind, (perKind.get(ref.kind) ?? 0) + 1);
    return [...perKind].every(([kind, count]) => count <= limitFor(this.limits, kind));
  }

  async resolve(refs: IdentityRef[], now: Date): Promise<Resolution> {
    const ordered = byPrecedence(refs);
    if (ordered.length === 0) throw new Error('resolve needs at least one identifier');
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const owners = await this.stores.identities.owners(ordered);
      const unknown = ordered.filter((ref) => !owners.has(identityKey(ref)));
      const profiles = [...new Set(ordered.map((ref) => owners.get(identityKey(ref))).filter((id) => id !== undefined))];
      const first = ordered[0]!;
      const survivor = profiles[0];
      if (survivor === undefined) {
        const created = await this.createPerson(ordered, now);
        if (created) return created;
        continue; // lost a race to create this person: join theirs
      }
      const needsProfile = unknown.length > 0 || profiles.length > 1;
      const survivorDoc = needsProfile ? await this.stores.profiles.findExact(survivor) : null;
      // Linked but gone: merged or erased since we read the links. Read them again.
      if (needsProfile && !survivorDoc) {
        this.stores.identities.forgetCachedOwner(survivor);
        continue;
      }
      // The event's strongest identifier is new but cannot join the known profile (say a
      // second userId): it is a different person, who gets a profile of their own.
      if (survivorDoc && unknown[0] === first && !canLink(survivorDoc, first.kind, this.limits)) {
        const created = await this.createPerson(unknown, now);
        if (created) return created;
        continue;
      }
      const merged = survivorDoc ? await this.mergeOthers(survivorDoc, profiles.slice(1), ordered, owners, now, attempt === 0) : [];
      if (merged === 'stale') continue;
      const { linked, lostRace } = survivorDoc ? await this.linkUnknown(survivorDoc, unknown, now) : { linked: [], lostRace: false };
      // Another request linked one of these identifiers to another profile just now: go
      // round again, so the two profiles merge at this message rather than at a later one.
      if (lostRace && attempt < MAX_ATTEMPTS - 1) continue;
      return { profileId: survivor, created: false, linked, merged };
    }
    throw new Error(`identity resolution did not settle after ${MAX_ATTEMPTS} attempts`);
  }

  /**
   * A new person: the profile is written first and its identifiers linked after, so an
   * identifier anyone can find always leads to an existing profile. Null when another
   * request linked one of the identifiers first; this profile is then withdrawn.
   */
  private async createPerson(refs: IdentityRef[], now: Date): Promise<Resolution | null> {
    const profileId = `p_${randomUUID()}`;
    const identities: ProfileDoc['identities'] = {};
    for (const ref of refs) (identities[ref.kind] ??= []).push(ref.value);
    await this.stores.profiles.create(profileId, identities, now);
    const linked: IdentityRef[] = [];
    for (const ref of refs) {
      // Taken already, but by this very profile: a request that found it through the
      // identifiers linked so far joined it. That is not a lost race.
      const ours = (await this.stores.identities.link(ref, profileId, now)) || (await this.stores.identities.lookup(ref)) === profileId;
      if (!ours) {
        await this.stores.identities.unlink(linked, profileId);
        await this.stores.profiles.deleteById(profileId);
        return null;
      }
      linked.push(ref);
    }
    return { profileId, created: true, linked, merged: [] };
  }

  private async mergeOthers(
    survivor: ProfileDoc,
    others: string[],
    refs: IdentityRef[],
    owners: Map<string, string>,
    now: Date,
    mayRetry: boolean,
  ): Promise<string[] | 'stale'> {
    const merged: string[] = [];
    let current = survivor;
    for (const other of others) {
      const via = refs.find((ref) => owners.get(identityKey(ref)) === other)?.kind ?? 'unknown';
      const otherDoc = await this.stores.profiles.findExact(other);
      if (!otherDoc) {
        // Merged, erased or withdrawn since its links were read: read them again, once (a
        // merge a crash interrupted leaves links to a gone profile until the sweeper ends it).
        this.stores.identities.forgetCachedOwner(other);
        if (mayRetry) return 'stale';
        continue;
      }
      const refusal = mergeRefusal(current, otherDoc, this.limits);
      if (refusal) {
        const doc: MergeDoc = {
          _id: mergeId(other, survivor._id),
          from: other,
          into: survivor._id,
          via,
          status: 'refused',
          reason: refusal,
          at: now,
        };
        await this.stores.merges.record(doc);
        continue;
      }
      await mergeProfiles(this.stores, other, survivor._id, via, now);
      merged.push(other);
      current = (await this.stores.profiles.findExact(survivor._id)) ?? current;
    }
    return merged;
  }

  private async linkUnknown(
    survivor: ProfileDoc,
    unknown: IdentityRef[],
    now: Date,
  ): Promise<{ linked: IdentityRef[]; lostRace: boolean }> {
    const linked: IdentityRef[] = [];
    let lostRace = false;
    const identities = structuredClone(survivor.identities);
    for (const ref of unknown) {
      if (!canLink({ identities }, ref.kind, this.limits)) continue;
      if (await this.stores.identities.link(ref, survivor._id, now)) {
        linked.push(ref);
        (identities[ref.kind] ??= []).push(ref.value);
      } else {
        lostRace = true;
      }
    }
    await this.stores.profiles.addIdentities(survivor._id, linked, now);
    return { linked, lostRace };
  }
}
