/** The single customer view, for admins. */
import { Router } from 'express';
import { z } from 'zod';
import type { ProfileDoc } from '../../model.js';
import { badRequest, fromZod, notFound } from '../errors.js';
import type { AppDeps } from '../app.js';

const lookupQuery = z
  .object({ userId: z.string().min(1).optional(), anonymousId: z.string().min(1).optional(), email: z.string().min(1).optional() })
  .strict();

export function presentProfile(profile: ProfileDoc) {
  return {
    id: profile._id,
    identities: profile.identities,
    traits: profile.traits,
    tags: profile.tags,
    consents: profile.consents,
    journeys: Object.values(profile.journeys ?? {}).map(({ journey, rulesVersion, enteredAt }) => ({ journey, rulesVersion, enteredAt })),
    firstSeenAt: profile.firstSeenAt,
    lastSeenAt: profile.lastSeenAt,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}

export function profileRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/v1/profiles/lookup', async (req, res) => {
    const parsed = lookupQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const given = Object.entries(parsed.data).filter(([, value]) => value !== undefined) as [keyof typeof parsed.data, string][];
    if (given.length !== 1) throw badRequest('invalid_query', 'give exactly one of userId, anonymousId or email');
    const [kind, value] = given[0]!;
    const profileId = await deps.stores.identities.lookup({ kind, value });
    const profile = profileId ? await deps.stores.profiles.findById(profileId) : null;
    if (!profile) throw notFound(`no profile with that ${kind}`);
    res.json(presentProfile(profile));
  });
  router.get('/v1/profiles/:id', async (req, res) => {
    const profile = await deps.stores.profiles.findById(req.params.id);
    if (!profile) throw notFound('no profile with that id');
    res.json(presentProfile(profile));
  });
  return router;
}
