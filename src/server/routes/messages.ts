/** A person's messages (admin): every e-mail and webhook their journeys sent or meant to, with its history. */
import { Router } from 'express';
import type { DeliveryDoc } from '../../store/deliveries.js';
import type { AppDeps } from '../deps.js';
import { awaitProfiles } from '../consistency.js';
import { notFound } from '../errors.js';

function present(message: DeliveryDoc) {
  const { _id, profileId: _profileId, consents: _consents, ...rest } = message;
  return { key: _id, ...rest };
}

export function messageRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/v1/profiles/:id/messages', async (req, res) => {
    await awaitProfiles(deps, res);
    const profile = await deps.stores.profiles.findById(req.params.id);
    if (!profile) throw notFound('no profile with that id');
    const messages = await deps.stores.deliveries.ofProfiles([profile._id, ...(profile.mergedFrom ?? [])]);
    res.json({ profileId: profile._id, messages: messages.map(present) });
  });
  return router;
}
