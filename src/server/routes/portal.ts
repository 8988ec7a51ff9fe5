/**
 * The person's privacy page (`/v1/portal/<signed link>`): what is held about them, their
 * consents and the history of their choices, recent activity and messages; they change a
 * consent (ledger origin `portal`), take a copy of their data, and ask to be forgotten.
 *
 * A link is the credential: signed, expiring, naming the profile id only. The shop's back
 * end asks for one (`POST /v1/privacy/portal-links`, admin), or the person asks at
 * `/v1/portal` with their e-mail address and receives it there; that page answers the same
 * whether the address is known or not, and attempts are limited per address and per client
 * (portal/rate-limit.ts), across every server process.
 *
 * Every change is a POST from a form (a GET changes nothing: link scanners open links),
 * answered with a redirect to a page that shows the result, so a reload repeats nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { portalPath } from '../../channels/links.js';
import { messageIdOf } from '../../channels/mailer.js';
import { needsConfirmation } from '../../consent/confirmation.js';
import { CONSENT_EVENTS } from '../../consent/events.js';
import { proofFromContext } from '../../ingest/consent-capture.js';
import type { ConsentRecordState, ProfileDoc } from '../../model.js';
import { signedReceipt } from '../../privacy/receipt.js';
import { openPrivacyRequest } from '../../privacy/requests.js';
import type { RateDecision, RateLimit } from '../../store/rate-limits.js';
import type { AppDeps } from '../deps.js';
import { badRequest, fromZod, notFound } from '../errors.js';
import { personIdentifierFields, namedIdentifier } from '../person-identifier.js';
import { escapeHtml as esc } from '../person-page.js';
import { publicBaseUrl } from '../public-url.js';
import { brandingOf } from '../portal/branding.js';
import { brandedPage } from '../portal/layout.js';
import { forgetConfirmPage, languageLinks, portalPage, REFRESH, requestPage, type ChoiceView } from '../portal/pages.js';
import { templateSubjects } from '../portal/subjects.js';
import { limitKeys, PORTAL_LIMITS } from '../portal/rate-limit.js';
import { chooseLang, formatInstant, LANGUAGES, TEXT, type Lang } from '../portal/text.js';
import { downloadPath } from './exports.js';
import { actorLabel, actorOf } from '../actor.js';

const HOUR_MS = 3_600_000;
/** A link mailed on request: short, since whoever reads the inbox holds it. */
const MAILED_LINK_MS = HOUR_MS;
const DEFAULT_ISSUED_LINK_HOURS = 24;
const RECENT = 20;
const HISTORY = 100;

export const portalLinkBody = z
  .object({
    ...personIdentifierFields,
    lang: z.enum(LANGUAGES).default('en'),
    expiresInHours: z.number().int().min(1).max(168).default(DEFAULT_ISSUED_LINK_HOURS),
  })
  .strict();

/** Every form also says the page's language; one not offered is ignored (chooseLang). */
const formLang = z.enum(LANGUAGES).optional().catch(undefined);

/** The request page's form: the address to mail a link to. */
export const linkRequestForm = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[^\s@]+@[^\s@]+$/)
    .max(254),
  lang: formLang,
});

/** The privacy page's consent form: a purpose the active rules declare, and the person's choice. */
export const consentForm = z.object({ purpose: z.string(), state: z.enum(['granted', 'revoked']), lang: formLang });

/** "Forget me" asks once more: the box ticked sends `confirm=yes`. */
export const eraseForm = z.object({ confirm: z.literal('yes'), lang: formLang });

/** The data-copy button: nothing but the language. */
export const exportForm = z.object({ lang: formLang });

const form = express.urlencoded({ extended: false, limit: '4kb' });
const formField = (req: Request, name: string): string | undefined => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** Admin: a link to a person's privacy page, for the shop to hand to them (its account page, an e-mail). */
export function portalLinkRoutes(deps: AppDeps): Router {
  const router = Router();
  router.post('/v1/privacy/portal-links', async (req, res) => {
    const parsed = portalLinkBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const { lang, expiresInHours, ...identifiers } = parsed.data;
    const { kind, value } = namedIdentifier(identifiers);
    const profileId = await deps.stores.identities.lookup({ kind, value });
    if (!profileId) throw notFound(`no person with that ${kind}`);
    const now = deps.now();
    const expiresAt = new Date(now.getTime() + expiresInHours * HOUR_MS);
    const token = deps.links.portalToken({ profileId, expiresAt, lang });
    await deps.stores.audit.record({
      at: now,
      kind: 'portal.link-issued',
      actor: actorLabel(actorOf(res)),
      subject: { profileId },
      detail: { by: kind, hours: expiresInHours },
    });
    res.status(201).json({ url: `${publicBaseUrl(deps, req)}${portalPath(token)}`, expiresAt });
  });
  return router;
}

/** Public: the request page, the privacy page and what its forms do. */
export function portalRoutes(deps: AppDeps): Router {
  const router = Router();
  const limitKey = limitKeys(deps.adminKey);

  /** Every page in the shop's branding, read per page (one lookup by `_id`): a change shows on the next page. */
  const page = async (res: Response, lang: Lang, status: number, title: string, body: string, head = '') => {
    const settings = (await deps.stores.settings.portal())?.value;
    brandedPage(res, brandingOf(settings), { status, title, body, lang, head });
  };
  const langOf = (req: Request, link?: string) => chooseLang(req.query.lang ?? formField(req, 'lang'), link, req.get('accept-language'));

  /** Undefined when the attempt is within the limit (and counted), else the refusal. */
  async function withinLimit(limit: RateLimit, key: string, now: Date): Promise<RateDecision | undefined> {
    const decision = await deps.stores.rateLimits.hit(limit, key, now);
    return decision.allowed ? undefined : decision;
  }

  /** 429 with Retry-After: the request page for a person's browser, the usual JSON error for a program that asks for JSON. */
  async function tooMany(req: Request, res: Response, lang: Lang, retryAfterMs: number): Promise<void> {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    res.setHeader('retry-after', String(seconds));
    if (req.accepts(['html', 'json']) === 'json') {
      res.status(429).json({
        error: {
          code: 'too_many_attempts',
          message: `too many requests for a privacy page link; try again in ${seconds} s`,
          details: { retryAfterSeconds: seconds },
        },
      });
      return;
    }
    await page(res, lang, 429, TEXT[lang].requestTitle, requestPage(lang, TEXT[lang].tooMany));
  }

  /** The link's person, or the page that says why there is none (and null). */
  async function personOf(req: Request, res: Response): Promise<{ profile: ProfileDoc; lang: Lang; token: string } | null> {
    const token = req.params.token as string;
    const link = deps.links.readPortalToken(token);
    const lang = langOf(req, link?.lang);
    const t = TEXT[lang];
    const askAgain = `<p><a href="/v1/portal?lang=${lang}">${esc(t.askAgain)}</a></p>`;
    if (!link) {
      await page(res, lang, 400, t.title, `<p>${esc(t.invalidLink)}</p>${askAgain}`);
      return null;
    }
    if (link.expiresAt.getTime() <= deps.now().getTime()) {
      await page(res, lang, 410, t.title, `<p>${esc(t.expiredLink)}</p>${askAgain}`);
      return null;
    }
    const profile = await deps.stores.profiles.findById(link.profileId);
    if (!profile) {
      await page(res, lang, 410, t.title, `<p>${esc(t.nothingHeld)}</p>`);
      return null;
    }
    return { profile, lang, token };
  }

  // --- asking for a link by e-mail

  router.get('/v1/portal', async (req, res) => {
    const lang = langOf(req);
    await page(res, lang, 200, TEXT[lang].requestTitle, requestPage(lang));
  });

  router.post('/v1/portal', form, async (req, res) => {
    const lang = langOf(req);
    const t = TEXT[lang];
    const asked = linkRequestForm.safeParse(req.body ?? {});
    if (!asked.success) return page(res, lang, 400, t.requestTitle, requestPage(lang, t.requestInvalid));
    const { email } = asked.data;
    const now = deps.now();
    // The client first: its refused attempts do not use up the address's budget.
    const decision =
      (await withinLimit(PORTAL_LIMITS.perClient, limitKey('client', req.ip ?? 'unknown'), now)) ??
      (await withinLimit(PORTAL_LIMITS.perAddress, limitKey('email', email), now));
    if (decision) return tooMany(req, res, lang, decision.retryAfterMs);
    const profileId = await deps.stores.identities.lookup({ kind: 'email', value: email });
    if (profileId) {
      // Not awaited: the answer takes as long whether the address is known or not.
      void mailPortalLink(profileId, email, lang, now);
    }
    await page(res, lang, 200, t.requestTitle, requestPage(lang, t.requestSent));
  });

  /**
   * Sent straight to SMTP, not queued as a journey's message: a link is useful now or not
   * at all, and the person asks again if it does not arrive.
   */
  async function mailPortalLink(profileId: string, email: string, lang: Lang, now: Date): Promise<void> {
    try {
      await deps.stores.audit.record({
        at: now,
        kind: 'portal.link-issued',
        actor: 'portal',
        subject: { profileId },
        detail: { by: 'email' },
      });
      if (!deps.mailer) {
        deps.logger.warn({ profileId }, 'privacy page link not mailed: no SMTP configured (ITINERA_SMTP_URL)');
        return;
      }
      const expiresAt = new Date(now.getTime() + MAILED_LINK_MS);
      const url = `${deps.linkBaseUrl}${portalPath(deps.links.portalToken({ profileId, expiresAt, lang }))}`;
      const t = TEXT[lang];
      const text = t.mailBody(url, formatInstant(expiresAt, lang));
      const html = `<p>${esc(text)
        .replace(/\n\n/g, '</p><p>')
        .replace(esc(url), `<a href="${esc(url)}">${esc(url)}</a>`)}</p>`;
      const answer = await deps.mailer.send({
        to: email,
        subject: t.mailSubject,
        text,
        html,
        messageId: messageIdOf(`portal:${randomUUID()}`, deps.mailer.from),
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      if (answer.kind !== 'sent') deps.logger.warn({ profileId, answer: answer.kind }, 'privacy page link not delivered');
    } catch (error) {
      deps.logger.warn({ err: error, profileId }, 'privacy page link not mailed');
    }
  }

  // --- an erasure the person asked for: its own link, which outlives the person's

  router.get('/v1/portal/erasures/:token', async (req, res) => {
    const link = deps.links.readErasureStatusToken(req.params.token);
    const lang = langOf(req, link?.lang);
    const t = TEXT[lang];
    const doc = link ? await deps.stores.privacyRequests.findById(link.requestId) : null;
    if (!doc || doc.kind !== 'erasure') return page(res, lang, 400, t.erasureTitle, `<p>${esc(t.invalidLink)}</p>`);
    const here = `/v1/portal/erasures/${req.params.token}`;
    if (doc.status === 'pending' || doc.status === 'running')
      return page(res, lang, 200, t.erasureTitle, `${languageLinks(here, lang)}<p role="status">${esc(t.erasureRunning)}</p>`, REFRESH);
    if (doc.status === 'failed') return page(res, lang, 200, t.erasureTitle, `<p>${esc(t.erasureFailed)}</p>`);
    const receipt = JSON.stringify(signedReceipt(doc, publicBaseUrl(deps, req), deps.privacyKeys), null, 2);
    await page(
      res,
      lang,
      200,
      t.erasureTitle,
      `${languageLinks(here, lang)}<p role="status">${esc(t.erasureDone(formatInstant(doc.completedAt ?? doc.updatedAt, lang)))}</p>` +
        `<h2>${esc(t.receipt)}</h2><p>${esc(t.receiptHelp)}</p><p><a href="${esc(here)}/receipt" download>${esc(t.receiptDownload)}</a> · <a href="/v1/receipt-key">/v1/receipt-key</a></p><pre>${esc(receipt)}</pre>`,
    );
  });

  router.get('/v1/portal/erasures/:token/receipt', async (req, res) => {
    const link = deps.links.readErasureStatusToken(req.params.token);
    const doc = link ? await deps.stores.privacyRequests.findById(link.requestId) : null;
    if (!doc || doc.kind !== 'erasure') throw badRequest('invalid_link', 'this is not an erasure link this server issued');
    if (doc.status !== 'completed') throw notFound('the erasure has not completed yet');
    res
      .set({ 'Content-Disposition': `attachment; filename="erasure-receipt-${doc._id}.json"`, 'Cache-Control': 'no-store' })
      .json(signedReceipt(doc, publicBaseUrl(deps, req), deps.privacyKeys));
  });

  // --- the person's page

  router.get('/v1/portal/:token', async (req, res) => {
    const person = await personOf(req, res);
    if (!person) return;
    const { profile, lang, token } = person;
    const rules = (await deps.stores.rules.active())?.ir;
    const titles = new Map((rules?.consents ?? []).map((consent) => [consent.name, consent.title ?? consent.name]));
    const choices: ChoiceView[] = [...titles].map(([purpose, title]) => {
      const current = profile.consents?.[purpose];
      return {
        purpose,
        title,
        state: current?.state ?? 'unset',
        ...(current ? { at: current.at } : {}),
        ...(current?.expiresAt ? { expiresAt: current.expiresAt } : {}),
      };
    });
    const ledger = await deps.stores.consents.findByIds((profile.consentLog ?? []).slice(-HISTORY));
    const history = ledger
      .sort((a, b) => b.at.getTime() - a.at.getTime() || b.recordedAt.getTime() - a.recordedAt.getTime())
      .map((record) => ({ ...record, title: titles.get(record.purpose) ?? record.purpose }));
    const events = await deps.stores.events.timeline(profile._id, { limit: RECENT, newest: profile.lastSeenAt });
    const messages = (await deps.stores.deliveries.ofProfiles([profile._id, ...(profile.mergedFrom ?? [])])).slice(0, RECENT);
    const subjects = await templateSubjects(deps.stores.templates, messages, profile);
    const settings = (await deps.stores.settings.portal())?.value;
    const body = portalPage({
      lang,
      base: portalPath(token),
      profile,
      choices,
      history,
      events,
      messages,
      subjects,
      labels: settings?.labels,
    });
    brandedPage(res, brandingOf(settings), { status: 200, title: TEXT[lang].title, body, lang });
  });

  router.post('/v1/portal/:token/consents', form, async (req, res) => {
    const person = await personOf(req, res);
    if (!person) return;
    const { profile, lang, token } = person;
    const chosen = consentForm.safeParse(req.body ?? {});
    const purpose = chosen.success ? chosen.data.purpose : '';
    const declared = (await deps.stores.rules.active())?.ir.consents.find((consent) => consent.name === purpose);
    if (!chosen.success || !declared) return page(res, lang, 400, TEXT[lang].title, `<p>${esc(TEXT[lang].invalidLink)}</p>`);
    const asked = chosen.data.state;
    // A grant of a purpose with double opt-in waits, pending, for the e-mail's confirmation.
    const state: ConsentRecordState = asked === 'granted' && needsConfirmation(declared, { kind: 'portal' }) ? 'pending' : asked;
    const current = profile.consents?.[purpose];
    const { userAgent, ip } = proofFromContext({ context: { userAgent: req.get('user-agent') } }, req.ip);
    // The same form sent twice against the same current state records one change.
    const linkHash = createHash('sha256').update(token).digest('hex').slice(0, 16);
    await deps.ingestor.ingestForProfile(
      profile._id,
      {
        event: CONSENT_EVENTS[state],
        properties: { purpose, state, via: 'portal' },
        messageId: `portal:${linkHash}:${purpose}:${state}:${current?.recordId ?? 'none'}`,
        timestamp: deps.now(),
        consent: {
          changes: [{ purpose, state }],
          origin: { kind: 'portal', source: 'portal' },
          proof: { method: 'portal', ...(userAgent ? { userAgent } : {}), ...(ip ? { ip } : {}) },
        },
      },
      { receivedAt: deps.now(), source: 'portal' },
    );
    await deps.profilesSettled();
    res.redirect(303, `${portalPath(token)}?lang=${lang}#choices`);
  });

  router.post('/v1/portal/:token/export', form, async (req, res) => {
    const person = await personOf(req, res);
    if (!person) return;
    const doc = await openPrivacyRequest(deps, { kind: 'export', profileId: person.profile._id, by: 'portal', actor: 'portal' });
    res.redirect(303, `${portalPath(person.token)}/exports/${doc._id}?lang=${person.lang}`);
  });

  router.get('/v1/portal/:token/exports/:id', async (req, res) => {
    const person = await personOf(req, res);
    if (!person) return;
    const { profile, lang, token } = person;
    const t = TEXT[lang];
    const doc = await deps.stores.privacyRequests.findById(req.params.id);
    const back = `<p><a href="${esc(portalPath(token))}?lang=${lang}">${esc(t.back)}</a></p>`;
    // Another person's export id is not found here: the link's person must own it.
    if (!doc || doc.kind !== 'export' || doc.profileId !== profile._id)
      return page(res, lang, 404, t.yourData, `<p>${esc(t.exportGone)}</p>${back}`);
    if (doc.status === 'pending' || doc.status === 'running')
      return page(res, lang, 200, t.yourData, `<p role="status">${esc(t.exportPreparing)}</p>${back}`, REFRESH);
    const href = downloadPath(doc, deps);
    if (!href || !doc.bundle) return page(res, lang, 410, t.yourData, `<p>${esc(t.exportGone)}</p>${back}`);
    await page(
      res,
      lang,
      200,
      t.yourData,
      `<p role="status">${esc(t.exportReady(formatInstant(doc.bundle.expiresAt, lang)))}</p><p><a href="${esc(href)}" download>${esc(t.exportDownload)}</a></p>${back}`,
    );
  });

  router.get('/v1/portal/:token/erase', async (req, res) => {
    const person = await personOf(req, res);
    if (!person) return;
    await page(
      res,
      person.lang,
      200,
      TEXT[person.lang].forgetConfirmTitle,
      forgetConfirmPage(portalPath(person.token), person.lang, false),
    );
  });

  router.post('/v1/portal/:token/erase', form, async (req, res) => {
    const person = await personOf(req, res);
    if (!person) return;
    const { profile, lang, token } = person;
    if (!eraseForm.safeParse(req.body ?? {}).success)
      return page(res, lang, 400, TEXT[lang].forgetConfirmTitle, forgetConfirmPage(portalPath(token), lang, true));
    // Asked twice (a second tab, a resent form): the erasure under way answers both.
    const doc =
      (await deps.stores.privacyRequests.openErasureOf(profile._id)) ??
      (await openPrivacyRequest(deps, { kind: 'erasure', profileId: profile._id, by: 'portal', actor: 'portal' }));
    res.redirect(303, `/v1/portal/erasures/${deps.links.erasureStatusToken(doc._id, lang)}`);
  });

  return router;
}
