/** Privacy requests: "forget me" as a durable workflow an admin starts over HTTP. */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { IdentityKind, PrivacyRequestDoc } from '../../model.js';
import { badRequest, fromZod, notFound } from '../errors.js';
import type { AppDeps } from '../app.js';

const erasureBody = z
  .object({ userId: z.string().min(1).optional(), email: z.string().min(1).optional(), anonymousId: z.string().min(1).optional() })
  .strict();

function presentRequest(doc: PrivacyRequestDoc) {
  return { id: doc._id, status: doc.status, createdAt: doc.createdAt, updatedAt: doc.updatedAt, ...(doc.removed ? { removed: doc.removed } : {}) };
}

export function privacyRoutes(deps: AppDeps): Router {
  const router = Router();
  router.post('/v1/privacy/erasures', async (req, res) => {
    const parsed = erasureBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const given = Object.entries(parsed.data).filter(([, value]) => value !== undefined) as [IdentityKind, string][];
    if (given.length !== 1) throw badRequest('invalid_body', 'give exactly one of userId, email or anonymousId');
    const [kind, value] = given[0]!;
    // The identifier is resolved here and never stored or passed on: the request and its
    // workflow know only the opaque profile id.
    const profileId = (await deps.stores.identities.lookup({ kind, value })) ?? undefined;
    const now = deps.now();
    const doc: PrivacyRequestDoc = {
      _id: `er_${randomUUID()}`,
      kind: 'erasure',
      ...(profileId ? { profileId } : {}),
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    };
    await deps.stores.privacyRequests.create(doc);
    // If Temporal is down the request stays pending and the sweeper starts it later.
    await deps.startErasure(doc._id, profileId).catch((error: unknown) => deps.logger.warn({ err: error, requestId: doc._id }, 'erasure start deferred'));
    res.status(202).json(presentRequest(doc));
  });
  router.get('/v1/privacy/erasures/:id', async (req, res) => {
    const doc = await deps.stores.privacyRequests.findById(req.params.id);
    if (!doc) throw notFound('no erasure request with that id');
    res.json(presentRequest(doc));
  });
  return router;
}
