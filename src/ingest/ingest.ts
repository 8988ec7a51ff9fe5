/**
 * Ingestion of Segment messages: resolve the person, open an outbox entry, store the
 * events once each, and hand them to the profile writer. When `ingestBatch` resolves the
 * events are durable and owed to their profiles and journeys by a durable record, so the
 * caller may acknowledge them; the writer applies them (and profile reads wait for it).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IdentityResolver } from '../identity/resolve.js';
import type { EventDoc, ProfileDoc, Traits } from '../model.js';
import type { Stores } from '../store/index.js';
import type { ProfileActivity } from '../store/profiles.js';
import type { ProfileWriter } from './profile-writer.js';
import { counterIncrementOf } from './counters.js';
import { identifiersOf } from './identifiers.js';
import { correctedTimestamp, type SegmentMessage } from './segment-spec.js';

/** Kept for callers that speak of "messages to ingest" (CSV import, tests). */
export type IngestMessage = SegmentMessage;

/** Where and when a message arrived. */
export interface Arrival {
  receivedAt: Date;
  /** The source whose write key sent it. */
  source: string;
  /** The client's address as the server saw it, for enrichment. */
  ip?: string;
}

/** Traits derived from a message's context (device, locale, geo…); see enrich.ts. */
export type Enrich = (message: SegmentMessage, requestIp: string | undefined) => Traits;

export interface IngestDeps {
  stores: Stores;
  resolver: IdentityResolver;
  writer: ProfileWriter;
  externalIdKinds: readonly string[];
  enrich?: Enrich;
}

/** The stored id of a message: a repeated messageId maps to the same document. */
export function eventIdFor(messageId: string): string {
  return `evt_${createHash('sha256').update(messageId).digest('base64url').slice(0, 32)}`;
}

function eventDocOf(message: SegmentMessage, profileId: string, arrival: Arrival): EventDoc {
  const messageId = message.messageId ?? randomUUID();
  const properties = 'properties' in message && message.properties ? message.properties : {};
  const traits = message.type === 'identify' || message.type === 'group' ? (message.traits ?? {}) : undefined;
  return {
    _id: eventIdFor(messageId),
    messageId,
    type: message.type,
    ...(message.type === 'track' ? { event: message.event } : {}),
    ...((message.type === 'page' || message.type === 'screen') && message.name !== undefined ? { name: message.name } : {}),
    ...(message.type === 'page' && message.category !== undefined ? { category: message.category } : {}),
    ...(message.type === 'group' ? { groupId: message.groupId } : {}),
    ...(message.type === 'alias' ? { previousId: message.previousId } : {}),
    profileId,
    ...(message.userId !== undefined ? { userId: message.userId } : {}),
    ...(message.anonymousId !== undefined ? { anonymousId: message.anonymousId } : {}),
    properties,
    ...(traits ? { traits } : {}),
    context: message.context ?? {},
    source: arrival.source,
    timestamp: correctedTimestamp(message, arrival.receivedAt),
    receivedAt: arrival.receivedAt,
  };
}

/**
 * The traits an event sets on its profile: an identify's traits, over what enrichment
 * derives from the context. `context.traits` of other calls identify the person (their
 * e-mail links profiles) but are not stored: they are a client's cached copy, often stale.
 */
function traitsFrom(message: SegmentMessage, derived: Traits): Traits {
  return { ...derived, ...(message.type === 'identify' ? message.traits : {}) };
}

/**
 * Indexes of a batch's messages grouped so that messages sharing a userId or anonymousId
 * (directly or through a chain: anonymous page, then identify with both ids, then a
 * userId-only track) fall in one group, in their original order.
 */
export function messagesByPerson(messages: readonly SegmentMessage[]): Map<number, number[]> {
  const parent = messages.map((_, index) => index);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  const firstWithId = new Map<string, number>();
  messages.forEach((message, index) => {
    const ids = [message.userId && `u:${message.userId}`, message.anonymousId && `a:${message.anonymousId}`];
    if (message.type === 'alias') ids.push(`u:${message.previousId}`, `a:${message.previousId}`);
    for (const id of ids) {
      if (!id) continue;
      const seen = firstWithId.get(id);
      if (seen === undefined) firstWithId.set(id, index);
      else parent[root(index)] = root(seen);
    }
  });
  const groups = new Map<number, number[]>();
  messages.forEach((_, index) => {
    const group = root(index);
    const members = groups.get(group);
    if (members) members.push(index);
    else groups.set(group, [index]);
  });
  return groups;
}

/** What one stored event adds to its profile. */
function activityOf(message: SegmentMessage, event: EventDoc, derived: Traits): ProfileActivity {
  const increment = counterIncrementOf(event);
  return {
    firstAt: event.timestamp,
    lastAt: event.timestamp,
    traits: traitsFrom(message, derived),
    ...(increment ? { counters: [increment] } : {}),
    ...(event.groupId !== undefined ? { groupIds: [event.groupId] } : {}),
  };
}

export function createIngestor(deps: IngestDeps) {
  const { stores, resolver } = deps;

  async function profileOf(message: SegmentMessage, arrival: Arrival): Promise<string> {
    const previousIdIsUserId = message.type === 'alias' && (await stores.identities.lookup({ kind: 'userId', value: message.previousId })) !== null;
    return (await resolver.resolve(identifiersOf(message, deps.externalIdKinds, previousIdIsUserId), arrival.receivedAt)).profileId;
  }

  async function applyGroupTraits(message: SegmentMessage, arrival: Arrival): Promise<void> {
    if (message.type === 'group' && message.traits) await stores.groups.upsertTraits(message.groupId, message.traits, arrival.receivedAt);
  }

  /**
   * A batch, in bulk: people are resolved (one person's messages in order, different
   * people in parallel), the outbox entry opened, all events stored with one insert, and
   * each person's new events queued for their profile. Returns the new events (repeats of
   * stored messageIds are skipped).
   */
  async function ingestBatch(messages: SegmentMessage[], arrival: Arrival, concurrency = 8): Promise<EventDoc[]> {
    const profileIds = new Array<string>(messages.length);
    const queues = [...messagesByPerson(messages).values()];
    await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const index of queue) profileIds[index] = await profileOf(messages[index]!, arrival);
      }
    }));

    const docs = messages.map((message, index) => eventDocOf(message, profileIds[index]!, arrival));
    // The entry first: events stored without one would be owed to no one after a crash.
    const outboxId = await stores.outbox.open(docs.map((doc) => doc._id), arrival.receivedAt);
    const inserted = await stores.events.insertNew(docs);

    const byProfile = new Map<string, { profileId: string; activities: ProfileActivity[]; events: EventDoc[] }>();
    const applied = new Set<string>();
    messages.forEach((message, index) => {
      const event = docs[index]!;
      if (!inserted.has(event._id) || applied.has(event._id)) return;
      applied.add(event._id);
      const entry = byProfile.get(event.profileId) ?? { profileId: event.profileId, activities: [], events: [] };
      entry.activities.push(activityOf(message, event, deps.enrich?.(message, arrival.ip) ?? {}));
      entry.events.push(event);
      byProfile.set(event.profileId, entry);
    });
    for (const message of messages) await applyGroupTraits(message, arrival);
    const profiles = [...byProfile.values()];
    await deps.writer.accept({ outboxId, profiles });
    return profiles.flatMap((entry) => entry.events);
  }

  return { ingestBatch };
}

export type Ingestor = ReturnType<typeof createIngestor>;

/** Re-applies an event's trait and activity effects (idempotent; counters are recomputed separately). */
export async function reapplyToProfile(stores: Stores, event: EventDoc, now: Date): Promise<ProfileDoc | null> {
  const traits = event.type === 'identify' ? (event.traits ?? {}) : {};
  const groupIds = event.groupId !== undefined ? [event.groupId] : [];
  return stores.profiles.recordActivity(event.profileId, { firstAt: event.timestamp, lastAt: event.timestamp, traits, groupIds }, now);
}
