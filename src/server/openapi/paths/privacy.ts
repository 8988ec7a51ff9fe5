/**
 * Privacy requests (src/server/routes/privacy.ts): erasure ("forget me") as a durable
 * workflow, its status and signed receipt, the suppression list, the audit log, and the
 * public key a receipt is checked with.
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { ERASURE_STEPS } from '../../../store/privacy-requests.js';
import { privacyRequestBody } from '../../person-identifier.js';
import { AUDIT_KINDS, auditQuery, liftQuery } from '../../routes/privacy.js';
import { error, json, open, signedIn, signedInErrors } from '../common.js';
import { instant, jsonBodyErrors } from '../personal-areas.js';

export const requestStatus = z.enum(['pending', 'running', 'completed', 'failed']);

/** The request body of an erasure or an export: exactly one identifier (checked by the route: `invalid_body`). */
export const personRequest = privacyRequestBody.meta({
  id: 'PrivacyRequestBody',
  description: 'Exactly one of userId, email, anonymousId or phone, and optionally why (shown in the audit log)',
  example: { email: 'ada@example.com', reason: 'ticket 4711' },
});

const erasure = z
  .object({
    id: z.string(),
    kind: z.literal('erasure'),
    status: requestStatus,
    createdAt: instant,
    updatedAt: instant,
    completedAt: instant.optional(),
    removed: z
      .record(z.string(), z.number().int())
      .optional()
      .meta({ description: 'What is being (or was) removed, as counts: profiles, events, identities, consentRecords, …' }),
    steps: z.partialRecord(z.enum(ERASURE_STEPS), instant).meta({ description: 'When each step finished' }),
    destinations: z
      .record(z.string(), z.object({ status: z.enum(['pending', 'sent', 'failed']), at: instant, detail: z.string().optional() }))
      .meta({ description: 'The notice to each destination subscribed to erasures' }),
    reason: z.string().optional(),
  })
  .meta({
    id: 'Erasure',
    example: {
      id: 'er_0b6f8f9e-2a51-4a43-9d3a-4f3a8c7e1d20',
      kind: 'erasure',
      status: 'completed',
      createdAt: '2026-05-04T09:30:00.000Z',
      updatedAt: '2026-05-04T09:30:04.000Z',
      completedAt: '2026-05-04T09:30:04.000Z',
      removed: { profiles: 1, events: 42, identities: 2 },
      steps: { inventory: '2026-05-04T09:30:01.000Z', remove: '2026-05-04T09:30:03.000Z' },
      destinations: {},
    },
  });

export const signedReceipt = z
  .object({
    receipt: z.string().meta({ description: 'The receipt, as the JSON text that was signed' }),
    signature: z.string().meta({ description: 'Ed25519 signature of `receipt`, base64' }),
    algorithm: z.literal('Ed25519'),
    publicKey: z.string().meta({ description: 'The public key (PEM), as GET /v1/receipt-key serves it' }),
  })
  .meta({ id: 'ErasureReceipt', description: 'A signed proof that an erasure completed: ids, times and counts only' });

const suppression = z
  .object({
    id: z.string(),
    kind: z.string().meta({ description: 'The kind of identifier suppressed (its value is kept only as a keyed hash)' }),
    requestId: z.string().meta({ description: 'The erasure that added it' }),
    createdAt: instant,
    dropped: z.number().int().meta({ description: 'Messages dropped because they carried it' }),
    lastDroppedAt: instant.optional(),
  })
  .meta({ id: 'Suppression' });

const auditEntry = z
  .looseObject({
    id: z.string(),
    at: instant,
    kind: z.enum(AUDIT_KINDS),
    actor: z.string().meta({ description: '`admin`, `user:<name>`, `cli`, `system`, `link`, `portal`: never a person' }),
    reason: z.string().optional(),
    subject: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .optional()
      .meta({ description: 'Ids the action concerns' }),
    profileId: z.string().optional(),
    detail: z.record(z.string(), z.unknown()).optional().meta({ description: 'Names and counts only' }),
  })
  .meta({
    id: 'AuditEntry',
    example: {
      id: 'au_1746351000000_x1',
      at: '2026-05-04T09:30:00.000Z',
      kind: 'erasure.requested',
      actor: 'admin',
      subject: { requestId: 'er_1' },
    },
  });

const tags = ['privacy'];
const noErasure = error('No erasure request with that id');

export const privacyPaths: ZodOpenApiPathsObject = {
  '/v1/privacy/erasures': {
    post: {
      tags,
      summary: 'Erase a person ("forget me"): their data, suppression of their identifiers, notices to destinations',
      description:
        'Answers at once; the erasure runs as a durable workflow (GET its id to follow it). A request that matches nobody completes with nothing removed.',
      security: signedIn,
      requestBody: { content: { 'application/json': { schema: personRequest } } },
      responses: {
        '202': json('Accepted; it runs in the background', erasure),
        '400': error('Not exactly one identifier, or a malformed body (`invalid_body`, `malformed_json`)'),
        ...signedInErrors,
        ...jsonBodyErrors,
      },
    },
  },
  '/v1/privacy/erasures/{id}': {
    get: {
      tags,
      summary: "An erasure's progress",
      security: signedIn,
      requestParams: { path: z.object({ id: z.string().meta({ example: 'er_0b6f8f9e-2a51-4a43-9d3a-4f3a8c7e1d20' }) }) },
      responses: { '200': json('The request', erasure), ...signedInErrors, '404': noErasure },
    },
  },
  '/v1/privacy/erasures/{id}/receipt': {
    get: {
      tags,
      summary: "A completed erasure's signed receipt",
      security: signedIn,
      requestParams: { path: z.object({ id: z.string() }) },
      responses: {
        '200': json('The receipt, signed with the key at /v1/receipt-key', signedReceipt),
        ...signedInErrors,
        '404': noErasure,
        '409': error('The erasure has not completed (`not_completed`)'),
      },
    },
  },
  '/v1/privacy/suppressions': {
    get: {
      tags,
      summary: 'The suppression list: identifiers of erased people, whose messages are dropped',
      security: signedIn,
      responses: { '200': json('Up to 10,000 entries', z.object({ suppressions: z.array(suppression) })), ...signedInErrors },
    },
  },
  '/v1/privacy/suppressions/{id}': {
    delete: {
      tags,
      summary: 'Lift a suppression (the person may be tracked again)',
      security: signedIn,
      requestParams: { path: z.object({ id: z.string() }), query: liftQuery },
      responses: {
        '204': { description: 'Lifted and audited' },
        '400': error('A `reason` over 500 characters (`invalid_query`)'),
        ...signedInErrors,
        '404': error('No suppression with that id'),
      },
    },
  },
  '/v1/audit': {
    get: {
      tags,
      summary: 'The audit log: privacy actions, consent edits, deploys, user changes (newest first, a page at a time)',
      description:
        'Newest first. A page holds up to `limit` entries (default 100); `next`, when present, is the `cursor` of the following page. ' +
        'Entries recorded while a client pages are newer than its cursor: the pages neither repeat nor skip one. ' +
        'Before paging the log answered at most 1,000 entries oldest first; `since` still works, as `from`.',
      security: signedIn,
      requestParams: { query: auditQuery },
      responses: {
        '200': json(
          'A page of entries',
          z.object({
            entries: z.array(auditEntry),
            next: z.string().optional().meta({ description: 'The cursor of the next page; absent on the last' }),
          }),
        ),
        '400': error('A bad `cursor`, `kind`, `from`, `to`, `since` or `limit`, or an unknown parameter (`invalid_query`)'),
        ...signedInErrors,
      },
    },
  },
  '/v1/receipt-key': {
    get: {
      tags,
      summary: 'The public key erasure receipts are signed with (PEM)',
      security: open,
      responses: {
        '200': {
          description: 'An Ed25519 public key',
          content: {
            'application/x-pem-file': { schema: z.string().meta({ example: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n' }) },
          },
        },
      },
    },
  },
};
