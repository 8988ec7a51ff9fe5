/**
 * Ingestion of Segment messages: resolve the person, open an outbox entry, store the
 * events once each, and hand them to the profile writer. When `ingestBatch` resolves the
 * events are durable and owed to their profiles and journeys by a durable record, so the
 * caller may acknowledge them; the writer applies them (and profile reads wait for it).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createPeople, type NewPerson } from '../identity/new-people.js';
import { byPrecedence, type IdentityResolver, type Resolution } from '../identity/resolve.js';
import type { EventConsent, EventDoc, ProfileDoc, ProfileEventToRecord, Traits } from '../model.js';
import { identityKey, type IdentityRef } from '../profile/identifiers.js';
import type { Stores } from '../store/index.js';
import { combineActivities, newProfileDoc, type ProfileActivity } from '../store/profiles.js';
import { counterIncrementOf } from '../profile/counters.js';
import { capturedConsent } from './consent-capture.js';
import { catalogObservationOf } from './catalog-paths.js';
import { identifiersOf } from '../tracking/identifiers.js';
import { forEachInParallel } from '../util/in-parallel.js';
import type { ProfileWriter } from './profile-writer.js';
import { correctedTimestamp, type SegmentMessage } from '../tracking/segment-spec.js';
import type { SuppressionScreen } from '../privacy/suppression.js';
import { eventsAcceptedBy, eventsRefusedBy } from '../metrics/index.js';

/**
 * A message to ingest: a Segment message, and for Itinera's own callers (the consent
 * endpoint, an admin, the CSV import, the consent lifecycle) the consent change it records.
 * Clients cannot set `consent`: the tracking routes' schemas drop unknown fields.
 */
export type IngestMessage = SegmentMessage & { consent?: EventConsent };

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
  /** Drops messages carrying an erased person's identifiers (src/privacy/suppression.ts). */
  suppression?: SuppressionScreen;
}

/** The stored id of a message: a repeated messageId maps to the same document. */
export function eventIdFor(messageId: string): string {
  return `evt_${createHash('sha256').update(messageId).digest('base64url').slice(0, 32)}`;
}

function eventDocOf(message: IngestMessage, profileId: string, arrival: Arrival): EventDoc {
  const messageId = message.messageId ?? randomUUID();
  const consent = message.consent ?? capturedConsent(message, arrival);
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
    ...(consent ? { consent } : {}),
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

  async function resolutionOf(message: SegmentMessage, arrival: Arrival): Promise<Resolution> {
    const previousIdIsUserId =
      message.type === 'alias' && (await stores.identities.lookup({ kind: 'userId', value: message.previousId })) !== null;
    return resolver.resolve(identifiersOf(message, deps.externalIdKinds, previousIdIsUserId), arrival.receivedAt);
  }

  async function applyGroupTraits(message: SegmentMessage, arrival: Arrival): Promise<void> {
    if (message.type === 'group' && message.traits) await stores.groups.upsertTraits(message.groupId, message.traits, arrival.receivedAt);
  }

  /**
   * The people of a batch never seen before: groups of messages (one person's each) with
   * no alias, none of whose identifiers is known, and all of which fit on one profile.
   */
  async function newPeopleAmong(messages: SegmentMessage[], groups: number[][]): Promise<Map<number, IdentityRef[]>> {
    const candidates = new Map<number, IdentityRef[]>();
    groups.forEach((group, g) => {
      if (group.some((index) => messages[index]!.type === 'alias')) return;
      const refs = byPrecedence(group.flatMap((index) => identifiersOf(messages[index]!, deps.externalIdKinds)));
      if (refs.length > 0 && resolver.fitsNewProfile(refs)) candidates.set(g, refs);
    });
    const owners = await stores.identities.owners([...candidates.values()].flat());
    for (const [g, refs] of candidates) if (refs.some((ref) => owners.has(identityKey(ref)))) candidates.delete(g);
    return candidates;
  }

  /**
   * A batch, in bulk. New people are created together (profiles and identifiers, in two
   * writes); everyone else is resolved one message at a time (one person's messages
   * in order, different people in parallel). Then all events are stored with one insert
   * and every new event queued for its profile: counted there once, by the batch that
   * stored it (a profile created counting events that a crash then left unstored, and a
   * retry through another process stored and counted again, would count them twice). The outbox entry is
   * opened before anything is written. Returns the new events (repeats of stored
   * messageIds are skipped).
   */
  async function ingestBatch(batch: IngestMessage[], arrival: Arrival, concurrency = 8): Promise<EventDoc[]> {
    const now = arrival.receivedAt;
    const screened = deps.suppression ? await deps.suppression.screen(batch, now) : batch;
    // Dropped without a word to the sender (who must not learn the person was erased): a refusal all the same.
    eventsRefusedBy('suppressed', batch.length - screened.length);
    if (screened.length === 0) return [];
    // Ids first: the outbox entry names the events before they are stored.
    const messages = screened.map((message) => (message.messageId === undefined ? { ...message, messageId: randomUUID() } : message));
    const groups = [...messagesByPerson(messages).values()];
    const newPeople = await newPeopleAmong(messages, groups);
    const profileIdOf = new Map([...newPeople.keys()].map((g) => [g, `p_${randomUUID()}`]));
    const outboxId = await stores.outbox.open(
      messages.map((message) => eventIdFor(message.messageId!)),
      now,
      deps.writer.lease(now),
    );
    // Leased to this process until applied and dispatched: no sweeper takes a batch still on its way (profile-writer.ts).
    deps.writer.hold(outboxId);
    try {
      const docs = new Array<EventDoc>(messages.length);
      const activities = new Array<ProfileActivity>(messages.length);
      const describe = (index: number, profileId: string) => {
        const message = messages[index]!;
        docs[index] = { ...eventDocOf(message, profileId, arrival), outboxId };
        activities[index] = activityOf(message, docs[index], deps.enrich?.(message, arrival.ip) ?? {});
      };
      const people: NewPerson[] = [...newPeople].map(([g, refs]) => {
        const profileId = profileIdOf.get(g)!;
        for (const index of groups[g]!) describe(index, profileId);
        const identities: ProfileDoc['identities'] = {};
        for (const ref of refs) (identities[ref.kind] ??= []).push(ref.value);
        return { refs, profile: newProfileDoc(profileId, identities, now) };
      });
      const withdrawn = await createPeople(stores, people, now);
      const created = new Map(
        people.filter((person) => !withdrawn.has(person.profile._id)).map((person) => [person.profile._id, person.profile]),
      );

      const rest = groups.filter((_, g) => !created.has(profileIdOf.get(g) ?? ''));
      const mergedInto = new Map<string, string>();
      await forEachInParallel(rest, concurrency, async (group) => {
        for (const index of group) {
          const resolution = await resolutionOf(messages[index]!, arrival);
          for (const merged of resolution.merged) mergedInto.set(merged, resolution.profileId);
          describe(index, resolution.profileId);
        }
      });
      // A person merged by a later message of this batch (an anonymous visit, then the alias
      // that ties it to the customer): their earlier events go to the survivor before they
      // are stored, so the batch reaches that person as one part, counted once.
      for (const doc of docs) {
        // Chains (merged, then the survivor merged too) are followed; never further than there are merges.
        for (
          let hops = 0, into = mergedInto.get(doc.profileId);
          into !== undefined && hops <= mergedInto.size;
          hops++, into = mergedInto.get(doc.profileId)
        )
          doc.profileId = into;
      }

      const inserted = await stores.events.insertNew(docs);
      const byProfile = new Map<string, { profileId: string; activities: ProfileActivity[]; events: EventDoc[] }>();
      const applied = new Set<string>();
      docs.forEach((event, index) => {
        if (!inserted.has(event._id) || applied.has(event._id)) return;
        applied.add(event._id);
        // Here each new event is known once: repeats of a stored messageId (a client's retry,
        // a batch sent again) are not `inserted`, so the catalogue counts them once, at no read.
        stores.dataCatalog.record(catalogObservationOf(event, activities[index]!.traits));
        const entry = byProfile.get(event.profileId) ?? { profileId: event.profileId, activities: [], events: [] };
        entry.activities.push(activities[index]!);
        entry.events.push(event);
        byProfile.set(event.profileId, entry);
      });
      for (const message of messages) await applyGroupTraits(message, arrival);
      const profiles = [...byProfile.values()];
      await deps.writer.accept({ outboxId, openedAt: now, profiles });
      eventsAcceptedBy(messages.length);
      return profiles.flatMap((entry) => entry.events);
    } catch (error) {
      // What was stored of this batch is owed still: the sweeper finishes it.
      deps.writer.release(outboxId);
      throw error;
    }
  }

  /**
   * Records an event on a known person's timeline, through the same outbox, profile
   * writer and dispatch as any message: consent changes an admin makes, the reminders and
   * expiries of the consent lifecycle. Follows a merge; a person erased meanwhile gets
   * nothing. Resolves once the event is durable (stored, and owed by an outbox entry).
   */
  async function ingestForProfile(profileId: string, record: ProfileEventToRecord, arrival: Arrival): Promise<EventDoc | null> {
    const profile = await stores.profiles.findById(profileId);
    if (!profile) return null;
    const message: IngestMessage = {
      type: 'track',
      event: record.event,
      properties: record.properties,
      messageId: record.messageId,
      timestamp: record.timestamp.toISOString(),
      ...(record.consent ? { consent: record.consent } : {}),
    };
    const lease = deps.writer.lease(arrival.receivedAt);
    const outboxId = await stores.outbox.open([eventIdFor(record.messageId)], arrival.receivedAt, lease);
    const event = { ...eventDocOf(message, profile._id, arrival), outboxId };
    deps.writer.hold(outboxId);
    try {
      const inserted = await stores.events.insertNew([event]);
      const profiles = inserted.has(event._id)
        ? [{ profileId: profile._id, activities: [activityOf(message, event, {})], events: [event] }]
        : [];
      for (const entry of profiles) stores.dataCatalog.record(catalogObservationOf(event, entry.activities[0]!.traits));
      await deps.writer.accept({ outboxId, openedAt: arrival.receivedAt, profiles });
      eventsAcceptedBy(1);
      return event;
    } catch (error) {
      deps.writer.release(outboxId);
      throw error;
    }
  }

  return { ingestBatch, ingestForProfile };
}

export type Ingestor = ReturnType<typeof createIngestor>;

/**
 * What a batch's stored events add to one profile when a sweeper applies them again: traits
 * and first/last seen for every event, counters only for the events this batch stored
 * first (a repeat of a message stored by an earlier batch was counted by that one).
 */
export function recoveredActivity(events: readonly EventDoc[], outboxId: string): ProfileActivity {
  return combineActivities(
    events.map((event) => {
      const increment = event.outboxId === undefined || event.outboxId === outboxId ? counterIncrementOf(event) : null;
      return {
        firstAt: event.timestamp,
        lastAt: event.timestamp,
        traits: event.type === 'identify' ? (event.traits ?? {}) : {},
        ...(increment ? { counters: [increment] } : {}),
        ...(event.groupId !== undefined ? { groupIds: [event.groupId] } : {}),
      };
    }),
  );
}
