/**
 * The single customer view, for admins: the profile and its timeline. Reads wait until
 * every event accepted before them is applied (ProfileWriter.settled), so an acknowledged
 * event is on the profile by the time the next request reads it.
 */
import { Router } from 'express';
import { z } from 'zod';
import { decodeCounterKey } from '../../profile/counters.js';
import { CORE_IDENTITY_KINDS, type EventDoc, type ProfileDoc } from '../../model.js';
import type { AppDeps } from '../deps.js';
import { awaitProfiles } from '../consistency.js';
import { badRequest, fromZod, notFound } from '../errors.js';

export const lookupQuery = z.record(z.string(), z.string().min(1));

export const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

export const timelineQuery = z
  .object({
    event: z.string().min(1).optional(),
    type: z.enum(['track', 'identify', 'page', 'screen', 'group', 'alias']).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().min(1).optional(),
  })
  .strict();

/** The stored membership in the active rules' segments: a read, never an evaluation. */
export function membershipOf(profile: ProfileDoc, active: readonly string[]): { name: string; since: Date }[] {
  return Object.entries(profile.segments ?? {})
    .filter(([name]) => active.includes(name))
    .map(([name, { since }]) => ({ name, since }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function presentProfile(profile: ProfileDoc, segments: { name: string; since: Date }[]) {
  return {
    id: profile._id,
    identities: profile.identities,
    traits: profile.traits,
    tags: profile.tags ?? [],
    consents: profile.consents,
    // Restricted (art. 18): kept, but no journey, message or segment until lifted.
    ...(profile.restricted ? { restricted: profile.restricted } : {}),
    segments,
    journeys: Object.values(profile.journeys ?? {}).map(({ journey, rulesVersion, enteredAt }) => ({ journey, rulesVersion, enteredAt })),
    // Past entries per journey: why a person did (not) enter again under `reentry`.
    journeyHistory: Object.entries(profile.journeyHistory ?? {}).map(([journey, { entries, lastEnteredAt }]) => ({
      journey,
      entries,
      lastEnteredAt,
    })),
    counters: Object.fromEntries(Object.entries(profile.counters ?? {}).map(([key, counter]) => [decodeCounterKey(key), counter])),
    groups: profile.groupIds ?? [],
    mergedFrom: profile.mergedFrom ?? [],
    firstSeenAt: profile.firstSeenAt,
    lastSeenAt: profile.lastSeenAt,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}

function presentEvent(event: EventDoc) {
  const { _id, ...rest } = event;
  return { id: _id, ...rest };
}

/** Pages continue after the last event shown: its timestamp and id, opaque to the client. */
const encodeCursor = (event: EventDoc) => Buffer.from(JSON.stringify([event.timestamp.toISOString(), event._id])).toString('base64url');
function decodeCursor(cursor: string): { timestamp: Date; id: string } {
  try {
    const [timestamp, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof id !== 'string' || Number.isNaN(Date.parse(timestamp))) throw new Error('bad cursor');
    return { timestamp: new Date(timestamp), id };
  } catch {
    throw badRequest('invalid_query', 'cursor: not a cursor this API returned');
  }
}

export function profileRoutes(deps: AppDeps): Router {
  const router = Router();
  const show = async (profile: ProfileDoc | null, missing: string) => {
    if (!profile) throw notFound(missing);
    const active = ((await deps.stores.rules.active())?.ir.segments ?? []).map((segment) => segment.name);
    return presentProfile(profile, membershipOf(profile, active));
  };

  router.get('/v1/profiles/lookup', async (req, res) => {
    const parsed = lookupQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const given = Object.entries(parsed.data);
    const kinds = [...CORE_IDENTITY_KINDS, ...deps.externalIdKinds];
    if (given.length !== 1 || !kinds.includes(given[0]![0])) throw badRequest('invalid_query', `give exactly one of ${kinds.join(', ')}`);
    const [kind, value] = given[0]!;
    await awaitProfiles(deps, res);
    const profileId = await deps.stores.identities.lookup({ kind, value });
    res.json(await show(profileId ? await deps.stores.profiles.findById(profileId) : null, `no profile with that ${kind}`));
  });

  router.get('/v1/profiles/:id', async (req, res) => {
    await awaitProfiles(deps, res);
    res.json(await show(await deps.stores.profiles.findById(req.params.id), 'no profile with that id'));
  });

  router.get('/v1/profiles/:id/segments/history', async (req, res) => {
    const parsed = historyQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    await awaitProfiles(deps, res);
    const profile = await deps.stores.profiles.findById(req.params.id);
    if (!profile) throw notFound('no profile with that id');
    // Changes still being copied are on the profile; the person's own and those of profiles merged into it.
    const copied = new Set<string>();
    const changes = [...(profile.segmentChanges ?? [])];
    for (const change of changes) copied.add(change._id);
    for (const id of [profile._id, ...(profile.mergedFrom ?? [])]) {
      const count = id === profile._id ? (profile.segmentChangeCount ?? 0) : undefined;
      for (const change of await deps.stores.segmentHistory.ofProfile(id, parsed.data.limit, count))
        if (!copied.has(change._id)) changes.push(change);
    }
    const newestFirst = changes.sort((a, b) => b.at.getTime() - a.at.getTime() || (a._id < b._id ? 1 : -1)).slice(0, parsed.data.limit);
    res.json({ profileId: profile._id, changes: newestFirst.map(({ _id, profileId, ...change }) => ({ id: _id, profileId, ...change })) });
  });

  router.get('/v1/profiles/:id/events', async (req, res) => {
    const parsed = timelineQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const query = parsed.data;
    await awaitProfiles(deps, res);
    const profile = await deps.stores.profiles.findById(req.params.id);
    if (!profile) throw notFound('no profile with that id');
    const events = await deps.stores.events.timeline(profile._id, {
      ...(query.event !== undefined ? { event: query.event } : {}),
      ...(query.type !== undefined ? { type: query.type } : {}),
      ...(query.since !== undefined ? { since: new Date(query.since) } : {}),
      ...(query.until !== undefined ? { until: new Date(query.until) } : {}),
      ...(query.cursor !== undefined ? { before: decodeCursor(query.cursor) } : {}),
      limit: query.limit + 1,
      newest: profile.lastSeenAt,
    });
    const page = events.slice(0, query.limit);
    const more = events.length > query.limit;
    res.json({ profileId: profile._id, events: page.map(presentEvent), nextCursor: more ? encodeCursor(page.at(-1)!) : null });
  });
  return router;
}
