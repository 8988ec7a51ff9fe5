/**
 * Messages → Deliveries, for the console (docs/console.md, "Messages — deliveries"): every
 * message with its channel, template, person and status history, filtered by journey,
 * broadcast, template, status and time, newest first; and the outcomes per day for the
 * chart. Neither reads the messages collection whole: the list reads only the minutes its
 * hour documents say hold messages, the chart reads day counters by `_id`
 * (src/store/delivery-counts.ts). Every role may read; the address, the values rendered
 * and a webhook's answer only roles that see personal data.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { SEES_PERSONAL_DATA } from '../../accounts/roles.js';
import { addressOf } from '../../channels/deliver.js';
import type { DeliveryStatus } from '../../model.js';
import { isBounce, type DeliveryDoc, type DeliveryPageQuery } from '../../store/deliveries.js';
import { DELIVERY_CHANNELS, DELIVERY_OUTCOMES, type DeliveryDayDoc, type Scope } from '../../store/delivery-counts.js';
import { actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import { badRequest, fromZod } from '../errors.js';

const DAY_MS = 86_400_000;
/** The longest window asked at once. */
export const MAX_DELIVERY_DAYS = 366;
const DEFAULT_DAYS = 30;
/** Messages read at most for one page of the list (a filter by status may match few of them). */
const PAGE_BUDGET = 5_000;

export const DELIVERY_STATUS_FILTERS = [
  'queued',
  'deferred',
  'sending',
  'sent',
  'failed',
  'skipped',
  'not-configured',
  'bounced',
  'unsubscribed',
] as const;

const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);
/** A day (`2026-12-07`, UTC) or an instant (ISO 8601 with its zone). */
const dayOrInstant = z
  .string()
  .refine((value) => {
    if (isDay(value)) {
      const date = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
    }
    return z.iso.datetime({ offset: true }).safeParse(value).success;
  }, 'must be a day (YYYY-MM-DD) or an instant (ISO 8601)')
  .meta({ example: '2026-12-01' });
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD')
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
  }, 'must be a day of the calendar');
const name = z.string().min(1).max(200);

export const deliveriesQuery = z
  .object({
    journey: name.optional().meta({ description: "Only this journey's messages" }),
    broadcast: name.optional().meta({ description: "Only this broadcast's messages" }),
    template: name.optional().meta({ description: 'Only messages of this e-mail template (or webhook destination)' }),
    status: z
      .enum(DELIVERY_STATUS_FILTERS)
      .optional()
      .meta({ description: 'The status now; `bounced`: failed with an SMTP 5xx; `unsubscribed`: its link was used' }),
    from: dayOrInstant.optional().meta({ description: 'First recorded at or after (a day: its start, UTC); default 29 days before `to`' }),
    to: dayOrInstant.optional().meta({ description: 'First recorded at or before (a day: its end, UTC); default now' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(1_000).optional().meta({ description: "The previous answer's `nextCursor`" }),
  })
  .strict();

export const deliveryStatsQuery = z
  .object({
    from: day.optional().meta({ description: 'First day (UTC), inclusive; default 29 days before `to`' }),
    to: day.optional().meta({ description: 'Last day (UTC), inclusive; default today' }),
    journey: name.optional().meta({ description: "Only this journey's messages" }),
    broadcast: name.optional().meta({ description: "Only this broadcast's messages" }),
  })
  .strict();

const encodeCursor = (next: { at: Date; key: string }) =>
  Buffer.from(JSON.stringify([next.at.toISOString(), next.key])).toString('base64url');
function decodeCursor(cursor: string): { at: Date; key: string } {
  try {
    const [at, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || typeof key !== 'string' || Number.isNaN(Date.parse(at))) throw new Error('bad cursor');
    return { at: new Date(at), key };
  } catch {
    throw badRequest('invalid_query', 'cursor: not a cursor this API returned', [{ path: 'cursor', message: 'not a cursor' }]);
  }
}

/** The window: `from` at a day's start, `to` at a day's end; at most a year. */
function windowOf(now: Date, fromText?: string, toText?: string): { from: Date; to: Date } {
  const to = toText === undefined ? now : isDay(toText) ? new Date(Date.parse(`${toText}T00:00:00Z`) + DAY_MS - 1) : new Date(toText);
  const from =
    fromText === undefined
      ? new Date(Date.parse(`${to.toISOString().slice(0, 10)}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS)
      : new Date(isDay(fromText) ? `${fromText}T00:00:00Z` : fromText);
  if (from > to) throw badRequest('invalid_range', 'from: must not be after to', [{ path: 'from', message: 'after to' }]);
  if (to.getTime() - from.getTime() > MAX_DELIVERY_DAYS * DAY_MS)
    throw badRequest('invalid_range', `at most ${MAX_DELIVERY_DAYS} days at once`, [{ path: 'from', message: 'window too long' }]);
  return { from, to };
}

function scopeOf(query: { journey?: string; broadcast?: string; template?: string }): Scope {
  if (query.journey !== undefined) return `j:${query.journey}`;
  if (query.broadcast !== undefined) return `b:${query.broadcast}`;
  if (query.template !== undefined) return `t:${query.template}`;
  return '*';
}

function matcherOf(status: (typeof DELIVERY_STATUS_FILTERS)[number] | undefined): DeliveryPageQuery['match'] {
  if (status === undefined) return undefined;
  if (status === 'bounced') return (doc) => doc.status === 'failed' && isBounce(doc.detail);
  if (status === 'unsubscribed') return (doc) => doc.unsubscribedAt !== undefined;
  return (doc) => doc.status === (status as DeliveryStatus);
}

/** A message as the list shows it; the address, `with` and a webhook's answer only for roles that see personal data. */
function present(doc: DeliveryDoc, personal: boolean, address: string | undefined) {
  const { _id, name: template, consents: _consents, with: values, answer, bucket: _bucket, history, ...rest } = doc;
  return {
    key: _id,
    ...rest,
    template,
    history: history ?? [],
    ...(personal ? { with: values, ...(answer ? { answer } : {}), ...(address ? { address } : {}) } : {}),
  };
}

const seesPersonal = (res: Response) => SEES_PERSONAL_DATA.has(actorOf(res).role);

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function dayCounts(doc: DeliveryDayDoc | undefined) {
  const channels = Object.fromEntries(
    DELIVERY_CHANNELS.map((channel) => [
      channel,
      Object.fromEntries(DELIVERY_OUTCOMES.map((outcome) => [outcome, doc?.[channel]?.[outcome] ?? 0])),
    ]),
  ) as Record<(typeof DELIVERY_CHANNELS)[number], Record<(typeof DELIVERY_OUTCOMES)[number], number>>;
  const total = Object.fromEntries(
    DELIVERY_OUTCOMES.map((outcome) => [outcome, DELIVERY_CHANNELS.reduce((sum, channel) => sum + channels[channel][outcome], 0)]),
  );
  return { ...total, channels };
}

export function deliveryRoutes(deps: AppDeps): Router {
  const router = Router();
  const { stores } = deps;

  router.get('/v1/deliveries', async (req, res) => {
    const parsed = deliveriesQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const query = parsed.data;
    const { from, to } = windowOf(deps.now(), query.from, query.to);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const match = matcherOf(query.status);
    const page = await stores.deliveries.page({
      from,
      to,
      scope: scopeOf(query),
      equal: {
        ...(query.journey !== undefined ? { journey: query.journey } : {}),
        ...(query.broadcast !== undefined ? { broadcast: query.broadcast } : {}),
        ...(query.template !== undefined ? { name: query.template } : {}),
      },
      ...(match ? { match } : {}),
      limit: query.limit,
      ...(after ? { after } : {}),
      budget: PAGE_BUDGET,
    });
    const personal = seesPersonal(res);
    const addresses = new Map<string, string>();
    if (personal) {
      // The page's people in one read by `_id`: where their e-mail goes now. A message keeps
      // the id it was sent under; a profile merged since is found under the survivor.
      const ids = [...new Set(page.docs.filter((doc) => doc.channel === 'email').map((doc) => doc.profileId))];
      for (const [id, profile] of await stores.profiles.findByIds(ids)) {
        const address = addressOf(profile);
        if (address) addresses.set(id, address);
      }
    }
    res.json({
      from: from.toISOString(),
      to: to.toISOString(),
      personal,
      deliveries: page.docs.map((doc) => present(doc, personal, doc.channel === 'email' ? addresses.get(doc.profileId) : undefined)),
      nextCursor: page.next ? encodeCursor(page.next) : null,
      scanned: page.scanned,
      partial: page.partial,
    });
  });

  router.get('/v1/delivery-stats', async (req, res) => {
    const parsed = deliveryStatsQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const to = parsed.data.to ?? deps.now().toISOString().slice(0, 10);
    const from = parsed.data.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
    if (from > to) throw badRequest('invalid_range', 'from: must not be after to', [{ path: 'from', message: 'after to' }]);
    const days = daysBetween(from, to);
    if (days.length > MAX_DELIVERY_DAYS)
      throw badRequest('invalid_range', `at most ${MAX_DELIVERY_DAYS} days at once`, [{ path: 'from', message: 'window too long' }]);
    const counted = await stores.deliveries.counts.days(days, scopeOf(parsed.data));
    res.json({ from, to, days: days.map((d) => ({ day: d, ...dayCounts(counted.get(d)) })) });
  });

  return router;
}
