/** The retention policy (admin): what is removed after how long, applied daily by a Temporal Schedule. */
import { Router } from 'express';
import { z } from 'zod';
import { describePolicy } from '../../privacy/retention.js';
import type { AppDeps } from '../deps.js';
import { fromZod, HttpError } from '../errors.js';
import { actorLabel, actorOf } from '../actor.js';

const days = z.number().int().min(1).max(36_500);
export const policyBody = z
  .object({
    events: z
      .array(
        z
          .object({
            olderThanDays: days,
            event: z.string().min(1).max(200).optional(),
            type: z.enum(['track', 'identify', 'page', 'screen', 'group', 'alias']).optional(),
          })
          .strict(),
      )
      .max(50)
      .default([]),
    inactivePeopleDays: days.optional(),
    reason: z.string().min(1).max(500).optional(),
  })
  .strict();

export function retentionRoutes(deps: AppDeps): Router {
  const router = Router();
  const show = async () => ({ ...describePolicy(await deps.stores.retention.policy()), nextRunAt: await deps.retention.nextRunAt() });

  router.get('/v1/privacy/retention', async (_req, res) => {
    res.json(await show());
  });

  router.put('/v1/privacy/retention', async (req, res) => {
    const parsed = policyBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const { events, inactivePeopleDays, reason } = parsed.data;
    await deps.stores.retention.setPolicy({ events, ...(inactivePeopleDays === undefined ? {} : { inactivePeopleDays }) }, deps.now());
    if (events.length > 0 || inactivePeopleDays !== undefined) await deps.retention.enable();
    else await deps.retention.disable();
    await deps.stores.audit.record({
      at: deps.now(),
      kind: 'retention.changed',
      actor: actorLabel(actorOf(res)),
      detail: { events, ...(inactivePeopleDays === undefined ? {} : { inactivePeopleDays }) },
      ...(reason ? { reason } : {}),
    });
    res.json(await show());
  });

  router.post('/v1/privacy/retention/run', async (_req, res) => {
    const policy = await deps.stores.retention.policy();
    if (!policy || (policy.events.length === 0 && policy.inactivePeopleDays === undefined))
      throw new HttpError(409, 'no_policy', 'set a retention policy first (PUT /v1/privacy/retention)');
    await deps.retention.enable();
    await deps.retention.trigger();
    res.status(202).json({ triggered: true });
  });

  return router;
}
