/**
 * Ingestion of one Segment message: resolve the person, store the event once, apply it
 * to the profile. When this resolves the event is durable and visible on the profile;
 * journeys are told afterwards (inline if Temporal answers, by the sweeper otherwise).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EventDoc, EventType } from '../model.js';
import type { IdentityRef } from '../store/identities.js';
import type { Stores } from '../store/index.js';
import { correctedTimestamp, type IdentifyMessage, type TrackMessage } from './segment-spec.js';

export type IngestMessage = ({ type: 'track' } & TrackMessage) | ({ type: 'identify' } & IdentifyMessage);

/** The stored id of a message: a repeated messageId maps to the same document. */
export function eventIdFor(messageId: string): string {
  return `evt_${createHash('sha256').update(messageId).digest('base64url').slice(0, 32)}`;
}

function identitiesOf(message: IngestMessage): IdentityRef[] {
  const refs: IdentityRef[] = [];
  if (message.userId !== undefined) refs.push({ kind: 'userId', value: message.userId });
  if (message.anonymousId !== undefined) refs.push({ kind: 'anonymousId', value: message.anonymousId });
  const email = message.type === 'identify' ? message.traits?.email : undefined;
  if (typeof email === 'string' && email.includes('@')) refs.push({ kind: 'email', value: email });
  return refs;
}

export async function ingest(stores: Stores, message: IngestMessage, receivedAt: Date): Promise<EventDoc> {
  const messageId = message.messageId ?? randomUUID();
  const { profileId, linked } = await stores.identities.resolve(identitiesOf(message), receivedAt);
  await stores.profiles.ensureExists(profileId, receivedAt);
  for (const ref of linked) await stores.profiles.addIdentity(profileId, ref.kind, ref.value);

  const type: EventType = message.type;
  const doc: EventDoc = {
    _id: eventIdFor(messageId),
    messageId,
    type,
    ...(message.type === 'track' ? { event: message.event } : {}),
    profileId,
    ...(message.userId !== undefined ? { userId: message.userId } : {}),
    ...(message.anonymousId !== undefined ? { anonymousId: message.anonymousId } : {}),
    properties: message.type === 'track' ? (message.properties ?? {}) : {},
    ...(message.type === 'identify' ? { traits: message.traits ?? {} } : {}),
    context: message.context ?? {},
    timestamp: correctedTimestamp(message, receivedAt),
    receivedAt,
    dispatch: 'pending',
  };
  const { stored } = await stores.events.insertOnce(doc);
  // Applied whether new or repeated: the update is idempotent, and a repeat after a crash
  // between storing and applying must still take effect.
  await applyToProfile(stores, stored, receivedAt);
  return stored;
}

export async function applyToProfile(stores: Stores, event: EventDoc, now: Date): Promise<void> {
  await stores.profiles.recordActivity(event.profileId, event.timestamp, event.type === 'identify' ? event.traits : undefined, now);
}
