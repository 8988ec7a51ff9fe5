/** Segment's HTTP Tracking API: `/v1/track` and `/v1/identify`. */
import { Router, type Request } from 'express';
import type { z } from 'zod';
import { ingest, type IngestMessage } from '../../ingest/ingest.js';
import { identifyMessage, MAX_MESSAGE_BYTES, trackMessage } from '../../ingest/segment-spec.js';
import { badRequest, fromZod } from '../errors.js';
import type { AppDeps } from '../app.js';

function parseMessage<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const size = (req as Request & { rawBodyLength?: number }).rawBodyLength ?? 0;
  if (size > MAX_MESSAGE_BYTES) {
    throw badRequest('message_too_large', `a message may be at most 32 KB; this one is ${Math.ceil(size / 1024)} KB`);
  }
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw badRequest('invalid_body', 'the body must be a JSON object (Content-Type: application/json)');
  }
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) throw fromZod(parsed.error);
  return parsed.data;
}

export function trackingRoutes(deps: AppDeps): Router {
  const router = Router();
  const accept = async (message: IngestMessage) => {
    const event = await ingest(deps.stores, message, deps.now());
    deps.afterIngest(event);
  };
  router.post('/v1/track', async (req, res) => {
    await accept({ ...parseMessage(trackMessage, req), type: 'track' });
    res.json({ success: true });
  });
  router.post('/v1/identify', async (req, res) => {
    await accept({ ...parseMessage(identifyMessage, req), type: 'identify' });
    res.json({ success: true });
  });
  return router;
}
