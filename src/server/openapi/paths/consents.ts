/**
 * Consent (src/server/routes/consents.ts): forms and back ends record a person's choice with
 * a write key; admins read a person's consents and change them on their behalf; the tallies,
 * the ledger (CSV, or JSON pages) and the check of the projections serve the data protection officer.
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { adminChangeBody, consentBody, ledgerQuery, verifyBody } from '../../routes/consents.js';
import { error, json, signedIn, signedInErrors, withWriteKey } from '../common.js';
import { behindHeader, instant, jsonBodyErrors, profileRead } from '../personal-areas.js';
import { profileId } from './profiles.js';

/** One record of the consent ledger: who said what about which purpose, when, and the proof. */
export const consentRecord = z
  .looseObject({
    id: z.string().meta({ description: '`cr:<event id>:<purpose>`' }),
    profileId: z.string(),
    purpose: z.string(),
    state: z.enum(['granted', 'denied', 'revoked', 'pending']),
    at: instant.meta({ description: 'When the person gave it' }),
    recordedAt: instant.meta({ description: 'When Itinera wrote it' }),
    expiresAt: instant.optional(),
    remindAt: instant.optional(),
    origin: z.looseObject({
      kind: z.enum(['source', 'api', 'import', 'admin', 'unsubscribe', 'portal', 'lifecycle', 'confirmation']),
      source: z.string().optional(),
      reason: z.string().optional(),
    }),
    proof: z
      .looseObject({
        method: z.string().optional(),
        shown: z.looseObject({}).optional(),
        pageUrl: z.string().optional(),
        userAgent: z.string().optional(),
        ip: z.string().optional().meta({ description: 'Anonymised' }),
        message: z.string().optional(),
        confirms: z.string().optional(),
      })
      .meta({ description: 'How it was given and what the person was shown' }),
    eventId: z.string().meta({ description: "The event on the person's timeline that carried it" }),
    replaces: z.string().optional(),
  })
  .meta({
    id: 'ConsentRecord',
    example: {
      id: 'cr:ev_1:newsletter',
      profileId: 'pr_5f1c0c1e',
      purpose: 'newsletter',
      state: 'granted',
      at: '2026-05-01T08:00:00.000Z',
      recordedAt: '2026-05-01T08:00:00.210Z',
      origin: { kind: 'api', source: 'web' },
      proof: { method: 'form', pageUrl: 'https://shop.example/signup', ip: '203.0.113.0' },
      eventId: 'ev_1',
    },
  });

const tally = z
  .object({
    purpose: z.string(),
    title: z.string().optional(),
    declared: z.boolean().meta({ description: 'Whether the active rules declare it' }),
    granted: z.number().int(),
    denied: z.number().int(),
    revoked: z.number().int(),
    expired: z.number().int(),
    pending: z.number().int().meta({ description: 'Double opt-in requests not confirmed yet' }),
  })
  .meta({ id: 'ConsentTally' });

const currentConsent = z.object({
  state: z.enum(['granted', 'denied', 'revoked', 'pending', 'expired', 'missing']),
  granted: z.boolean(),
  since: instant.optional(),
  expiresAt: instant.optional(),
  recordId: z.string().optional(),
});

const tags = ['consents'];
const badChange = error(
  'A malformed body (`invalid_body`, `malformed_json`, `body_too_large`), a state not granted/denied/revoked (`invalid_state`) or a purpose the active rules do not declare (`unknown_purpose`)',
);

export const consentsPaths: ZodOpenApiPathsObject = {
  '/v1/consents': {
    post: {
      tags,
      summary: "Record a person's consent choice (forms, back ends)",
      description:
        "Recorded as an event on the person's timeline (`Consent Granted`, `Consent Denied`, `Consent Revoked`), stored once per `messageId`. A grant of a purpose with double opt-in is `pending` until the person confirms it from the e-mail.",
      security: withWriteKey,
      requestBody: {
        content: {
          'application/json': {
            schema: consentBody.meta({
              example: {
                purpose: 'newsletter',
                state: 'granted',
                email: 'ada@example.com',
                proof: { method: 'form', text: 'Send me the newsletter' },
              },
            }),
          },
        },
      },
      responses: {
        '200': json(
          'Recorded (durable once answered)',
          z
            .object({ success: z.literal(true), recordId: z.string(), state: z.enum(['granted', 'denied', 'revoked', 'pending']) })
            .meta({ example: { success: true, recordId: 'cr:ev_1:newsletter', state: 'granted' } }),
        ),
        '400': error(
          'A malformed body, a bad state (`invalid_state`), an undeclared purpose (`unknown_purpose`) or no identifier (`missing_identifier`)',
        ),
        '401': error('No write key, or not a valid one'),
        ...jsonBodyErrors,
      },
    },
    get: {
      tags,
      summary: 'How many people granted, denied, revoked each purpose',
      security: signedIn,
      responses: {
        '200': profileRead(
          'The tallies, one per purpose declared or recorded',
          z.object({ profiles: z.number().int(), purposes: z.array(tally) }).meta({ id: 'ConsentTallies' }),
        ),
        ...signedInErrors,
      },
    },
  },
  '/v1/consents/ledger': {
    get: {
      tags,
      summary: 'The consent ledger: every record as CSV (oldest first), or a page as JSON (newest first)',
      description:
        'As CSV (the default): every matching record in one streamed download. With `format=json`: up to `limit` records newest first ' +
        '(by when they were given), and `next`, the `cursor` of the following page, while more follow.',
      security: signedIn,
      requestParams: { query: ledgerQuery },
      responses: {
        '200': {
          description: 'CSV, one row per record, streamed; or (format=json) a page of records',
          headers: behindHeader.extend({
            'Content-Disposition': z
              .string()
              .optional()
              .meta({ description: 'CSV only', example: 'attachment; filename="consent-ledger.csv"' }),
          }),
          content: {
            'text/csv': { schema: z.string().meta({ example: 'record_id,profile_id,purpose,state,…' }) },
            'application/json': {
              schema: z
                .object({
                  records: z.array(consentRecord),
                  next: z.string().optional().meta({ description: 'The cursor of the next page; absent on the last' }),
                })
                .meta({ id: 'LedgerPage' }),
            },
          },
        },
        '400': error('A bad filter, `cursor` or `limit`, or `cursor`/`limit` without format=json (`invalid_query`)'),
        ...signedInErrors,
      },
    },
  },
  '/v1/consents/verify': {
    post: {
      tags,
      summary: "Check every profile's consent projection against the ledger (and repair it)",
      security: signedIn,
      requestBody: { content: { 'application/json': { schema: verifyBody.meta({ example: { repair: false } }) } } },
      responses: {
        '200': profileRead(
          'What was compared and which profiles disagree',
          z
            .object({
              profiles: z.number().int(),
              records: z.number().int(),
              disagreeing: z.array(z.string()).meta({ description: 'Profile ids whose projection differs from the ledger' }),
              repaired: z.boolean(),
            })
            .meta({ id: 'ProjectionCheck' }),
        ),
        '400': error('A malformed body (`invalid_body`, `malformed_json`)'),
        ...signedInErrors,
        ...jsonBodyErrors,
      },
    },
  },
  '/v1/profiles/{id}/consents': {
    get: {
      tags,
      summary: "A person's current consents and the history of their choices",
      security: signedIn,
      requestParams: { path: profileId },
      responses: {
        '200': profileRead(
          'Per purpose its state, and the ledger records newest first',
          z.object({
            profileId: z.string(),
            consents: z.record(z.string(), currentConsent),
            history: z.array(consentRecord),
          }),
        ),
        ...signedInErrors,
        '404': error('No profile with that id'),
      },
    },
    post: {
      tags,
      summary: "Change a person's consent on their behalf (an admin, with a reason)",
      security: signedIn,
      requestParams: { path: profileId },
      requestBody: {
        content: {
          'application/json': {
            schema: adminChangeBody.meta({ example: { purpose: 'newsletter', state: 'revoked', reason: 'asked by phone, ticket 4711' } }),
          },
        },
      },
      responses: {
        '200': json('Recorded and audited', z.object({ success: z.literal(true), recordId: z.string() })),
        '400': badChange,
        ...signedInErrors,
        '404': error('No profile with that id'),
        ...jsonBodyErrors,
      },
    },
  },
};
