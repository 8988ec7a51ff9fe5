/**
 * Segments, for admins: each segment of the active rules with its size and state, its
 * members (pages, or the whole list as CSV), its entries and exits over time, and the
 * preview of a draft before it is deployed. Everything is read from what the segment
 * engine stores; nothing here evaluates a condition except the preview.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { SegmentCatalogDoc } from '../../model.js';
import { planOf } from '../../segments/plan.js';
import { previewSegments } from '../../segments/preview.js';
import { InvalidCursorError } from '../../store/segment-members.js';
import type { AppDeps } from '../app.js';
import { csvRow, write } from '../csv.js';
import { badRequest, fromZod, HttpError, notFound } from '../errors.js';

const MAX_DRAFT_BYTES = '256kb';
const PREVIEW_SAMPLE = 20;

const membersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).optional(),
}).strict();

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD');
const historyQuery = z.object({
  granularity: z.enum(['day', 'hour']).default('day'),
  from: day.optional(),
  to: day.optional(),
}).strict();

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

export function segmentRoutes(deps: AppDeps): Router {
  const router = Router();
  const { stores } = deps;

  const activePlan = async () => {
    const rules = await stores.rules.active();
    return rules ? { version: rules._id, plan: planOf(rules.ir) } : null;
  };
  const activeSegment = async (name: string) => {
    const active = await activePlan();
    const segment = active?.plan.byName.get(name);
    if (!segment) throw notFound(`no segment ${name} in the active rules`);
    return segment;
  };

  router.get('/v1/segments', async (_req, res) => {
    const active = await activePlan();
    const catalog = new Map((await stores.segments.all()).map((doc) => [doc._id, doc]));
    res.json({
      version: active?.version ?? null,
      segments: (active?.plan.segments ?? []).map((segment) => presentSegment(segment.name, segment.title, catalog.get(segment.name), segment.def)),
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

  router.get('/v1/segments/:name/members', async (req, res) => {
    const parsed = membersQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const segment = await activeSegment(req.params.name);
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', `attachment; filename="${segment.name}.csv"`);
      await write(res, csvRow(['profile_id', 'since', 'user_ids', 'emails', 'anonymous_ids']));
      for await (const member of stores.segmentMembers.all(segment.name)) {
        const identities = (await stores.profiles.findExact(member.profileId))?.identities ?? {};
        const list = (values: string[] | undefined) => (values ?? []).join(' ');
        await write(res, csvRow([member.profileId, member.since, list(identities.userId), list(identities.email), list(identities.anonymousId)]));
      }
      res.end();
      return;
    }
    const page = await stores.segmentMembers.page(segment.name, parsed.data.limit, parsed.data.cursor).catch((error: unknown) => {
      throw error instanceof InvalidCursorError ? badRequest('invalid_query', 'cursor: not a cursor this API returned') : error;
    });
    res.json({ segment: segment.name, members: page.members, nextCursor: page.next ?? null });
  });

  router.get('/v1/segments/:name/history', async (req, res) => {
    const parsed = historyQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const segment = await activeSegment(req.params.name);
    const today = deps.now().toISOString().slice(0, 10);
    const to = parsed.data.to ?? today;
    const from = parsed.data.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    if (days < 1 || days > MAX_HISTORY_DAYS) throw badRequest('invalid_query', `from..to: between 1 and ${MAX_HISTORY_DAYS} days`);
    const size = (await stores.segments.get(segment.name))?.size ?? 0;
    // Sizes are derived backwards from today's: the size after a period is today's minus what changed since.
    const counted = await stores.segmentStats.days(segment.name, from, today);
    const points: { at: string; entered: number; exited: number }[] = [];
    for (const { day: date, hours } of counted) {
      const perHour = Object.entries(hours).sort(([a], [b]) => a.localeCompare(b));
      if (parsed.data.granularity === 'hour') {
        for (const [hour, counts] of perHour) points.push({ at: `${date}T${hour}:00:00.000Z`, entered: counts.entered ?? 0, exited: counts.exited ?? 0 });
      } else {
        points.push({ at: `${date}T00:00:00.000Z`, ...perHour.reduce((sum, [, counts]) => ({ entered: sum.entered + (counts.entered ?? 0), exited: sum.exited + (counts.exited ?? 0) }), { entered: 0, exited: 0 }) });
      }
    }
    let after = size;
    const withSizes = points.reverse().map((point) => {
      const result = { ...point, size: after };
      after -= point.entered - point.exited;
      return result;
    }).reverse();
    const end = `${to}T23:59:59.999Z`;
    res.json({ segment: segment.name, granularity: parsed.data.granularity, from, to, size, points: withSizes.filter((point) => point.at <= end) });
  });

  return router;
}
