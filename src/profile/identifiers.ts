/**
 * What an identifier of a person is: a kind (userId, anonymousId, email, phone or a
 * configured external id) and a value, in a normal form, with the key the identity graph
 * stores it under. Below ingestion, identity resolution and the stores, which all use it.
 */
import type { IdentityKind } from '../model.js';

export interface IdentityRef {
  kind: IdentityKind;
  value: string;
}

export function identityKey(ref: IdentityRef): string {
  return `${ref.kind}:${ref.value}`;
}

/** E-mail addresses identify a person case-insensitively; phone numbers without spacing; other ids as given. */
export function normaliseIdentity(ref: IdentityRef): IdentityRef {
  if (ref.kind === 'email') return { kind: 'email', value: ref.value.trim().toLowerCase() };
  if (ref.kind === 'phone') return { kind: 'phone', value: ref.value.replace(/[\s().-]/g, '') };
  return ref;
}
