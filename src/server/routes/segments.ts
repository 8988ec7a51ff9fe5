/**
 * Segments, for admins: each segment of the active rules with its size, state and trend,
 * its declaration and who reads it, its members (pages, a search by identifier, or the
 * whole list as CSV), its entries and exits over time, and the preview of a draft before
 * it is deployed. Everything is read from what the segment engine stores; nothing here
 * evaluates a condition except the preview.
 *
 * Reads stay `_id` lookups or reads of collections as small as the number of segments:
 * the catalog, a day's stats document per segment and day, a member bucket, an identity,
 * a profile. The CSV reads all 256 of a segment's member buckets (a download), and so does
 * a page of a small segment, whose few members are spread over them (see segment-members.ts).
 */
import express, { Router } from 'express';
import { z } from 'zod';
import { SEES_PERSONAL_DATA } from '../../accounts/roles.js';
import type { SegmentDecl } from '../../dsl/ast.js';
import { segmentUsage } from '../../dsl/segment-usage.js';
import { CORE_IDENTITY_KINDS, type ProfileDoc, type SegmentCatalogDoc } from '../../model.js';
import { planOf } from '../../segments/plan.js';
import { previewSegments } from '../../segments/preview.js';
import { InvalidCursorError } from '../../store/segment-members.js';
import { actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import { csvRow, write } from '../csv.js';
import { badRequest, fromZod, HttpError, notFound } from '../errors.js';
import { createRulesPrograms } from '../rules-programs.js';

const MAX_DRAFT_BYTES = '256kb';
const PREVIEW_SAMPLE = 20;

export const membersQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().min(1).optional(),
    /** One person, by profile id or (for roles that see personal data) any identifier, exactly. */
    q: z.string().trim().min(1).max(512).optional(),
    /** `csv`: the whole list as a download, so a plain link gets it (as `Accept: text/csv` does). */
    format: z.enum(['json', 'csv']).optional(),
  })
  .strict();

/** The days a segment's list entry draws its trend over, today included. */
const TREND_DAYS = 14;

/** A calendar date: `2024-13-45` matched the pattern and made Date throw (a 500). */
const day = z.iso.date({ message: 'a date, YYYY-MM-DD' });
export const historyQuery = z
  .object({
    granularity: z.enum(['day', 'hour']).default('day'),
    from: day.optional(),
    to: day.optional(),
  })
  .strict();

const DAY_MS = 86_400_000;
/** The longest range one history request reads (a document per day). */
const MAX_HISTORY_DAYS = 400;

export function presentSegment(name: string, title: string | undefined, doc: SegmentCatalogDoc | undefined, def: string) {
  // Not in the catalog yet, or computed for an older definition: its recompute is on its way.
  const ready = doc?.state === 'ready' && doc.def === def;
  return {
    name,
    ...(title === undefined ? {} : { title }),
    size: doc?.size ?? 0,
    state: ready ? 'ready' : 'computing',
    ...(!ready && doc?.progress ? { progress: doc.progress } : {}),
    computedAt: doc?.computedAt ?? null,
  };
}

/** Sizes at the end of each day from `from` to `to`, derived backwards from the size now and each day's entries and exits. */
export function sizesByDay(
  size: number,
  days: string[],
  counted: { day: string; hours: Record<string, { entered?: number; exited?: number }> }[],
) {
  const net = new Map(
    counted.map(({ day, hours }) => [
      day,
      Object.values(hours).reduce((total, counts) => total + (counts.entered ?? 0) - (counts.exited ?? 0), 0),
    ]),
  );
  let after = size;
  return days
    .slice()
    .reverse()
    .map((day) => {
      const point = { day, size: Math.max(0, after) };
      after -= net.get(day) ?? 0;
      return point;
    })
    .reverse();
}

const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const daysBack = (today: string, count: number) =>
  Array.from({ length: count }, (_, index) => dayOf(new Date(Date.parse(`${today}T00:00:00Z`) - (count - 1 - index) * DAY_MS)));

export function segmentRoutes(deps: AppDeps): Router {
  const router = Router();
  const { stores } = deps;
  const programs = createRulesPrograms();

  const activePlan = async () => {
    const rules = await stores.rules.active();
    return rules ? { version: rules._id, plan: planOf(rules.ir), rules } : null;
  };
  const activeSegment = async (name: string) => {
    const active = await activePlan();
    const segment = active?.plan.byName.get(name);
    if (!segment) throw notFound(`no segment ${name} in the active rules`);
    return segment;
  };

  router.get('/v1/segments', async (_req, res) => {
    const active = await activePlan();
    const planned = active?.plan.segments ?? [];
    const catalog = new Map((await stores.segments.all()).map((doc) => [doc._id, doc]));
    // Every segment's fortnight in one read.
    const days = daysBack(dayOf(deps.now()), TREND_DAYS);
    const stats = await stores.segmentStats.daysOfMany(
      planned.map((segment) => segment.name),
      days[0]!,
      days[days.length - 1]!,
      { settledBefore: deps.now() },
    );
    const segments = planned.map((segment) => {
      const presented = presentSegment(segment.name, segment.title, catalog.get(segment.name), segment.def);
      return { ...presented, trend: sizesByDay(presented.size, days, stats.get(segment.name) ?? []) };
    });
    res.json({ version: active?.version ?? null, segments });
  });

  router.get('/v1/segments/:name', async (req, res) => {
    const active = await activePlan();
    const segment = active?.plan.byName.get(req.params.name);
    if (!active || !segment) throw notFound(`no segment ${req.params.name} in the active rules`);
    const { program, reader } = programs(active.rules);
    const decl = program.declarations.find((d): d is SegmentDecl => d.kind === 'segment' && d.name.text === segment.name);
    const declared = active.rules.ir.segments.find((s) => s.name === segment.name);
    res.json({
      ...presentSegment(segment.name, segment.title, (await stores.segments.get(segment.name)) ?? undefined, segment.def),
      source: decl ? reader.text(decl.span) : '',
      dependsOn: declared?.dependsOn ?? [],
      usedBy: segmentUsage(program.declarations, segment.name),
    });
  });

  router.post('/v1/segments/preview', express.text({ type: 'text/plain', limit: MAX_DRAFT_BYTES }), async (req, res) => {
    if (!req.is('text/plain') || typeof req.body !== 'string') {
      throw new HttpError(415, 'unsupported_media_type', 'send the draft segment as Content-Type: text/plain');
    }
    const preview = await previewSegments(stores, req.body, PREVIEW_SAMPLE, deps.now());
    if (!preview.segments) {
      res.status(422).json({ diagnostics: preview.diagnostics });
      return;
    }
    res.json({ computedAt: deps.now(), diagnostics: preview.diagnostics, segments: preview.segments });
  });

  /** Profile ids that `q` names: itself, and (for roles that see personal data) the owner of each identifier equal to it. */
  const profilesNamed = async (q: string, personal: boolean): Promise<string[]> => {
    if (!personal) return [q];
    const kinds = [...CORE_IDENTITY_KINDS, ...deps.externalIdKinds];
    const owners = await Promise.all(kinds.map((kind) => stores.identities.lookup({ kind, value: q })));
    return [...new Set([q, ...owners.filter((owner): owner is string => owner !== null)])];
  };

  /** A member as a role sees them: identifiers only for those who may see personal data. */
  const present = (member: { profileId: string; since: Date }, profile: ProfileDoc | null | undefined, personal: boolean) =>
    personal ? { ...member, identifiers: profile?.identities ?? {} } : member;

  router.get('/v1/segments/:name/members', async (req, res) => {
    const parsed = membersQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const { limit, cursor, q, format } = parsed.data;
    const segment = await activeSegment(req.params.name);
    // Who may see identifiers is the server's decision, by the role of the signed-in caller.
    const personal = SEES_PERSONAL_DATA.has(actorOf(res).role);

    // A search: each candidate's membership is one lookup of its bucket by `_id`.
    const found =
      q === undefined
        ? undefined
        : (await Promise.all((await profilesNamed(q, personal)).map((id) => stores.segmentMembers.member(segment.name, id)))).filter(
            (member): member is { profileId: string; since: Date } => member !== null,
          );

    if (format === 'csv' || (format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv')) {
      res.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', `attachment; filename="${segment.name}.csv"`);
      await write(res, csvRow(personal ? ['profile_id', 'since', 'user_ids', 'emails', 'anonymous_ids'] : ['profile_id', 'since']));
      const list = (values: string[] | undefined) => (values ?? []).join(' ');
      for await (const member of found ?? stores.segmentMembers.all(segment.name)) {
        if (!personal) {
          await write(res, csvRow([member.profileId, member.since]));
          continue;
        }
        const identities = (await stores.profiles.findExact(member.profileId))?.identities ?? {};
        await write(
          res,
          csvRow([member.profileId, member.since, list(identities.userId), list(identities.email), list(identities.anonymousId)]),
        );
      }
      res.end();
      return;
    }

    const page = found
      ? { members: found, next: undefined }
      : await stores.segmentMembers.page(segment.name, limit, cursor).catch((error: unknown) => {
          throw error instanceof InvalidCursorError ? badRequest('invalid_query', 'cursor: not a cursor this API returned') : error;
        });
    // The members' profiles in one `$in` of ids, and only for those who see identifiers.
    const profiles = personal ? await stores.profiles.findExactByIds(page.members.map((member) => member.profileId)) : new Map();
    res.json({
      segment: segment.name,
      members: page.members.map((member) => present(member, profiles.get(member.profileId) ?? null, personal)),
      nextCursor: page.next ?? null,
    });
  });

  router.get('/v1/segments/:name/history', async (req, res) => {
    const parsed = historyQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const segment = await activeSegment(req.params.name);
    const today = deps.now().toISOString().slice(0, 10);
    const to = parsed.data.to ?? today;
    const from = parsed.data.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    // Written so that NaN (a day before year 0, as `from` defaults to 29 days before `to`) is refused too.
    if (!(days >= 1 && days <= MAX_HISTORY_DAYS)) throw badRequest('invalid_query', `from..to: between 1 and ${MAX_HISTORY_DAYS} days`);
    // Every day from `from` to today is read (one lookup each): `to=0020-02-29` had it read
    // 730,000 days and the server stalled.
    if ((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1 > MAX_HISTORY_DAYS)
      throw badRequest('invalid_query', `from: at most ${MAX_HISTORY_DAYS} days ago`);
    const size = (await stores.segments.get(segment.name))?.size ?? 0;
    // Sizes are derived backwards from today's: the size after a period is today's minus what changed since.
    const counted = await stores.segmentStats.days(segment.name, from, today, { settledBefore: deps.now() });
    const points: { at: string; entered: number; exited: number }[] = [];
    for (const { day: date, hours } of counted) {
      const perHour = Object.entries(hours).sort(([a], [b]) => a.localeCompare(b));
      if (parsed.data.granularity === 'hour') {
        for (const [hour, counts] of perHour)
          points.push({ at: `${date}T${hour}:00:00.000Z`, entered: counts.entered ?? 0, exited: counts.exited ?? 0 });
      } else {
        points.push({
          at: `${date}T00:00:00.000Z`,
          ...perHour.reduce(
            (sum, [, counts]) => ({ entered: sum.entered + (counts.entered ?? 0), exited: sum.exited + (counts.exited ?? 0) }),
            { entered: 0, exited: 0 },
          ),
        });
      }
    }
    let after = size;
    const withSizes = points
      .reverse()
      .map((point) => {
        const result = { ...point, size: after };
        after -= point.entered - point.exited;
        return result;
      })
      .reverse();
    const end = `${to}T23:59:59.999Z`;
    res.json({
      segment: segment.name,
      granularity: parsed.data.granularity,
      from,
      to,
      size,
      points: withSizes.filter((point) => point.at <= end),
    });
  });

  return router;
}
