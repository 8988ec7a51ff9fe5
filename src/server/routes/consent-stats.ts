/**
 * Consent over time, for the console's Consent page: per purpose the active rules declare,
 * the ledger records written each day (granted, denied, revoked, pending), read from one
 * counter document per purpose and day (src/store/consents.ts) — `_id` lookups, never a
 * scan of the ledger, which on FerretDB any other filter would be.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { badRequest, fromZod } from '../errors.js';

const DAY_MS = 24 * 3600 * 1000;
/** The longest window asked at once: a year of days per purpose. */
export const MAX_STATS_DAYS = 366;
const DEFAULT_DAYS = 30;

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD')
  .refine((day) => {
    // 2026-02-30 is no day: the date either fails to parse or rolls over into March.
    const date = new Date(`${day}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
  }, 'must be a day of the calendar');

export const consentStatsQuery = z
  .object({
    from: isoDay.optional().meta({ description: 'First day (UTC), inclusive; default 29 days before `to`' }),
    to: isoDay.optional().meta({ description: 'Last day (UTC), inclusive; default today' }),
  })
  .strict();

export const CONSENT_DAY_STATES = ['granted', 'denied', 'revoked', 'pending'] as const;

/** The days from `from` to `to`, inclusive, as `YYYY-MM-DD`. */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

export function consentStatsRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/v1/consent-stats', async (req, res) => {
    const parsed = consentStatsQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const to = parsed.data.to ?? deps.now().toISOString().slice(0, 10);
    const from = parsed.data.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
    if (from > to) throw badRequest('invalid_range', 'from: must not be after to', [{ path: 'from', message: 'after to' }]);
    const days = daysBetween(from, to);
    if (days.length > MAX_STATS_DAYS)
      throw badRequest('invalid_range', `at most ${MAX_STATS_DAYS} days at once`, [{ path: 'from', message: 'window too long' }]);
    const declared = (await deps.stores.rules.active())?.ir.consents ?? [];
    const counted = await deps.stores.consents.dailyCounts(
      declared.map((consent) => consent.name),
      days,
    );
    const byId = new Map(counted.map((doc) => [`${doc.day}|${doc.purpose}`, doc]));
    res.json({
      from,
      to,
      purposes: declared.map((consent) => ({
        purpose: consent.name,
        ...(consent.title !== undefined ? { title: consent.title } : {}),
        days: days.map((day) => {
          const doc = byId.get(`${day}|${consent.name}`);
          return { day, ...Object.fromEntries(CONSENT_DAY_STATES.map((state) => [state, doc?.[state] ?? 0])) };
        }),
      })),
    });
  });

  return router;
}
