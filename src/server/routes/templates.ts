/**
 * E-mail templates: stored once they parse, listed with who uses them, previewed against a
 * profile, and for the console's editor (docs/console.md, "Messages — templates") a draft
 * rendered without being stored and a test send of a draft to an address the user types.
 *
 * Rendering for a real person reads their traits: it is audited as `profile.viewed`, once
 * per user, person and 10-minute window (a live preview renders on every pause in typing). A
 * test send goes through the SMTP transport real sends use but is no delivery: nothing is
 * recorded for a person, no cap counts it; it is audited (`template.test_sent`) and limited
 * per user, so the console is not an open relay.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { emailAddress } from '../email-address.js';
import { addressOf } from '../../channels/deliver.js';
import { messageIdOf } from '../../channels/mailer.js';
import { sendSteps } from '../../channels/send-steps.js';
import {
  checkTemplate,
  renderTemplate,
  TemplateRenderError,
  type RenderedMessage,
  type TemplateParts,
  type TemplateProblem,
  type TemplateScope,
} from '../../channels/templates.js';
import type { ProfileDoc } from '../../model.js';
import type { RateLimit } from '../../store/rate-limits.js';
import type { TemplateDoc } from '../../store/templates.js';
import { actorLabel, actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import { badRequest, fromZod, HttpError, notFound } from '../errors.js';

/** Names as `send email "<name>"` gives them: printable, no slash, at most 100 characters. */
export const MESSAGE_NAME = /^[^\s/][^/]{0,99}$/;

const TEMPLATE_BYTES = 256 * 1024;

/** Test sends per user and minute: enough to iterate on a template, too few to mail a list. */
export const TEST_SEND_LIMIT: RateLimit = { name: 'template-test-send', limit: 10, windowMs: 60_000 };
/** One audit entry per user and person in this window, however many previews they render. */
const RENDER_AUDIT_WINDOW: RateLimit = { name: 'template-render-audit', limit: 1, windowMs: 10 * 60_000 };
/** Test sends say so in the inbox. */
export const TEST_SUBJECT_PREFIX = '[Test] ';

const templateShape = {
  subject: z.string().min(1, 'a subject is required').max(998, 'a subject is one header line: at most 998 characters'),
  html: z.string().min(1, 'an HTML body is required').max(TEMPLATE_BYTES),
  text: z.string().max(TEMPLATE_BYTES).optional(),
};

export const templateBody = z.object(templateShape).strict();

const withValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const previewBody = z
  .object({
    profileId: z.string().min(1, 'the profile to render it for'),
    with: withValues.optional(),
  })
  .strict();

/** Made-up data to render a template with: what `traits`, `with` and `purpose` hold in it. */
const sampleData = z
  .object({
    traits: z.record(z.string(), z.json()).optional().meta({ description: "The person's traits, as `traits.<name>` reads them" }),
    with: withValues.optional().meta({ description: "The step's `with { … }` values" }),
    purpose: z.string().max(200).optional().meta({ description: "A confirmation e-mail's `purpose`" }),
  })
  .strict();

/** Where the data comes from: made-up `sample` data, or a real person's traits (`profileId`) with `sample.with`. */
const dataSource = {
  sample: sampleData.optional(),
  profileId: z.string().min(1).max(200).optional().meta({ description: "Render with this person's traits (audited as `profile.viewed`)" }),
};

const notBoth = (body: { sample?: { traits?: unknown } | undefined; profileId?: string | undefined }, ctx: z.RefinementCtx) => {
  if (body.profileId !== undefined && body.sample?.traits !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['sample', 'traits'],
      message: "either a person's traits (profileId) or sample traits, not both",
    });
};

export const renderBody = z
  .object({ ...templateShape, ...dataSource })
  .strict()
  .superRefine(notBoth)
  .meta({
    example: {
      subject: 'Chapter {{ with.chapter }} for {{ traits.first_name | default: "you" }}',
      html: '<p>Hello {{ traits.first_name }}</p>',
      sample: { traits: { first_name: 'Ada' }, with: { chapter: 1 } },
    },
  });

export const testSendBody = z
  .object({
    to: z.string().max(254).meta({ description: 'One e-mail address: where the test goes (typically your own)' }),
    name: z.string().optional().meta({ description: 'A stored template to send; else the draft in `subject`, `html`, `text`' }),
    subject: templateShape.subject.optional(),
    html: templateShape.html.optional(),
    text: templateShape.text,
    ...dataSource,
  })
  .strict()
  .superRefine((body, ctx) => {
    notBoth(body, ctx);
    const draft = body.subject !== undefined || body.html !== undefined || body.text !== undefined;
    if (body.name !== undefined && draft)
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'either a stored template (name) or a draft (subject, html, text), not both',
      });
    if (body.name === undefined) {
      if (body.subject === undefined) ctx.addIssue({ code: 'custom', path: ['subject'], message: 'a subject is required (or a name)' });
      if (body.html === undefined) ctx.addIssue({ code: 'custom', path: ['html'], message: 'an HTML body is required (or a name)' });
    }
  })
  .meta({ example: { to: 'me@shop.example', name: 'welcome', sample: { traits: { first_name: 'Ada' } } } });

const address = emailAddress();

export function checkedName(name: string | undefined, what: string): string {
  if (!name || !MESSAGE_NAME.test(name))
    throw new HttpError(400, 'invalid_name', `${what} names are 1 to 100 characters, no slash, not starting with a space`);
  return name;
}

function present(template: TemplateDoc) {
  const { _id, ...rest } = template;
  return { name: _id, ...rest };
}

/** 422 `template_invalid`, each mistake with its part and, when known, line and column. */
function invalid(problems: TemplateProblem[]): HttpError {
  return new HttpError(
    422,
    'template_invalid',
    problems.map((p) => `${p.part}${p.line ? ` ${p.line}:${p.column}` : ''}: ${p.message}`).join('; '),
    problems,
  );
}

function parsedOrThrow(parts: TemplateParts): TemplateParts {
  const problems = checkTemplate(parts);
  if (problems.length > 0) throw invalid(problems);
  return parts;
}

/** A keyed counter's key for the actor: a hash, as the counters' `_id`s take letters, digits, - and _. */
const actorKey = (label: string, ...more: string[]) =>
  createHash('sha256')
    .update([label, ...more].join('\u0000'))
    .digest('base64url');

export function templateRoutes(deps: AppDeps): Router {
  const router = Router();

  /** What a template sees: links point nowhere real (a preview or a test is no message to a person). */
  function scopeOf(traits: Record<string, unknown>, values: Record<string, unknown>, profileId: string, purpose?: string): TemplateScope {
    return {
      traits,
      with: values,
      profile_id: profileId,
      unsubscribe_url: `${deps.linkBaseUrl}/v1/unsubscribe/(preview)`,
      confirm_url: `${deps.linkBaseUrl}/v1/confirm/(preview)`,
      ...(purpose === undefined ? {} : { purpose }),
    };
  }

  async function render(parts: TemplateParts, scope: TemplateScope): Promise<RenderedMessage> {
    try {
      return await renderTemplate(parts, scope);
    } catch (error) {
      if (error instanceof TemplateRenderError) throw invalid([error.problem]);
      throw error;
    }
  }

  /** The person a render reads, its read audited once per user, person and window. */
  async function personFor(res: Response, profileId: string, via: string): Promise<ProfileDoc> {
    const profile = await deps.stores.profiles.findById(profileId);
    if (!profile) throw notFound('no profile with that id');
    const actor = actorLabel(actorOf(res));
    const now = deps.now();
    const first = await deps.stores.rateLimits.hit(RENDER_AUDIT_WINDOW, actorKey(actor, profile._id), now);
    if (first.count === 1)
      await deps.stores.audit.record({ at: now, kind: 'profile.viewed', actor, subject: { profileId: profile._id }, detail: { via } });
    return profile;
  }

  /** The scope of a draft's render or test: sample data, or a real person's traits. */
  async function dataFor(
    res: Response,
    body: { sample?: z.infer<typeof sampleData> | undefined; profileId?: string | undefined },
    via: string,
  ) {
    const values = body.sample?.with ?? {};
    if (body.profileId === undefined)
      return { profile: undefined, scope: scopeOf(body.sample?.traits ?? {}, values, 'p_sample', body.sample?.purpose) };
    const profile = await personFor(res, body.profileId, via);
    return { profile, scope: scopeOf(profile.traits, values, profile._id, body.sample?.purpose) };
  }

  router.put('/v1/templates/:name', async (req, res) => {
    const name = checkedName(req.params.name, 'template');
    const parsed = templateBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    parsedOrThrow(parsed.data);
    const created = await deps.stores.templates.put(name, parsed.data, deps.now());
    res.status(created ? 201 : 200).json({ name, created });
  });

  router.get('/v1/templates', async (_req, res) => {
    const templates = await deps.stores.templates.list();
    const used = usedTemplates(await deps.stores.rules.active());
    res.json({
      templates: templates.map((t) => ({ name: t._id, subject: t.subject, updatedAt: t.updatedAt, usedBy: used.get(t._id) ?? [] })),
      // Named by the active rules, not stored: their sends are recorded as failed.
      missing: [...used.keys()].filter((name) => !templates.some((t) => t._id === name)).sort(),
    });
  });

  // A draft, rendered and never stored: the console's live preview.
  router.post('/v1/templates/render', async (req, res) => {
    const parsed = renderBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const { subject, html, text } = parsed.data;
    const parts = parsedOrThrow({ subject, html, ...(text === undefined ? {} : { text }) });
    const { scope } = await dataFor(res, parsed.data, 'template render');
    res.json(await render(parts, scope));
  });

  router.post('/v1/templates/test-send', async (req, res) => {
    const parsed = testSendBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const body = parsed.data;
    const to = body.to.trim();
    if (!address.safeParse(to).success) throw badRequest('invalid_address', '`to` is one e-mail address, such as me@shop.example');
    let parts: TemplateParts;
    if (body.name !== undefined) {
      const stored = await deps.stores.templates.get(checkedName(body.name, 'template'));
      if (!stored) throw notFound('no template with that name');
      parts = { subject: stored.subject, html: stored.html, ...(stored.text === undefined ? {} : { text: stored.text }) };
    } else {
      parts = parsedOrThrow({ subject: body.subject!, html: body.html!, ...(body.text === undefined ? {} : { text: body.text }) });
    }
    const { profile, scope } = await dataFor(res, body, 'template test send');
    // Restricted (art. 18): kept, not processed; mailing their data is processing.
    if (profile?.restricted) throw new HttpError(409, 'profile_restricted', 'this person is restricted: their data is not used to send');
    const rendered = await render(parts, scope);
    if (!deps.mailer)
      throw new HttpError(503, 'smtp_not_configured', 'no SMTP server is configured (ITINERA_SMTP_URL): nothing can be sent');

    const actor = actorLabel(actorOf(res));
    const now = deps.now();
    const allowed = await deps.stores.rateLimits.hit(TEST_SEND_LIMIT, actorKey(actor), now);
    if (!allowed.allowed) {
      const seconds = Math.max(1, Math.ceil(allowed.retryAfterMs / 1000));
      res.setHeader('retry-after', String(seconds));
      throw new HttpError(429, 'too_many_test_sends', `at most ${TEST_SEND_LIMIT.limit} test sends a minute; try again in ${seconds} s`, {
        retryAfterSeconds: seconds,
      });
    }

    const subject = `${TEST_SUBJECT_PREFIX}${rendered.subject}`;
    const answer = await deps.mailer.send({
      to,
      subject,
      html: rendered.html,
      ...(rendered.text === undefined ? {} : { text: rendered.text }),
      messageId: messageIdOf(`template-test:${randomUUID()}`, deps.mailer.from),
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Itinera-Test': 'true' },
    });
    if (answer.kind === 'permanent') throw new HttpError(502, 'smtp_refused', `the SMTP server refused the message (${answer.code})`);
    if (answer.kind === 'retry')
      throw new HttpError(502, 'smtp_unavailable', `the SMTP server did not take the message (${answer.reason})`);

    // The domain only: the audit log outlives erasures, and a typed address may be anyone's.
    await deps.stores.audit.record({
      at: now,
      kind: 'template.test_sent',
      actor,
      subject: { ...(body.name !== undefined ? { template: body.name } : {}), ...(profile ? { profileId: profile._id } : {}) },
      detail: { toDomain: to.slice(to.lastIndexOf('@') + 1).toLowerCase(), draft: body.name === undefined, smtp: answer.code },
    });
    res.json({ sent: true, to, subject, smtp: answer.code });
  });

  router.get('/v1/templates/:name', async (req, res) => {
    const template = await deps.stores.templates.get(checkedName(req.params.name, 'template'));
    if (!template) throw notFound('no template with that name');
    res.json(present(template));
  });

  router.delete('/v1/templates/:name', async (req, res) => {
    if (!(await deps.stores.templates.delete(checkedName(req.params.name, 'template')))) throw notFound('no template with that name');
    res.status(204).end();
  });

  router.post('/v1/templates/:name/preview', async (req, res) => {
    const template = await deps.stores.templates.get(checkedName(req.params.name, 'template'));
    if (!template) throw notFound('no template with that name');
    const parsed = previewBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const profile = await personFor(res, parsed.data.profileId, 'template preview');
    const rendered = await render(template, scopeOf(profile.traits, parsed.data.with ?? {}, profile._id));
    res.json({ profileId: profile._id, to: addressOf(profile) ?? null, ...rendered });
  });

  return router;
}

/** Template name → the journeys of the rules that send it, and the consents it confirms (`consent <name>`). */
function usedTemplates(rules: Awaited<ReturnType<AppDeps['stores']['rules']['active']>>): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const use = (template: string, by: string) => used.set(template, [...new Set([...(used.get(template) ?? []), by])]);
  for (const { journey, step } of sendSteps(rules)) if (step.kind === 'sendEmail') use(step.template, journey);
  for (const consent of rules?.ir.consents ?? [])
    if (consent.confirmTemplate !== undefined) use(consent.confirmTemplate, `consent ${consent.name}`);
  for (const broadcast of rules?.ir.broadcasts ?? []) use(broadcast.template, `broadcast ${broadcast.name}`);
  return used;
}
