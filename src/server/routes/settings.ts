/**
 * Run-time settings (admin): the privacy page's look and labels, read and replaced as a
 * whole, each change audited (`settings.changed`); and a preview of the page with those
 * settings over made-up data (portal/sample.ts), so an admin sees what a person will see
 * without opening anyone's page.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { PortalSettings } from '../../store/settings.js';
import type { AppDeps } from '../deps.js';
import { fromZod, HttpError } from '../errors.js';
import { actorLabel, actorOf } from '../actor.js';
import { brandingOf, portalSettingsBody, unreadablePairs } from '../portal/branding.js';
import { brandedPage } from '../portal/layout.js';
import { portalPage } from '../portal/pages.js';
import { samplePortalView } from '../portal/sample.js';
import { LANGUAGES, TEXT } from '../portal/text.js';

export const previewQuery = z.object({ lang: z.enum(LANGUAGES).default('en') }).strict();

export const PREVIEW_PATH = '/v1/settings/portal/preview';

/** What changed, by top-level field: names only, as every audit entry keeps. */
function changedFields(before: PortalSettings | undefined, after: PortalSettings): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]) as Set<keyof PortalSettings>;
  return [...keys].filter((key) => JSON.stringify(before?.[key]) !== JSON.stringify(after[key])).sort();
}

export function settingsRoutes(deps: AppDeps): Router {
  const router = Router();

  const show = async () => {
    const stored = await deps.stores.settings.portal();
    return { ...(stored?.value ?? {}), ...(stored ? { updatedAt: stored.updatedAt } : {}) };
  };

  router.get('/v1/settings/portal', async (_req, res) => {
    res.json(await show());
  });

  router.put('/v1/settings/portal', async (req, res) => {
    const parsed = portalSettingsBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const settings = parsed.data as PortalSettings;
    const unreadable = unreadablePairs(settings.colours);
    if (unreadable.length > 0) {
      throw new HttpError(
        422,
        'unreadable_colours',
        unreadable.map((pair) => pair.message).join('; '),
        unreadable.map(({ path, message, ratio }) => ({ path, message, ratio })),
      );
    }
    const before = (await deps.stores.settings.portal())?.value;
    await deps.stores.settings.setPortal(settings, deps.now());
    await deps.stores.audit.record({
      at: deps.now(),
      kind: 'settings.changed',
      actor: actorLabel(actorOf(res)),
      subject: { area: 'portal' },
      detail: { fields: changedFields(before, settings) },
    });
    res.json(await show());
  });

  router.get(PREVIEW_PATH, async (req, res) => {
    const parsed = previewQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const { lang } = parsed.data;
    const settings = (await deps.stores.settings.portal())?.value;
    const consents = (await deps.stores.rules.active())?.ir.consents ?? [];
    const body = portalPage(samplePortalView(lang, settings, consents, PREVIEW_PATH));
    brandedPage(res, brandingOf(settings), { status: 200, title: TEXT[lang].title, body, lang });
  });

  return router;
}
