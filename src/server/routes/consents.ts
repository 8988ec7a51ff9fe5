/**
 * Consent over HTTP: `POST /v1/consents` for forms and back ends (write key); for admins
 * the person's consents and history, changes on their behalf, and for the data protection
 * officer the tallies per purpose, the ledger as CSV and the check of projections.
 *
 * Every change is recorded as an event on the person's timeline (`Consent Granted`,
 * `Consent Denied`, `Consent Revoked`) through ingestion: stored once per `messageId`,
 * durable once answered, and applied to the ledger and the profile by the profile writer.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { consentRecordId } from '../../consent/decide.js';
import { needsConfirmation } from '../../consent/confirmation.js';
import { CONSENT_EVENTS } from '../../consent/events.js';
import { checkProjections, reportedState, tallyConsents } from '../../consent/report.js';
import { anonymiseIp, proofFromContext } from '../../ingest/consent-capture.js';
import { eventIdFor, type IngestMessage } from '../../ingest/ingest.js';
import type { ConsentOrigin, ConsentProof, ConsentRecordState, EventConsent } from '../../model.js';
import type { ConsentLedgerDoc, LedgerPosition } from '../../store/consents.js';
import type { AppDeps } from '../deps.js';
import { awaitProfiles } from '../consistency.js';
import { sourceOf } from '../auth.js';
import { csvField, write } from '../csv.js';
import { badRequest, fromZod, notFound } from '../errors.js';
import { actorLabel, actorOf } from '../actor.js';

export const CONSENT_STATES = ['granted', 'denied', 'revoked'] as const satisfies readonly ConsentRecordState[];

const isoTimestamp = z.iso.datetime({ offset: true });
const shortText = z.string().trim().min(1).max(2048);

export const proofBody = z
  .object({
    method: z.string().trim().min(1).max(64).optional(),
    text: z.string().trim().min(1).max(10_000).optional(),
    url: shortText.optional(),
    pageUrl: shortText.optional(),
    userAgent: z.string().trim().min(1).max(512).optional(),
    ip: z
      .string()
      .refine((value) => isIP(value) !== 0, 'must be an IP address')
      .optional(),
  })
  .strict();

const change = {
  purpose: z.string().min(1).max(255),
  // Checked by hand against the states (and the purpose against the rules) for their own error codes; documented as the enum.
  state: z.string().meta({ enum: [...CONSENT_STATES], description: 'What the person said' }),
  timestamp: isoTimestamp.optional(),
  messageId: z.string().min(1).max(255).optional(),
  proof: proofBody.optional(),
};

const identifier = z.union([z.string().min(1).max(255), z.number()]).transform(String);

export const consentBody = z
  .object({
    ...change,
    userId: identifier.optional(),
    anonymousId: identifier.optional(),
    email: z
      .string()
      .trim()
      .min(3)
      .max(255)
      .refine((value) => value.includes('@'), 'must be an e-mail address')
      .optional(),
    phone: z.string().trim().min(5).max(64).optional(),
    externalIds: z
      .array(z.object({ id: identifier, type: z.string().min(1).max(64) }).strict())
      .max(20)
      .optional(),
    context: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const adminChangeBody = z
  .object({ ...change, reason: z.string().trim().min(1, 'an admin change needs a reason').max(1000) })
  .strict();

/**
 * The ledger's filters. As CSV (the default) it is every matching record, oldest first, in
 * one download; with `format=json`, a page of them newest first, `cursor` and `limit` paging.
 */
export const ledgerQuery = z
  .object({
    purpose: z.string().min(1).optional(),
    since: isoTimestamp.optional().meta({ description: 'Records given at or after this instant' }),
    to: isoTimestamp.optional().meta({ description: 'Records given before this instant' }),
    profileId: z.string().min(1).max(200).optional().meta({ description: "One person's records" }),
    state: z.enum(['granted', 'denied', 'revoked', 'pending']).optional(),
    format: z.enum(['csv', 'json']).default('csv').meta({ description: '`json`: a page, newest first' }),
    cursor: z.string().min(1).max(600).optional().meta({ description: 'format=json: the `next` of the previous page' }),
    limit: z.coerce.number().int().min(1).max(500).optional().meta({ description: 'format=json: records per page (default 50)' }),
  })
  .strict();

/** A page's cursor: where it ended (when the record was given, and its id), opaque to the client. */
const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.getTime()}|${id}`).toString('base64url');
function decodeCursor(cursor: string): LedgerPosition {
  const [ms, ...id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!/^\d{1,15}$/.test(ms ?? '') || !id.join('|').startsWith('cr:'))
    throw badRequest('invalid_query', 'cursor: must be the `next` of a previous page', [{ path: 'cursor', message: 'not a cursor' }]);
  return { at: new Date(Number(ms)), id: id.join('|') };
}

export const verifyBody = z.object({ repair: z.boolean().optional() }).strict();

/**
 * The purpose and state, checked against the active rules (a 400 naming what is allowed),
 * and the state recorded: a grant from this origin of a purpose with double opt-in waits,
 * `pending`, for the person's confirmation.
 */
async function checkedChange(deps: AppDeps, purpose: string, state: string, origin: ConsentOrigin): Promise<ConsentRecordState> {
  const consents = (await deps.stores.rules.active())?.ir.consents ?? [];
  const declared = consents.map((consent) => consent.name);
  if (!(CONSENT_STATES as readonly string[]).includes(state)) {
    throw badRequest('invalid_state', `state: must be one of ${CONSENT_STATES.join(', ')}`, [
      { path: 'state', message: `must be one of ${CONSENT_STATES.join(', ')}`, allowed: CONSENT_STATES },
    ]);
  }
  if (!declared.includes(purpose)) {
    const listed = declared.length > 0 ? declared.join(', ') : 'none (deploy rules that declare a consent)';
    throw badRequest('unknown_purpose', `purpose: '${purpose}' is not declared in the active rules; declared: ${listed}`, [
      { path: 'purpose', message: 'not declared in the active rules', declared },
    ]);
  }
  const confirm =
    state === 'granted' &&
    needsConfirmation(
      consents.find((consent) => consent.name === purpose),
      origin,
    );
  return confirm ? 'pending' : (state as (typeof CONSENT_STATES)[number]);
}

/** The proof of an explicit change: what the caller sent, the address anonymised. */
function proofOf(given: z.infer<typeof proofBody> | undefined, fromContext: ConsentProof, defaultMethod: string): ConsentProof {
  const shown = { ...(given?.text ? { text: given.text } : {}), ...(given?.url ? { url: given.url } : {}) };
  const pageUrl = given?.pageUrl ?? fromContext.pageUrl;
  const userAgent = given?.userAgent ?? fromContext.userAgent;
  const ip = given?.ip ? anonymiseIp(given.ip.toLowerCase()) : fromContext.ip;
  return {
    method: given?.method ?? defaultMethod,
    ...(Object.keys(shown).length > 0 ? { shown } : {}),
    ...(pageUrl ? { pageUrl } : {}),
    ...(userAgent ? { userAgent } : {}),
    ...(ip ? { ip } : {}),
  };
}

function presentRecord(record: ConsentLedgerDoc) {
  const { _id, ...rest } = record;
  return { id: _id, ...rest };
}

const LEDGER_COLUMNS: [string, (record: ConsentLedgerDoc) => unknown][] = [
  ['record_id', (r) => r._id],
  ['profile_id', (r) => r.profileId],
  ['purpose', (r) => r.purpose],
  ['state', (r) => r.state],
  ['at', (r) => r.at],
  ['recorded_at', (r) => r.recordedAt],
  ['expires_at', (r) => r.expiresAt],
  ['origin', (r) => r.origin.kind],
  ['source', (r) => r.origin.source],
  ['reason', (r) => r.origin.reason],
  ['method', (r) => r.proof.method],
  ['shown_title', (r) => r.proof.shown?.title],
  ['shown_rules_version', (r) => r.proof.shown?.rulesVersion],
  ['shown_text', (r) => r.proof.shown?.text],
  ['shown_url', (r) => r.proof.shown?.url],
  ['page_url', (r) => r.proof.pageUrl],
  ['user_agent', (r) => r.proof.userAgent],
  ['ip', (r) => r.proof.ip],
  ['event_id', (r) => r.eventId],
  ['replaces', (r) => r.replaces],
  // Added after the others: consumers that read columns by position keep working.
  ['message', (r) => r.proof.message],
];

/** Resolves once the response may take more (the socket drained), so a large ledger streams in bounded memory. */
export function consentRoutes(deps: AppDeps): Router {
  const router = Router();

  // Forms and back ends, with a source's write key.
  router.post('/v1/consents', async (req: Request, res: Response) => {
    const parsed = consentBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const body = parsed.data;
    const origin: ConsentOrigin = { kind: 'api', source: sourceOf(res) };
    const state = await checkedChange(deps, body.purpose, body.state, origin);
    if (
      body.userId === undefined &&
      body.anonymousId === undefined &&
      body.email === undefined &&
      body.phone === undefined &&
      !body.externalIds?.length
    ) {
      throw badRequest('missing_identifier', 'give the person: userId, anonymousId, email, phone or externalIds', [
        { path: 'userId', message: 'an identifier is required' },
      ]);
    }
    const traits = { ...(body.email ? { email: body.email } : {}), ...(body.phone ? { phone: body.phone } : {}) };
    const context: Record<string, unknown> = {
      ...body.context,
      ...(Object.keys(traits).length > 0 ? { traits } : {}),
      ...(body.externalIds ? { externalIds: body.externalIds } : {}),
    };
    const messageId = body.messageId ?? randomUUID();
    const consent: EventConsent = {
      changes: [{ purpose: body.purpose, state }],
      origin,
      proof: proofOf(body.proof, proofFromContext({ context }, req.ip), 'api'),
    };
    // Identity resolution as for any message: ids, and e-mail or phone as context traits.
    const message: IngestMessage = {
      type: 'track',
      event: CONSENT_EVENTS[state],
      ...(body.userId !== undefined ? { userId: body.userId } : {}),
      ...(body.anonymousId !== undefined ? { anonymousId: body.anonymousId } : {}),
      messageId,
      ...(body.timestamp ? { timestamp: body.timestamp } : {}),
      properties: { purpose: body.purpose, state },
      context,
      consent,
    };
    await deps.ingestor.ingestBatch([message], { receivedAt: deps.now(), source: sourceOf(res), ...(req.ip ? { ip: req.ip } : {}) });
    // `pending`: the person has an e-mail to confirm (double opt-in) before anything is granted.
    res.json({ success: true, recordId: consentRecordId(eventIdFor(messageId), body.purpose), state });
  });

  router.get('/v1/consents', async (_req, res) => {
    const declared = (await deps.stores.rules.active())?.ir.consents ?? [];
    await awaitProfiles(deps, res);
    res.json(await tallyConsents(deps.stores, declared, deps.now()));
  });

  router.get('/v1/consents/ledger', async (req, res) => {
    const parsed = ledgerQuery.safeParse(req.query);
    if (!parsed.success) throw fromZod(parsed.error, 'invalid_query');
    const { purpose, since, to, profileId, state, format, cursor, limit } = parsed.data;
    await awaitProfiles(deps, res);
    const filters = {
      ...(purpose ? { purpose } : {}),
      ...(profileId ? { profileId } : {}),
      ...(state ? { state } : {}),
      ...(since ? { from: new Date(since) } : {}),
      ...(to ? { to: new Date(to) } : {}),
    };
    if (format === 'json') {
      const page = await deps.stores.consents.page({ ...filters, ...(cursor ? { after: decodeCursor(cursor) } : {}), limit: limit ?? 50 });
      const last = page.records.at(-1);
      res.json({ records: page.records.map(presentRecord), ...(page.more && last ? { next: encodeCursor(last.at, last._id) } : {}) });
      return;
    }
    if (cursor !== undefined || limit !== undefined)
      throw badRequest('invalid_query', 'cursor and limit page format=json; the CSV is the whole ledger', [
        { path: cursor !== undefined ? 'cursor' : 'limit', message: 'only with format=json' },
      ]);
    res.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', 'attachment; filename="consent-ledger.csv"');
    await write(res, `${LEDGER_COLUMNS.map(([name]) => name).join(',')}\r\n`);
    for await (const record of deps.stores.consents.stream(filters)) {
      await write(res, `${LEDGER_COLUMNS.map(([, value]) => csvField(value(record))).join(',')}\r\n`);
    }
    res.end();
  });

  router.post('/v1/consents/verify', async (req, res) => {
    const parsed = verifyBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    await awaitProfiles(deps, res);
    res.json(await checkProjections(deps.stores, deps.now(), { repair: parsed.data.repair ?? false }));
  });

  router.get('/v1/profiles/:id/consents', async (req, res) => {
    await awaitProfiles(deps, res);
    const profile = await deps.stores.profiles.findById(req.params.id);
    if (!profile) throw notFound('no profile with that id');
    const now = deps.now();
    const declared = (await deps.stores.rules.active())?.ir.consents ?? [];
    const purposes = [...new Set([...declared.map((consent) => consent.name), ...Object.keys(profile.consents ?? {})])];
    const current = Object.fromEntries(
      purposes.map((purpose) => {
        const record = profile.consents?.[purpose];
        const state = reportedState(profile.consents, purpose, now) ?? 'missing';
        return [
          purpose,
          {
            state,
            granted: state === 'granted',
            ...(record ? { since: record.at } : {}),
            ...(record?.expiresAt ? { expiresAt: record.expiresAt } : {}),
            ...(record?.recordId ? { recordId: record.recordId } : {}),
          },
        ];
      }),
    );
    const history = (await deps.stores.consents.findByIds(profile.consentLog ?? [])).sort(
      (a, b) => b.at.getTime() - a.at.getTime() || b.recordedAt.getTime() - a.recordedAt.getTime(),
    );
    res.json({ profileId: profile._id, consents: current, history: history.map(presentRecord) });
  });

  router.post('/v1/profiles/:id/consents', async (req, res) => {
    const parsed = adminChangeBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fromZod(parsed.error);
    const body = parsed.data;
    const origin: ConsentOrigin = { kind: 'admin', reason: body.reason };
    const state = await checkedChange(deps, body.purpose, body.state, origin);
    const profile = await deps.stores.profiles.findById(req.params.id);
    if (!profile) throw notFound('no profile with that id');
    // Its own namespace: an admin's message id never collides with a tracked one.
    const messageId = `admin:${body.messageId ?? randomUUID()}`;
    const timestamp = body.timestamp ? new Date(body.timestamp) : deps.now();
    const event = await deps.ingestor.ingestForProfile(
      profile._id,
      {
        event: CONSENT_EVENTS[state],
        properties: { purpose: body.purpose, state },
        messageId,
        timestamp,
        consent: { changes: [{ purpose: body.purpose, state }], origin, proof: proofOf(body.proof, {}, 'admin') },
      },
      { receivedAt: deps.now(), source: 'admin' },
    );
    if (!event) throw notFound('no profile with that id');
    const recordId = consentRecordId(event._id, body.purpose);
    await deps.stores.audit.record({
      at: deps.now(),
      kind: 'consent.changed',
      actor: actorLabel(actorOf(res)),
      subject: { profileId: event.profileId, purpose: body.purpose, recordId },
      detail: { state },
      ...(body.reason ? { reason: body.reason } : {}),
    });
    res.json({ success: true, recordId });
  });

  return router;
}
