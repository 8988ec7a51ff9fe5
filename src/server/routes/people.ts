/**
 * One person, for the console (docs/console.md, "People"): their 360° view in one answer,
 * and their timeline of events, paged. Opening a person is an audited read
 * (`profile.viewed`: who, whom, when). What a role sees is decided by the caller's role
 * (people-access.ts): identifiers, traits, consent history, event properties and message
 * values only for roles that see personal data; a viewer gets ids, segments, journeys,
 * tags, consent states, event names and message statuses. Finding people: people-search.ts.
 *
 * Reads are `_id` lookups (profiles, history chunks) and index searches (deliveries,
 * merges by `into`, the timeline's time windows).
 */
import { Router } from 'express';
import { z } from 'zod';
import { reportedState } from '../../consent/report.js';
import type { EventDoc, ProfileDoc, SegmentChange } from '../../model.js';
import type { DeliveryDoc } from '../../store/deliveries.js';
import { actorLabel, actorOf } from '../actor.js';
import { awaitProfiles } from '../consistency.js';
import type { AppDeps } from '../deps.js';
import { badRequest, fromZod, notFound } from '../errors.js';
import { seesPersonal } from './people-access.js';

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
  const activeRules = async () => (await stores.rules.active())?.ir;

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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
