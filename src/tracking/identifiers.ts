/** The identifiers a message carries, for identity resolution. */
import type { IdentityRef } from '../profile/identifiers.js';
import type { SegmentMessage } from './segment-spec.js';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim().length > 0 ? value.trim() : typeof value === 'number' ? String(value) : undefined;

/** Traits a message states about its person: `traits` of identify, else `context.traits`. */
function statedTraits(message: SegmentMessage): Record<string, unknown> {
  const own = message.type === 'identify' ? message.traits : undefined;
  const fromContext = message.context?.traits;
  return { ...(typeof fromContext === 'object' && fromContext !== null ? (fromContext as Record<string, unknown>) : {}), ...own };
}

/**
 * userId, anonymousId, e-mail and phone (from traits), and the external ids an operator
 * configured, read from Segment's `context.externalIds` (`[{ id, type }]`).
 * For `alias`, `previousId` is the person's earlier id: a known userId or, otherwise, the
 * anonymous id they had.
 */
export function identifiersOf(message: SegmentMessage, externalIdKinds: readonly string[], previousIdIsUserId = false): IdentityRef[] {
  const refs: IdentityRef[] = [];
  if (message.userId !== undefined) refs.push({ kind: 'userId', value: message.userId });
  if (message.anonymousId !== undefined) refs.push({ kind: 'anonymousId', value: message.anonymousId });
  if (message.type === 'alias') refs.push({ kind: previousIdIsUserId ? 'userId' : 'anonymousId', value: message.previousId });
  const traits = statedTraits(message);
  const email = text(traits.email);
  if (email?.includes('@')) refs.push({ kind: 'email', value: email });
  const phone = text(traits.phone);
  if (phone && /\d{5,}/.test(phone.replace(/\D/g, ''))) refs.push({ kind: 'phone', value: phone });
  const externalIds = message.context?.externalIds;
  if (Array.isArray(externalIds)) {
    for (const entry of externalIds as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { id, type } = entry as { id?: unknown; type?: unknown };
      const value = text(id);
      if (typeof type === 'string' && externalIdKinds.includes(type) && value) refs.push({ kind: type, value });
    }
  }
  return refs;
}
