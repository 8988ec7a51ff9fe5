/**
 * People, for the console (docs/console.md, "People"): finding a person by an identifier,
 * a trait or a segment, and one person's 360° view in one answer. Opening a person is an
 * audited read (`profile.viewed`: who, whom, when). What a role sees is decided here, by
 * the caller's role: identifiers, traits, consent history, event properties and message
 * values only for roles that see personal data (SEES_PERSONAL_DATA); a viewer gets ids,
 * segments, journeys, tags, consent states, event names and message statuses.
 *
 * Reads are `_id` lookups (identities, profiles, member buckets, history chunks) and index
 * searches (deliveries, merges by `into`), except the search by trait, which no index
 * answers: the database reads profiles until a page matches, within a time budget.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { SEES_PERSONAL_DATA } from '../../accounts/roles.js';
import { reportedState } from '../../consent/report.js';
import { CORE_IDENTITY_KINDS, type EventDoc, type ProfileDoc, type SegmentChange } from '../../model.js';
import { normaliseIdentity } from '../../profile/identifiers.js';
import { InvalidCursorError } from '../../store/segment-members.js';
import type { DeliveryDoc } from '../../store/deliveries.js';
import { actorLabel, actorOf } from '../actor.js';
import { awaitProfiles } from '../consistency.js';
import type { AppDeps } from '../deps.js';
import { badRequest, fromZod, HttpError, notFound } from '../errors.js';

/**
 * A trait path as the rules name it: dot-separated names, none empty or starting with `$`.
 * Names with white space or control characters cannot be searched: a MongoDB-protocol
 * server may refuse them in a filter (FerretDB does, once the collection holds profiles).
 */
const traitPath = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^[^.$\s\p{Cc}][^.\s\p{Cc}]*(\.[^.$\s\p{Cc}][^.\s\p{Cc}]*)*$/u,
    'a trait path: names separated by dots, none empty, starting with $, or holding white space or control characters',
  );

export const peopleSearchQuery = z
  .object({
    /** How to find: one identifier exactly, a trait's value (a bounded scan), or a segment's members. */
    by: z.enum(['identifier', 'trait', 'segment']),
    /** For `identifier`: `profileId` or an identifier kind (userId, email, phone, anonymousId, an external id kind); absent: any of them. */
    kind: z.string().min(1).max(64).optional(),
    /** The identifier (`identifier`) or the trait's value (`trait`: a number, true or false as such, text in double quotes as text). */
    value: z.string().trim().min(1).max(512).optional(),
    trait: traitPath.optional(),
    segment: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    /** From the previous answer's `nextCursor`. */
    cursor: z.string().min(1).max(512).optional(),
    /** `trait`: how long the database may read profiles for this page, in milliseconds. */
    budget: z.coerce.number().int().min(500).max(30_000).default(5_000),
  })
  .strict()
  .superRefine((query, ctx) => {
    const need = (field: 'value' | 'trait' | 'segment') => {
      if (query[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required when searching by ${query.by}` });
    };
    if (query.by === 'identifier') need('value');
    if (query.by === 'trait') {
      need('trait');
      need('value');
    }
    if (query.by === 'segment') need('segment');
  });

export const personEventsQuery = z
  .object({
    /** Only events of this name (a `track` event's name, or a page's or screen's name). */
    event: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();

/** The most of each list one 360° answer carries (newest first where it is a history). */
const MAX_MESSAGES = 100;
const MAX_CONSENT_HISTORY = 100;
const MAX_SEGMENT_CHANGES = 200;
const MAX_MERGES = 100;
/** Runs asked where they are; each query waits at most this long (a busy worker answers late). */
const MAX_RUNS_ASKED = 20;
const RUN_QUERY_MS = 2_000;

const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

/** Whether the caller's role sees personal data: the server's decision, not the page's. */
const seesPersonal = (res: Response) => SEES_PERSONAL_DATA.has(actorOf(res).role);

/** A name to show beside the id: the `name` trait, or first and last name. */
function nameOf(traits: ProfileDoc['traits'] | undefined): string | undefined {
  if (!traits) return undefined;
  if (typeof traits.name === 'string' && traits.name.trim()) return traits.name.trim();
  const parts = [traits.firstName, traits.lastName].filter((part): part is string => typeof part === 'string' && part.trim() !== '');
  return parts.length > 0 ? parts.join(' ') : undefined;
}

type Found = Pick<ProfileDoc, '_id'> & Partial<Pick<ProfileDoc, 'traits' | 'identities' | 'lastSeenAt'>>;
function presentFound(profile: Found, personal: boolean) {
  const email = profile.identities?.email?.[0];
  const name = nameOf(profile.traits);
  return {
    profileId: profile._id,
    ...(profile.lastSeenAt ? { lastSeenAt: profile.lastSeenAt } : {}),
    ...(personal && email ? { email } : {}),
    ...(personal && name ? { name } : {}),
  };
}

/** Timeline pages continue after the last event shown: its timestamp and id, opaque to the client. */
const encodeEventCursor = (event: EventDoc) =>
  Buffer.from(JSON.stringify([event.timestamp.toISOString(), event._id])).toString('base64url');
function decodeEventCursor(cursor: string): { timestamp: Date; id: string } {
  try {
    const [timestamp, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof id !== 'string' || typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) throw new Error('bad cursor');
    return { timestamp: new Date(timestamp), id };
  } catch {
    throw badRequest('invalid_query', 'cursor: not a cursor this API returned');
  }
}

/** An event as the timeline shows it: for a viewer its kind, name and time only (properties and context may hold anything). */
function presentEvent(event: EventDoc, personal: boolean) {
  const base = { id: event._id, type: event.type, ...(event.event ? { event: event.event } : {}), timestamp: event.timestamp };
  if (!personal) return { ...base, ...(event.name && event.type !== 'track' ? { name: event.name } : {}) };
  const context = event.context ?? {};
  return {
    ...base,
    ...(event.name ? { name: event.name } : {}),
    source: event.source,
    properties: event.properties ?? {},
    ...(pageOf(event) ? { page: pageOf(event) } : {}),
    ...(context.device ? { device: context.device } : {}),
    ...(context.os ? { os: context.os } : {}),
    ...(typeof context.userAgent === 'string' ? { userAgent: context.userAgent } : {}),
    ...(event.traits ? { traits: event.traits } : {}),
  };
}

/** Where it happened: the context's page, or for a page call its own properties (url, path, title, referrer). */
function pageOf(event: EventDoc): Record<string, unknown> | undefined {
  const page = event.context?.page;
  if (page && typeof page === 'object') return page as Record<string, unknown>;
  if (event.type !== 'page') return undefined;
  const fields = ['url', 'path', 'title', 'referrer'].filter((field) => event.properties?.[field] !== undefined);
  return fields.length > 0 ? Object.fromEntries(fields.map((field) => [field, event.properties[field]])) : undefined;
}

/** A message with its status history; `with` (values rendered into it) and a webhook's answer only for roles that see personal data. */
function presentMessage(message: DeliveryDoc, personal: boolean) {
  const { _id, profileId: _profileId, consents: _consents, with: values, answer, ...rest } = message;
  return { key: _id, ...rest, ...(personal ? { with: values, ...(answer ? { answer } : {}) } : {}) };
}

export function peopleRoutes(deps: AppDeps): Router {
  const router = Router();
  const { stores } = deps;
  const kinds = () => [...CORE_IDENTITY_KINDS, ...deps.externalIdKinds];

  const activeRules = async () => (await stores.rules.active())?.ir;

  /** Profile ids `value` names as `kind` (or as any kind, and as a profile id). */
  const findByIdentifier = async (kind: string | undefined, value: string, personal: boolean): Promise<string[]> => {
    if (kind !== undefined && kind !== 'profileId' && !kinds().includes(kind))
      throw badRequest('invalid_query', `kind: one of profileId, ${kinds().join(', ')}`);
    if (!personal && kind !== undefined && kind !== 'profileId')
      throw forbidden('a viewer finds people by profile id only: identifiers are personal data');
    const ids: string[] = [];
    if (kind === undefined || kind === 'profileId') {
      const profile = await stores.profiles.findById(value);
      if (profile) ids.push(profile._id);
    }
    if (personal) {
      const refs = (kind === undefined ? kinds() : kind === 'profileId' ? [] : [kind]).map((k) => normaliseIdentity({ kind: k, value }));
      // One `$in` of identity keys: a search of the `_id` index.
      const owners = refs.length > 0 ? await stores.identities.owners(refs) : new Map<string, string>();
      for (const owner of owners.values()) {
        // An identity may still name a profile merged away: show where it lives now.
        const profile = await stores.profiles.findById(owner);
        if (profile) ids.push(profile._id);
      }
    }
    return [...new Set(ids)];
  };

  router.get('/v1/people', async (req, res) => {
    const parsed = peopleSearchQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const query = parsed.data;
    const personal = seesPersonal(res);
    await awaitProfiles(deps, res);

    if (query.by === 'identifier') {
      const ids = await findByIdentifier(query.kind, query.value!, personal);
      const profiles = await Promise.all(ids.map((id) => stores.profiles.findExact(id)));
      res.json({
        by: query.by,
        people: profiles.filter((p): p is ProfileDoc => p !== null).map((p) => presentFound(p, personal)),
        nextCursor: null,
      });
      return;
    }

    if (query.by === 'segment') {
      const segments = (await activeRules())?.segments ?? [];
      if (!segments.some((segment) => segment.name === query.segment)) throw notFound(`no segment ${query.segment} in the active rules`);
      const page = await stores.segmentMembers.page(query.segment!, query.limit, query.cursor).catch((error: unknown) => {
        throw error instanceof InvalidCursorError ? badRequest('invalid_query', 'cursor: not a cursor this API returned') : error;
      });
      // One profile lookup by `_id` per member shown, and only for those who see identifiers.
      const profiles = personal ? await Promise.all(page.members.map((member) => stores.profiles.findExact(member.profileId))) : [];
      res.json({
        by: query.by,
        people: page.members.map((member, index) => ({
          ...presentFound(profiles[index] ?? { _id: member.profileId }, personal),
          since: member.since,
        })),
        nextCursor: page.next ?? null,
      });
      return;
    }

    // By trait: trait values are personal data, and no index answers it: the database reads
    // profiles until a page matches, for at most `budget` milliseconds.
    if (!personal) throw forbidden('a viewer may not search by trait: trait values are personal data');
    const skip = query.cursor === undefined ? 0 : decodeTraitCursor(query.cursor);
    const { found, timedOut } = await stores.profiles.withTrait(query.trait!, typedValue(query.value!), {
      skip,
      limit: query.limit,
      maxTimeMS: query.budget,
    });
    const more = timedOut || found.length === query.limit;
    res.json({
      by: query.by,
      people: found.map((profile) => presentFound(profile, personal)),
      timedOut,
      // Where the next page starts: after the matches shown so far (a timed-out page starts where it did).
      nextCursor: more ? Buffer.from(JSON.stringify(['trait', skip + found.length])).toString('base64url') : null,
    });
  });

  router.get('/v1/people/:id', async (req, res) => {
    const personal = seesPersonal(res);
    await awaitProfiles(deps, res);
    const profile = await stores.profiles.findById(req.params.id);
    if (!profile) throw notFound('no profile with that id');
    const rules = await activeRules();
    const ids = [profile._id, ...(profile.mergedFrom ?? [])];

    const [consentRecords, changes, messages, merges, runs] = await Promise.all([
      personal ? stores.consents.findByIds((profile.consentLog ?? []).slice(-MAX_CONSENT_HISTORY)) : Promise.resolve([]),
      segmentChangesOf(profile),
      stores.deliveries.ofProfiles(ids),
      stores.merges.into(profile._id, MAX_MERGES),
      journeyRuns(profile),
    ]);

    // Who opened whom, and when: the data protection officer lists these (GET /v1/audit).
    await stores.audit.record({
      at: deps.now(),
      kind: 'profile.viewed',
      actor: actorLabel(actorOf(res)),
      subject: { profileId: profile._id },
    });

    const now = deps.now();
    const purposes = [...new Set([...(rules?.consents ?? []).map((consent) => consent.name), ...Object.keys(profile.consents ?? {})])];
    const titles = new Map((rules?.segments ?? []).map((segment) => [segment.name, segment.title]));
    const lastEntry = new Map<string, SegmentChange>();
    for (const change of changes) if (change.change === 'entered' && !lastEntry.has(change.segment)) lastEntry.set(change.segment, change);

    res.json({
      id: profile._id,
      personal,
      ...(personal
        ? {
            identifiers: Object.entries(profile.identities ?? {}).flatMap(([kind, values]) =>
              (values ?? []).map((value) => ({ kind, value })),
            ),
            traits: profile.traits ?? {},
          }
        : {}),
      tags: profile.tags ?? [],
      ...(profile.restricted ? { restricted: profile.restricted } : {}),
      consents: purposes.map((purpose) => {
        const record = profile.consents?.[purpose];
        return {
          purpose,
          state: reportedState(profile.consents, purpose, now) ?? 'missing',
          ...(record ? { since: record.at } : {}),
          ...(record?.expiresAt ? { expiresAt: record.expiresAt } : {}),
        };
      }),
      ...(personal
        ? {
            consentHistory: consentRecords
              .sort((a, b) => b.at.getTime() - a.at.getTime())
              .map((record) => ({
                id: record._id,
                purpose: record.purpose,
                state: record.state,
                at: record.at,
                origin: record.origin.kind,
                ...(record.proof?.method ? { method: record.proof.method } : {}),
                ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
              })),
          }
        : {}),
      segments: Object.entries(profile.segments ?? {})
        .filter(([name]) => titles.has(name))
        .map(([name, { since }]) => {
          const entered = lastEntry.get(name);
          return { name, ...(titles.get(name) ? { title: titles.get(name) } : {}), since, ...(entered ? { why: entered.reason } : {}) };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
      segmentChanges: changes.slice(0, 50).map(({ _id, profileId: _p, ...change }) => change),
      journeys: runs,
      journeyHistory: Object.entries(profile.journeyHistory ?? {}).map(([journey, { entries, lastEnteredAt }]) => ({
        journey,
        entries,
        lastEnteredAt,
      })),
      messages: messages
        .sort((a, b) => b.queuedAt.getTime() - a.queuedAt.getTime())
        .slice(0, MAX_MESSAGES)
        .map((message) => presentMessage(message, personal)),
      merges: merges.map(({ _id, from, via, status, at, completedAt }) => ({
        id: _id,
        from,
        via,
        status,
        at,
        ...(completedAt ? { completedAt } : {}),
      })),
      mergedFrom: profile.mergedFrom ?? [],
      firstSeenAt: profile.firstSeenAt,
      lastSeenAt: profile.lastSeenAt,
      createdAt: profile.createdAt,
      updatedAt: profile.updatedAt,
    });
  });

  router.get('/v1/people/:id/events', async (req, res) => {
    const parsed = personEventsQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const query = parsed.data;
    const personal = seesPersonal(res);
    await awaitProfiles(deps, res);
    const profile = await stores.profiles.findById(req.params.id);
    if (!profile) throw notFound('no profile with that id');
    const events = await stores.events.timeline(profile._id, {
      ...(query.event !== undefined ? { event: query.event } : {}),
      ...(query.cursor !== undefined ? { before: decodeEventCursor(query.cursor) } : {}),
      limit: query.limit + 1,
      newest: profile.lastSeenAt,
    });
    const page = events.slice(0, query.limit);
    const more = events.length > query.limit;
    res.json({
      profileId: profile._id,
      events: page.map((event) => presentEvent(event, personal)),
      nextCursor: more ? encodeEventCursor(page.at(-1)!) : null,
    });
  });

  /** Newest first: changes still being copied (on the profile), then the person's history chunks and those of profiles merged in. */
  async function segmentChangesOf(profile: ProfileDoc): Promise<SegmentChange[]> {
    const seen = new Set<string>();
    const changes = [...(profile.segmentChanges ?? [])];
    for (const change of changes) seen.add(change._id);
    for (const id of [profile._id, ...(profile.mergedFrom ?? [])]) {
      const count = id === profile._id ? (profile.segmentChangeCount ?? 0) : undefined;
      for (const change of await stores.segmentHistory.ofProfile(id, MAX_SEGMENT_CHANGES, count))
        if (!seen.has(change._id)) {
          seen.add(change._id);
          changes.push(change);
        }
    }
    return changes.sort((a, b) => b.at.getTime() - a.at.getTime() || (a._id < b._id ? 1 : -1)).slice(0, MAX_SEGMENT_CHANGES);
  }

  /** The runs in progress with the step each is at and what it waits for, asked of the run itself. */
  async function journeyRuns(profile: ProfileDoc) {
    const runs = Object.values(profile.journeys ?? {}).sort((a, b) => a.enteredAt.getTime() - b.enteredAt.getTime());
    return Promise.all(
      runs.map(async (run, index) => {
        const base = { journey: run.journey, rulesVersion: run.rulesVersion, enteredAt: run.enteredAt };
        if (!deps.journeyState || index >= MAX_RUNS_ASKED) return { ...base, state: 'unknown' as const };
        const state = await withTimeout(deps.journeyState(run.workflowId, run.runId), RUN_QUERY_MS).catch(() => undefined);
        if (!state) return { ...base, state: 'unknown' as const };
        return {
          ...base,
          state: 'known' as const,
          ...(state.step ? { step: state.step } : {}),
          ...(state.waiting ? { waiting: { reason: state.waiting.reason, until: new Date(state.waiting.untilMs) } } : {}),
        };
      }),
    );
  }

  return router;
}

function decodeTraitCursor(cursor: string): number {
  try {
    const [kind, skip] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, number];
    if (kind !== 'trait' || !Number.isInteger(skip) || skip < 0) throw new Error('bad cursor');
    return skip;
  } catch {
    throw badRequest('invalid_query', 'cursor: not a cursor this API returned');
  }
}

/**
 * The value a typed text stands for: a number or true/false as such, anything in double
 * quotes as the text inside, the rest as text. One value, so the database compares it
 * with an equality it filters by as it reads (FerretDB reads every profile for an `$in`).
 */
export function typedValue(typed: string): unknown {
  if (typed.length >= 2 && typed.startsWith('"') && typed.endsWith('"')) return typed.slice(1, -1);
  if (typed === 'true' || typed === 'false') return typed === 'true';
  if (/^-?\d+(\.\d+)?$/.test(typed)) return Number(typed);
  return typed;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
