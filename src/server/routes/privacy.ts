/**
 * Privacy requests (admin): "forget me" as a durable workflow, its status and signed
 * receipt, the suppression list, the audit log; and the public key receipts are checked with.
 */
import { Router } from 'express';
import { z } from 'zod';
import { AUDIT_KINDS } from '../../model.js';
import { AUDIT_ID } from '../../store/audit.js';
import type { PrivacyRequestDoc } from '../../store/privacy-requests.js';
import type { SuppressionDoc } from '../../store/suppressions.js';
import { ERASURE_STEPS } from '../../store/privacy-requests.js';
import { destinationOfNoticeKey } from '../../privacy/erasure.js';
import { signedReceipt } from '../../privacy/receipt.js';
import { openPrivacyRequest } from '../../privacy/requests.js';
import { fromZod, HttpError, notFound } from '../errors.js';
import { parsePrivacyRequest, reasonField } from '../person-identifier.js';
import { publicBaseUrl } from '../public-url.js';
import type { AppDeps } from '../deps.js';
import { actorLabel, actorOf } from '../actor.js';

/** Every kind the log records, so that a new kind can be filtered on from the day it is written. */
export { AUDIT_KINDS };
const auditInstant = z.string().datetime({ offset: true, message: 'must be an ISO 8601 instant' });
export const auditQuery = z
  .object({
    cursor: z
      .string()
      .regex(AUDIT_ID, 'must be the `next` of a previous page')
      .max(300)
      .optional()
      .meta({ description: 'Where the previous page ended: its `next`. Absent: the newest entries.' }),
    kind: z.enum(AUDIT_KINDS).optional(),
    actor: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: 'Who acted: `admin`, `system`, `cli`, or a console user (`ada` matches `user:ada`)' }),
    profileId: z.string().min(1).max(200).optional().meta({ description: 'Entries about this person' }),
    from: auditInstant.optional().meta({ description: 'Entries at or after this instant' }),
    to: auditInstant.optional().meta({ description: 'Entries before this instant' }),
    since: auditInstant.optional().meta({ description: 'The same as `from` (its name before paging)', deprecated: true }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** `DELETE /v1/privacy/suppressions/:id?reason=…`: why it is lifted, for the audit log. */
export const liftQuery = z.object({ reason: reasonField });

export function presentRequest(doc: PrivacyRequestDoc) {
  const steps = Object.fromEntries(ERASURE_STEPS.flatMap((step) => (doc.steps?.[step] ? [[step, doc.steps[step]]] : [])));
  const destinations = Object.fromEntries(Object.entries(doc.notices ?? {}).map(([key, notice]) => [destinationOfNoticeKey(key), notice]));
  // While it runs, the plan's counts say what is being removed; the identifiers in it are never shown.
  const removed = doc.removed ?? doc.plan?.counts;
  return {
    id: doc._id,
    kind: doc.kind,
    status: doc.status,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    ...(doc.completedAt ? { completedAt: doc.completedAt } : {}),
    ...(removed ? { removed } : {}),
    steps,
    destinations,
    ...(doc.reason ? { reason: doc.reason } : {}),
  };
}

function presentSuppression(doc: SuppressionDoc) {
  return {
    id: doc._id,
    kind: doc.kind,
    requestId: doc.requestId,
    createdAt: doc.createdAt,
    dropped: doc.dropped,
    ...(doc.lastDroppedAt ? { lastDroppedAt: doc.lastDroppedAt } : {}),
  };
}

export function privacyRoutes(deps: AppDeps): Router {
  const router = Router();
  router.post('/v1/privacy/erasures', async (req, res) => {
    const { kind, value, reason: given } = parsePrivacyRequest(req.body);
    // The identifier is resolved here and never stored as given: the request knows the
    // opaque profile id until it completes, the workflow only the request id.
    const profileId = (await deps.stores.identities.lookup({ kind, value })) ?? undefined;
    const doc = await openPrivacyRequest(deps, {
      kind: 'erasure',
      ...(profileId ? { profileId } : {}),
      by: kind,
      actor: actorLabel(actorOf(res)),
      ...(given ? { reason: given } : {}),
    });
    res.status(202).json(presentRequest(doc));
  });

  router.get('/v1/privacy/erasures/:id', async (req, res) => {
    const doc = await deps.stores.privacyRequests.findById(req.params.id);
    if (!doc || doc.kind !== 'erasure') throw notFound('no erasure request with that id');
    res.json(presentRequest(doc));
  });

  router.get('/v1/privacy/erasures/:id/receipt', async (req, res) => {
    const doc = await deps.stores.privacyRequests.findById(req.params.id);
    if (!doc || doc.kind !== 'erasure') throw notFound('no erasure request with that id');
    if (doc.status !== 'completed')
      throw new HttpError(409, 'not_completed', `the erasure is ${doc.status}; its receipt is issued once it completes`);
    res.json(signedReceipt(doc, publicBaseUrl(deps, req), deps.privacyKeys));
  });

  router.get('/v1/privacy/suppressions', async (_req, res) => {
    const entries = await deps.stores.suppressions.list(10_000);
    res.json({ suppressions: entries.map(presentSuppression) });
  });

  router.delete('/v1/privacy/suppressions/:id', async (req, res) => {
    // A repeated `reason` (an array) is ignored, as any other parameter.
    const why = liftQuery.safeParse({ reason: typeof req.query.reason === 'string' ? req.query.reason : undefined });
    if (!why.success) throw fromZod(why.error, 'invalid_query');
    const entry = await deps.stores.suppressions.findById(req.params.id);
    if (!entry || !(await deps.stores.suppressions.lift(entry._id))) throw notFound('no suppression with that id');
    await deps.stores.audit.record({
      at: deps.now(),
      kind: 'suppression.lifted',
      actor: actorLabel(actorOf(res)),
      subject: { suppressionId: entry._id, requestId: entry.requestId },
      ...(why.data.reason ? { reason: why.data.reason } : {}),
    });
    res.status(204).end();
  });

  router.get('/v1/audit', async (req, res) => {
    const parsed = auditQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const { cursor, kind, actor, profileId, to, limit } = parsed.data;
    const from = parsed.data.from ?? parsed.data.since;
    const page = await deps.stores.audit.page({
      ...(cursor ? { before: cursor } : {}),
      ...(kind ? { kind } : {}),
      ...(actor ? { actor } : {}),
      ...(profileId ? { profileId } : {}),
      ...(from ? { from: new Date(from) } : {}),
      ...(to ? { to: new Date(to) } : {}),
      limit,
    });
    res.json({ entries: page.entries.map(({ _id, ...entry }) => ({ id: _id, ...entry })), ...(page.next ? { next: page.next } : {}) });
  });

  return router;
}

/** Public: the key erasure receipts are signed with (PEM), so a data subject can check theirs. */
export function receiptKeyRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/v1/receipt-key', (_req, res) => {
    res.type('application/x-pem-file').send(deps.privacyKeys.publicKeyPem());
  });
  return router;
}
