/**
 * Double opt-in: a purpose declared with `confirm with email "<template>"` is granted only
 * once the person confirms, by opening a signed link mailed to them. Until then the grant
 * is recorded as `pending`, which grants nothing. These rules decide, purely, when a grant
 * waits for a confirmation and whether a confirmation still applies; the decision
 * (consent/decide.ts), the HTTP routes and the confirmation's delivery all ask them.
 */
import type { ConsentIR } from '../dsl/ir.js';
import type { ConsentOrigin, ConsentRecord } from '../model.js';

/** How long a confirmation link works after it is sent. */
export const CONFIRMATION_LINK_VALID_MS = 30 * 86_400_000;

/**
 * Whether a grant from this origin must be confirmed: the person's own channels (a site,
 * a form or back end with a write key, the privacy page). An admin's record (with its
 * reason) and an import (consents confirmed before they came here) are recorded as given.
 */
export function needsConfirmation(declared: ConsentIR | undefined, origin: ConsentOrigin): boolean {
  return declared?.confirmTemplate !== undefined && (origin.kind === 'source' || origin.kind === 'api' || origin.kind === 'portal');
}

/** A grant that holds at `at`: granted and not lapsed. */
export function holdsAt(current: ConsentRecord | undefined, at: Date): boolean {
  return current?.state === 'granted' && (current.expiresAt === undefined || new Date(current.expiresAt).getTime() > at.getTime());
}

/**
 * Whether confirming the pending request (`recordId`, given at `requestedAt`) still
 * applies to the purpose's current state: the request is the current state, or it asks
 * to renew a grant that was current already when it was made (a pending request does not
 * replace a grant that holds; its confirmation does). Anything recorded after the request
 * — a revocation, a newer request, an admin's record — closes it.
 */
export function confirmationOpen(current: ConsentRecord | undefined, recordId: string, requestedAt: Date): boolean {
  if (!current) return false;
  if (current.recordId === recordId) return current.state === 'pending';
  return current.state === 'granted' && new Date(current.at).getTime() <= requestedAt.getTime();
}

/** The delivery key of a request's confirmation e-mail: one per request, whatever retries happen. */
export function confirmationKey(recordId: string): string {
  return `confirm:${recordId}`;
}
