/** Webhook destinations (admin): where `send webhook "<name>"` posts, and the secret that signs it. */
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { sendSteps } from '../../channels/send-steps.js';
import type { AppDeps } from '../deps.js';
import { fromZod, notFound } from '../errors.js';
import { checkedName } from './templates.js';

export const destinationBody = z
  .object({
    url: z
      .string()
      .url('must be an http:// or https:// URL')
      .refine((url) => /^https?:\/\//i.test(url), 'must be an http:// or https:// URL'),
    secret: z.string().min(16, 'at least 16 characters; leave it out to have one generated').max(200).optional(),
    /** The profile traits sent with each request: none unless listed (data minimisation). */
    traits: z.array(z.string().min(1).max(200)).max(100).optional(),
    /** Notified of every erasure (src/privacy/erasure.ts), with the person's identifiers. */
    erasures: z.boolean().optional(),
  })
  .strict();

export function destinationRoutes(deps: AppDeps): Router {
  const router = Router();

  router.put('/v1/destinations/:name', async (req, res) => {
    const name = checkedName(req.params.name, 'destination');
    const parsed = destinationBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const generated = parsed.data.secret === undefined ? `whsec_${randomBytes(24).toString('base64url')}` : undefined;
    const secret = parsed.data.secret ?? generated!;
    const traits = [...new Set(parsed.data.traits ?? [])];
    const erasures = parsed.data.erasures ?? false;
    const created = await deps.stores.destinations.put(name, { url: parsed.data.url, secret, traits, erasures }, deps.now());
    // A generated secret is shown this once; a given one is never echoed.
    res
      .status(created ? 201 : 200)
      .json({ name, url: parsed.data.url, traits, erasures, created, ...(generated ? { secret: generated } : {}) });
  });

  router.get('/v1/destinations', async (_req, res) => {
    const destinations = await deps.stores.destinations.list();
    const used = new Set(
      sendSteps(await deps.stores.rules.active()).flatMap(({ step }) => (step.kind === 'sendWebhook' ? [step.name] : [])),
    );
    res.json({
      destinations: destinations.map((d) => ({
        name: d._id,
        url: d.url,
        traits: d.traits,
        erasures: d.erasures ?? false,
        updatedAt: d.updatedAt,
      })),
      missing: [...used].filter((name) => !destinations.some((d) => d._id === name)).sort(),
    });
  });

  router.delete('/v1/destinations/:name', async (req, res) => {
    if (!(await deps.stores.destinations.delete(checkedName(req.params.name, 'destination'))))
      throw notFound('no destination with that name');
    res.status(204).end();
  });

  return router;
}
