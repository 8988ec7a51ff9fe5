/**
 * `POST /v1/privacy/retention/dry-run`: what the next retention run would remove under the
 * stored policy, or under a policy being considered (the body), changing nothing: no
 * deletion, no erasure, no audit entry, no run recorded.
 */
import { Router } from 'express';
import { z } from 'zod';
import { retentionDryRun } from '../../privacy/retention-dry-run.js';
import type { AppDeps } from '../deps.js';
import { fromZod } from '../errors.js';
import { policyBody } from './retention.js';

/** A policy to try instead of the stored one: PUT /v1/privacy/retention's body, without its reason. */
export const retentionDryRunBody = z.object({ policy: policyBody.omit({ reason: true }).optional() }).strict();

export function retentionDryRunRoutes(deps: AppDeps): Router {
  const router = Router();
  router.post('/v1/privacy/retention/dry-run', async (req, res) => {
    const parsed = retentionDryRunBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const given = parsed.data.policy;
    const policy = given
      ? { events: given.events, ...(given.inactivePeopleDays !== undefined ? { inactivePeopleDays: given.inactivePeopleDays } : {}) }
      : await deps.stores.retention.policy();
    const run = await retentionDryRun(deps.stores, policy, deps.now());
    res.json({ policy: given ? 'given' : 'stored', ...run });
  });
  return router;
}
