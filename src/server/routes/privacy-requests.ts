/**
 * The list of privacy requests, newest first and paged, for the console's Privacy page:
 * erasures and exports with their state and steps. Each one's own page is
 * GET /v1/privacy/erasures/:id or /exports/:id; this list adds none of their secrets (no
 * download links, no plan).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { PrivacyRequestDoc } from '../../store/privacy-requests.js';
import type { AppDeps } from '../deps.js';
import { badRequest, fromZod } from '../errors.js';
import { presentRequest } from './privacy.js';

export const privacyRequestsQuery = z
  .object({
    kind: z.enum(['erasure', 'export']).optional(),
    status: z.enum(['pending', 'running', 'completed', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().min(1).max(200).optional().meta({ description: 'The `next` cursor of the previous page' }),
  })
  .strict();

/** The cursor: where the page ended, opaque to the caller. */
const cursorOf = (doc: PrivacyRequestDoc) => Buffer.from(`${doc.createdAt.toISOString()}|${doc._id}`).toString('base64url');

function readCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime()))
    throw badRequest('invalid_query', 'before: not a cursor this list gave', [{ path: 'before', message: 'not a cursor' }]);
  return { createdAt, id };
}

export function privacyRequestListRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/v1/privacy/requests', async (req, res) => {
    const parsed = privacyRequestsQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const { kind, status, limit, before } = parsed.data;
    // One more than asked: whether there is a next page, without counting.
    const docs = await deps.stores.privacyRequests.page({
      ...(kind ? { kind } : {}),
      ...(status ? { status } : {}),
      ...(before ? { before: readCursor(before) } : {}),
      limit: limit + 1,
    });
    const page = docs.slice(0, limit);
    const last = page[page.length - 1];
    res.json({
      requests: page.map((doc) => ({ ...presentRequest(doc), origin: doc.origin ?? 'admin' })),
      ...(docs.length > limit && last ? { next: cursorOf(last) } : {}),
    });
  });
  return router;
}
