/**
 * Segment's HTTP Tracking API: `/v1/identify`, `/v1/track`, `/v1/page`, `/v1/screen`,
 * `/v1/group`, `/v1/alias` and `/v1/batch`, and the short paths analytics.js posts to
 * (`/v1/i`, `/v1/t`, `/v1/p`, `/v1/s`, `/v1/g`, `/v1/a`, `/v1/b`). A 200 means every
 * message is stored, and owed to its profile and journeys by a durable outbox entry (see
 * ingest/profile-writer.ts). `/v1/m`, where analytics.js reports its own usage metrics,
 * is answered and ignored.
 */
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { Arrival } from '../../ingest/ingest.js';
import {
  batchEnvelope,
  MAX_BATCH_BYTES,
  MAX_MESSAGE_BYTES,
  MESSAGE_TYPES,
  messageSchemas,
  type MessageType,
  type SegmentMessage,
} from '../../tracking/segment-spec.js';
import type { AppDeps } from '../deps.js';
import { sourceOf } from '../auth.js';
import { badRequest, fromZod, HttpError } from '../errors.js';

const kb = (bytes: number) => `${Math.ceil(bytes / 1024)} KB`;

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('invalid_body', 'the body must be a JSON object (Content-Type: application/json)');
  }
  return body as Record<string, unknown>;
}

function validate(type: MessageType, body: unknown, pathPrefix = ''): SegmentMessage {
  const parsed = (messageSchemas[type] as z.ZodType).safeParse(body);
  if (!parsed.success) {
    const error = fromZod(parsed.error);
    throw pathPrefix ? prefixed(error, pathPrefix) : error;
  }
  return { ...(parsed.data as object), type } as SegmentMessage;
}

function prefixed(error: HttpError, prefix: string): HttpError {
  const details = (error.details as { path: string; message: string }[]).map((d) => ({
    ...d,
    path: d.path ? `${prefix}.${d.path}` : prefix,
  }));
  return badRequest(error.code, details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
}

function arrivalOf(req: Request, res: Response, deps: AppDeps): Arrival {
  return { receivedAt: deps.now(), source: sourceOf(res), ...(req.ip ? { ip: req.ip } : {}) };
}

/** The messages of a batch, each validated as its own type, with the batch's shared fields filled in. */
function batchMessages(body: unknown): SegmentMessage[] {
  const envelope = batchEnvelope.safeParse(requireObject(body));
  if (!envelope.success) throw fromZod(envelope.error);
  const { batch, context, integrations, sentAt } = envelope.data;
  return batch.map((item, index) => {
    const message = requireObject(item);
    const type = message.type;
    if (typeof type !== 'string' || !(MESSAGE_TYPES as string[]).includes(type)) {
      throw badRequest('invalid_body', `batch.${index}.type: must be one of ${MESSAGE_TYPES.join(', ')}`, [
        { path: `batch.${index}.type`, message: `must be one of ${MESSAGE_TYPES.join(', ')}` },
      ]);
    }
    const size = Buffer.byteLength(JSON.stringify(message));
    if (size > MAX_MESSAGE_BYTES)
      throw badRequest('message_too_large', `batch.${index}: a message may be at most 32 KB; this one is ${kb(size)}`);
    // The batch's shared fields, for the messages that lack their own.
    const filled: Record<string, unknown> = { ...message };
    for (const [field, value] of Object.entries({ context, integrations, sentAt })) {
      if (filled[field] == null && value !== undefined) filled[field] = value;
    }
    return validate(type as MessageType, filled, `batch.${index}`);
  });
}

/** A message type's paths: its name and its first letter, as analytics.js shortens them. */
export const pathsOf = (type: MessageType | 'batch') => [`/v1/${type}`, `/v1/${type[0]}`];

/** Every path that takes events (the body parser, the write key and CORS apply to them). */
export const TRACKING_PATHS = [...MESSAGE_TYPES, 'batch' as const].flatMap(pathsOf);

/** analytics.js's own usage metrics: nothing of a person's, not kept. */
export const METRICS_PATH = '/v1/m';

/** How long a client refused for back-pressure should wait before sending again. */
const RETRY_AFTER_SECONDS = 2;

export function trackingRoutes(deps: AppDeps): Router {
  const router = Router();
  // Before anything is stored: a refused request changes nothing, and its retry is welcome.
  router.post(TRACKING_PATHS, (_req, res, next) => {
    if (!deps.ingestionSaturated?.()) return next();
    res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    next(new HttpError(503, 'overloaded', `events arrive faster than profiles are written; send again in ${RETRY_AFTER_SECONDS} s`));
  });
  for (const type of MESSAGE_TYPES) {
    router.post(pathsOf(type), async (req, res) => {
      const size = (req as Request & { rawBodyLength?: number }).rawBodyLength ?? 0;
      if (size > MAX_MESSAGE_BYTES) throw badRequest('message_too_large', `a message may be at most 32 KB; this one is ${kb(size)}`);
      const message = validate(type, requireObject(req.body));
      await deps.ingestor.ingestBatch([message], arrivalOf(req, res, deps));
      res.json({ success: true });
    });
  }
  router.post(pathsOf('batch'), async (req, res) => {
    const size = (req as Request & { rawBodyLength?: number }).rawBodyLength ?? 0;
    if (size > MAX_BATCH_BYTES) throw badRequest('batch_too_large', `a batch may be at most 500 KB; this one is ${kb(size)}`);
    // Every message is validated before any is stored: a bad batch changes nothing.
    const messages = batchMessages(req.body);
    await deps.ingestor.ingestBatch(messages, arrivalOf(req, res, deps));
    res.json({ success: true });
  });
  router.post(METRICS_PATH, (_req, res) => {
    res.json({ success: true });
  });
  return router;
}
