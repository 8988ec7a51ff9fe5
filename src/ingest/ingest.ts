/**
 * Ingestion of Segment messages: resolve the person, store the event once, apply it to
 * the profile. When `ingest` resolves, the event is durable and visible on the profile;
 * journeys are told afterwards (inline if Temporal answers, by the sweeper otherwise).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IdentityResolver } from '../identity/resolve.js';
import type { EventDoc, Traits } from '../model.js';
import type { Stores } from '../store/index.js';
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
  externalIdKinds: readonly string[];
  enrich?: Enrich;
}

const PROFILE_WAIT_ATTEMPTS = 20;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    dispatch: 'pending',
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
    groups.set(group, [...(groups.get(group) ?? []), index]);
  });
  return groups;
}

export function createIngestor(deps: IngestDeps) {
  const { stores, resolver } = deps;

  async function ingest(message: SegmentMessage, arrival: Arrival): Promise<{ event: EventDoc; inserted: boolean }> {
    const previousIdIsUserId = message.type === 'alias' && (await stores.identities.lookup({ kind: 'userId', value: message.previousId })) !== null;
    const { profileId } = await resolver.resolve(identifiersOf(message, deps.externalIdKinds, previousIdIsUserId), arrival.receivedAt);
    const doc = eventDocOf(message, profileId, arrival);
    const { stored, inserted } = await stores.events.insertOnce(doc);
    // A repeated messageId is applied once: the first arrival did it (or, if it crashed
    // first, the sweeper does it from the outbox).
    if (!inserted) return { event: stored, inserted };
    const activity = {
      at: stored.timestamp,
      traits: traitsFrom(message, deps.enrich?.(message, arrival.ip) ?? {}),
      counters: counterIncrementOf(stored),
      ...(stored.groupId !== undefined ? { groupId: stored.groupId } : {}),
    };
    let appliedTo = await stores.profiles.recordActivity(profileId, activity, arrival.receivedAt);
    // A racing request linked this person's identifiers and is about to write the profile.
    for (let attempt = 1; appliedTo === null && attempt <= PROFILE_WAIT_ATTEMPTS; attempt++) {
      await delay(5 * attempt);
      appliedTo = await stores.profiles.recordActivity(profileId, activity, arrival.receivedAt);
    }
    if (appliedTo !== null && appliedTo !== profileId) {
      // The profile was merged while this event was on its way: follow it.
      await stores.events.collection.updateOne({ _id: stored._id }, { $set: { profileId: appliedTo } });
      stored.profileId = appliedTo;
    }
    if (message.type === 'group' && message.traits) await stores.groups.upsertTraits(message.groupId, message.traits, arrival.receivedAt);
    return { event: stored, inserted };
  }

  /**
   * A batch: messages of one person in order (later traits win), different people in
   * parallel. Each message is stored before the call resolves.
   */
  async function ingestBatch(messages: SegmentMessage[], arrival: Arrival, concurrency = 8): Promise<EventDoc[]> {
    const queues = [...messagesByPerson(messages).values()];
    const events: EventDoc[] = new Array<EventDoc>(messages.length);
    const worker = async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const index of queue) events[index] = (await ingest(messages[index]!, arrival)).event;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
    return events;
  }

  return { ingest, ingestBatch };
}

export type Ingestor = ReturnType<typeof createIngestor>;

/** Re-applies an event's trait and activity effects (idempotent; counters are recomputed separately). */
export async function reapplyToProfile(stores: Stores, event: EventDoc, now: Date): Promise<void> {
  const traits = event.type === 'identify' ? (event.traits ?? {}) : {};
  await stores.profiles.recordActivity(event.profileId, { at: event.timestamp, traits, ...(event.groupId !== undefined ? { groupId: event.groupId } : {}) }, now);
}
