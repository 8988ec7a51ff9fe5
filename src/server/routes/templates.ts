/** E-mail templates (admin): stored once they parse, listed, previewed against a profile without sending. */
import { Router } from 'express';
import { z } from 'zod';
import { sendSteps } from '../../channels/send-steps.js';
import { addressOf } from '../../channels/deliver.js';
import { checkTemplate, renderTemplate } from '../../channels/templates.js';
import type { TemplateDoc } from '../../store/templates.js';
import type { AppDeps } from '../deps.js';
import { fromZod, HttpError, notFound } from '../errors.js';

/** Names as `send email "<name>"` gives them: printable, no slash, at most 100 characters. */
export const MESSAGE_NAME = /^[^\s/][^/]{0,99}$/;

const TEMPLATE_BYTES = 256 * 1024;

export const templateBody = z
  .object({
    subject: z.string().min(1, 'a subject is required').max(998, 'a subject is one header line: at most 998 characters'),
    html: z.string().min(1, 'an HTML body is required').max(TEMPLATE_BYTES),
    text: z.string().max(TEMPLATE_BYTES).optional(),
  })
  .strict();

export const previewBody = z
  .object({
    profileId: z.string().min(1, 'the profile to render it for'),
    with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  })
  .strict();

export function checkedName(name: string | undefined, what: string): string {
  if (!name || !MESSAGE_NAME.test(name))
    throw new HttpError(400, 'invalid_name', `${what} names are 1 to 100 characters, no slash, not starting with a space`);
  return name;
}

function present(template: TemplateDoc) {
  const { _id, ...rest } = template;
  return { name: _id, ...rest };
}

export function templateRoutes(deps: AppDeps): Router {
  const router = Router();

  router.put('/v1/templates/:name', async (req, res) => {
    const name = checkedName(req.params.name, 'template');
    const parsed = templateBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const problems = checkTemplate(parsed.data);
    if (problems.length > 0) {
      throw new HttpError(
        422,
        'template_invalid',
        problems.map((p) => `${p.part}${p.line ? ` ${p.line}:${p.column}` : ''}: ${p.message}`).join('; '),
        problems,
      );
    }
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
    const profile = await deps.stores.profiles.findById(parsed.data.profileId);
    if (!profile) throw notFound('no profile with that id');
    const rendered = await renderTemplate(template, {
      traits: profile.traits,
      with: parsed.data.with ?? {},
      profile_id: profile._id,
      unsubscribe_url: `${deps.publicUrl ?? ''}/v1/unsubscribe/(preview)`,
      confirm_url: `${deps.publicUrl ?? ''}/v1/confirm/(preview)`,
    });
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
