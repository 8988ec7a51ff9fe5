/**
 * The consent a message carries, read at ingestion and stored on its event (see
 * EventConsent): Segment's `context.consent.categoryPreferences` on any message, and the
 * same preferences as the person's act on `Segment Consent Preference Updated`. Its proof
 * comes from the message's context: the page, the user agent, and the address anonymised.
 */
import { isIPv4 } from 'node:net';
import type { ConsentOrigin, ConsentProof, EventConsent } from '../model.js';
import { personAddress } from './enrich/address.js';
import type { SegmentMessage } from '../tracking/segment-spec.js';

/** Segment's event for a change made in a consent manager: it carries the full state. */
export const CONSENT_PREFERENCE_UPDATED = 'Segment Consent Preference Updated';

/**
 * An address with what identifies the machine removed: the last octet of IPv4, all but
 * the first 48 bits of IPv6 (what analytics tools call IP anonymisation).
 */
export function anonymiseIp(address: string): string {
  if (isIPv4(address)) return address.replace(/\.\d+$/, '.0');
  const [head = '', tail = ''] = address.split('::');
  const groups = [...head.split(':').filter(Boolean)];
  const tailGroups = tail.split(':').filter(Boolean);
  const full = address.includes('::') ? [...groups, ...new Array(8 - groups.length - tailGroups.length).fill('0'), ...tailGroups] : groups;
  return `${full.slice(0, 3).join(':')}::`;
}

const text = (value: unknown, max = 2048): string | undefined =>
  typeof value === 'string' && value.trim().length > 0 ? value.trim().slice(0, max) : undefined;

/** The proof a message's context gives: where it was given and from what browser, the address anonymised. */
export function proofFromContext(message: Pick<SegmentMessage, 'context' | 'integrations'>, requestIp: string | undefined): ConsentProof {
  const context = message.context ?? {};
  const page = typeof context.page === 'object' && context.page !== null ? (context.page as Record<string, unknown>) : {};
  const address = personAddress(context, message.integrations, (message as { channel?: unknown }).channel, requestIp);
  const pageUrl = text(page.url);
  const userAgent = text(context.userAgent, 512);
  return {
    ...(pageUrl ? { pageUrl } : {}),
    ...(userAgent ? { userAgent } : {}),
    ...(address ? { ip: anonymiseIp(address.address) } : {}),
  };
}

/** `categoryPreferences` as category → boolean; anything else in it is ignored. */
function preferencesOf(context: Record<string, unknown> | undefined): Record<string, boolean> | undefined {
  const consent = context?.consent;
  if (typeof consent !== 'object' || consent === null) return undefined;
  const preferences = (consent as Record<string, unknown>).categoryPreferences;
  if (typeof preferences !== 'object' || preferences === null || Array.isArray(preferences)) return undefined;
  const booleans = Object.entries(preferences).filter((entry): entry is [string, boolean] => typeof entry[1] === 'boolean');
  return booleans.length > 0 ? Object.fromEntries(booleans) : undefined;
}

/** The consent of a message from a source: its preferences, if it carries any. */
export function capturedConsent(message: SegmentMessage, arrival: { source: string; ip?: string }): EventConsent | undefined {
  const categoryPreferences = preferencesOf(message.context);
  if (!categoryPreferences) return undefined;
  const preferencesUpdated = message.type === 'track' && message.event === CONSENT_PREFERENCE_UPDATED;
  const origin: ConsentOrigin = { kind: 'source', source: arrival.source };
  return {
    categoryPreferences,
    ...(preferencesUpdated ? { preferencesUpdated } : {}),
    origin,
    proof: { method: preferencesUpdated ? 'consent-preference-updated' : 'category-preferences', ...proofFromContext(message, arrival.ip) },
  };
}
