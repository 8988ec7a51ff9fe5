/**
 * The privacy page's limits on asking for a link by e-mail: per address, so that nobody
 * can fill an inbox with links, and per client, so that nobody can probe which addresses
 * are known. Counted in the database (RateLimitStore), so every server process behind a
 * load balancer draws on one budget; the client is `req.ip`, which is the connecting
 * address unless the configured proxies say whom they forward for.
 *
 * The keys are keyed hashes with a secret of their own: the counters name no address,
 * neither e-mail nor IP, and cannot be linked to the suppression list's hashes.
 */
import { createHmac } from 'node:crypto';
import type { RateLimit } from '../../store/rate-limits.js';

const HOUR_MS = 3_600_000;

export const PORTAL_LIMITS = {
  perAddress: { name: 'portal-address', limit: 3, windowMs: HOUR_MS },
  perClient: { name: 'portal-client', limit: 20, windowMs: HOUR_MS },
} as const satisfies Record<string, RateLimit>;

export type LimitKeyKind = 'email' | 'client';

/** Turns an address into its counter's key; nobody without `secretSource` can tell whose it is. */
export function limitKeys(secretSource: string): (kind: LimitKeyKind, value: string) => string {
  // Derived, so that the secret it comes from (the admin key) is never used as is.
  const secret = createHmac('sha256', secretSource).update('itinera rate-limit keys v1').digest();
  return (kind, value) => createHmac('sha256', secret).update(`${kind}\u0000${value}`).digest('base64url');
}
