/**
 * Frequency caps (admin): at most N marketing messages of a channel per person and
 * calendar day in their time zone, across every journey. A send beyond it waits for the
 * person's next day (docs/messages.md#frequency-caps).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { FrequencyCapDoc } from '../../store/frequency-caps.js';
import type { AppDeps } from '../deps.js';
import { fromZod, HttpError, notFound } from '../errors.js';

export const CHANNELS = ['email', 'webhook'] as const;

/** The path's channel; refused with its own code, `unknown_channel`, naming the channels. */
export const capChannel = z.enum(CHANNELS);

export const capBody = z
  .object({
    max: z.number().int('a whole number').min(1, 'at least 1; DELETE the cap to lift it').max(1000),
    per: z.literal('day', { message: "'day': caps count per calendar day in the person's time zone" }).optional(),
  })
  .strict();

function channelOf(name: string | undefined): FrequencyCapDoc['_id'] {
  const parsed = capChannel.safeParse(name);
  if (!parsed.success) throw new HttpError(400, 'unknown_channel', `channel: one of ${CHANNELS.join(', ')}`, { allowed: CHANNELS });
  return parsed.data;
}

export function frequencyCapRoutes(deps: AppDeps): Router {
  const router = Router();
  router.put('/v1/frequency-caps/:channel', async (req, res) => {
    const channel = channelOf(req.params.channel);
    const parsed = capBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    await deps.stores.frequencyCaps.put(channel, parsed.data.max, deps.now());
    res.json({ channel, max: parsed.data.max, per: 'day' });
  });
  router.get('/v1/frequency-caps', async (_req, res) => {
    res.json({
      caps: (await deps.stores.frequencyCaps.list()).map((cap) => ({
        channel: cap._id,
        max: cap.max,
        per: cap.per,
        updatedAt: cap.updatedAt,
      })),
    });
  });
  router.delete('/v1/frequency-caps/:channel', async (req, res) => {
    if (!(await deps.stores.frequencyCaps.delete(channelOf(req.params.channel)))) throw notFound('that channel has no cap');
    res.status(204).end();
  });
  return router;
}
