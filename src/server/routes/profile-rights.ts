/**
 * Rights a person exercises through an admin on their profile: rectification (art. 16),
 * correcting or removing traits, and restriction of processing (art. 18). Both audited.
 */
import { Router } from 'express';
import { z } from 'zod';
import { EDGE_SPACE, safeObject } from '../../tracking/segment-spec.js';
import type { AppDeps } from '../deps.js';
import { fromZod, notFound } from '../errors.js';
import { actorLabel, actorOf } from '../actor.js';

/**
 * Top-level trait names, as they are stored: no dots, not starting with `$`, no white space
 * at either end (FerretDB refuses such a field in an update path: it was a 500).
 */
const traitName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^.$][^.]*$/, 'a top-level trait name: no dots, not starting with $')
  .refine((name) => !EDGE_SPACE.test(name), 'a top-level trait name: no white space at either end');

export const rectificationBody = z
  .object({
    /** The corrected values; `null` removes the trait. */
    traits: z
      .record(traitName, z.unknown())
      .refine((traits) => Object.keys(traits).length > 0, 'name at least one trait')
      // As ingestion holds traits to (`[[1]]` in a value was a 500 from FerretDB).
      .refine(
        (traits) => safeObject.safeParse(traits).success,
        'values may not hold arrays directly inside arrays, nor keys that are empty, start with "$" or contain "."',
      ),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict();

export const restrictionBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

/** `DELETE …/restriction?reason=…`: why, for the audit log; cut to 500 characters, never refused. */
export const unrestrictQuery = z.object({
  reason: z
    .string()
    .transform((reason) => reason.slice(0, 500))
    .optional()
    .catch(undefined),
});

export function profileRightsRoutes(deps: AppDeps): Router {
  const router = Router();

  router.patch('/v1/profiles/:id/traits', async (req, res) => {
    const parsed = rectificationBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const entries = Object.entries(parsed.data.traits);
    const set = Object.fromEntries(entries.filter(([, value]) => value !== null));
    const removed = entries.filter(([, value]) => value === null).map(([name]) => name);
    const rectified = await deps.changes.edit(req.params.id, { kind: 'rectify', set, removed });
    if (!rectified) throw notFound('no profile with that id');
    const { profileId } = rectified;
    await deps.stores.audit.record({
      at: deps.now(),
      kind: 'profile.rectified',
      actor: actorLabel(actorOf(res)),
      subject: { profileId },
      detail: { set: Object.keys(set).sort(), removed: removed.sort() },
      ...(parsed.data.reason ? { reason: parsed.data.reason } : {}),
    });
    const profile = await deps.stores.profiles.findById(profileId);
    res.json({ id: profileId, traits: profile?.traits ?? {} });
  });

  router.put('/v1/profiles/:id/restriction', async (req, res) => {
    const parsed = restrictionBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const restriction = { since: deps.now(), ...(parsed.data.reason ? { reason: parsed.data.reason } : {}) };
    // Set once: a repeated request keeps the first `since`, and ends any run still left.
    const restricted = await deps.changes.edit(req.params.id, { kind: 'restrict', restriction });
    if (!restricted) throw notFound('no profile with that id');
    const { profileId, endedRuns } = restricted;
    if (restricted.changed) {
      await deps.stores.audit.record({
        at: restriction.since,
        kind: 'profile.restricted',
        actor: actorLabel(actorOf(res)),
        subject: { profileId },
        detail: { endedRuns },
        ...(parsed.data.reason ? { reason: parsed.data.reason } : {}),
      });
    }
    res.json({ id: profileId, restricted: restricted.before?.restricted ?? restriction, endedRuns });
  });

  router.delete('/v1/profiles/:id/restriction', async (req, res) => {
    const { reason } = unrestrictQuery.parse(req.query);
    const lifted = await deps.changes.edit(req.params.id, { kind: 'unrestrict' });
    if (!lifted) throw notFound('no profile with that id');
    if (lifted.changed)
      await deps.stores.audit.record({
        at: deps.now(),
        kind: 'profile.unrestricted',
        actor: actorLabel(actorOf(res)),
        subject: { profileId: lifted.profileId },
        ...(reason ? { reason } : {}),
      });
    res.status(204).end();
  });

  return router;
}
