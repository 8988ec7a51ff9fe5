/**
 * Guards against over-merging. A profile holds at most this many values of each kind of
 * identifier; a link or merge that would exceed a limit is refused and recorded. With one
 * userId per profile, two signed-up people never merge, however many e-mails, phones or
 * devices they share: a family e-mail stays with the first person who used it.
 */
import type { IdentityKind, ProfileDoc } from '../model.js';

export type IdentityLimits = Record<string, number>;

export const DEFAULT_IDENTITY_LIMITS: IdentityLimits = { userId: 1, email: 5, phone: 5, anonymousId: 1000 };
/** For configured external ids, which name one account in another system. */
export const DEFAULT_EXTERNAL_ID_LIMIT = 5;
/** However the limits are set, a profile absorbs at most this many others. */
export const MAX_MERGES_PER_PROFILE = 100;

export function limitFor(limits: IdentityLimits, kind: IdentityKind): number {
  return limits[kind] ?? DEFAULT_EXTERNAL_ID_LIMIT;
}

/** Why merging `b` into `a` would break a limit, or null when it is allowed. */
export function mergeRefusal(a: ProfileDoc, b: ProfileDoc, limits: IdentityLimits): string | null {
  for (const kind of new Set([...Object.keys(a.identities), ...Object.keys(b.identities)])) {
    const values = new Set([...(a.identities[kind] ?? []), ...(b.identities[kind] ?? [])]);
    const limit = limitFor(limits, kind);
    if (values.size > limit) return `the merged profile would have ${values.size} ${kind} values (limit ${limit})`;
  }
  const merges = (a.mergedFrom?.length ?? 0) + (b.mergedFrom?.length ?? 0) + 1;
  if (merges > MAX_MERGES_PER_PROFILE) return `the merged profile would absorb ${merges} profiles (limit ${MAX_MERGES_PER_PROFILE})`;
  return null;
}

/** Whether one more value of this kind fits on the profile. */
export function canLink(profile: Pick<ProfileDoc, 'identities'>, kind: IdentityKind, limits: IdentityLimits): boolean {
  return (profile.identities[kind]?.length ?? 0) < limitFor(limits, kind);
}
