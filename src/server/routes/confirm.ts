/**
 * Double opt-in: the person confirms a pending consent request from the signed link in
 * its confirmation e-mail. A GET only shows a page with a button (link scanners and
 * prefetchers open every link, and must not confirm anyone's consent); its POST records
 * the grant, with the request it confirms, the confirmation e-mail and the click's browser
 * and (anonymised) address as proof. The grant's terms (`expires after`) start now.
 *
 * Answers: 200 with a button while the request is open, or once it is confirmed (a second
 * click confirms nothing twice); 410 when the link has expired or the request was closed
 * (revoked, asked again, granted otherwise since, erased); 400 when the link was altered.
 */
import express, { Router } from 'express';
import { confirmationKey, confirmationOpen } from '../../consent/confirmation.js';
import { consentRecordId } from '../../consent/decide.js';
import { CONSENT_EVENTS } from '../../consent/events.js';
import { proofFromContext } from '../../ingest/consent-capture.js';
import type { ProfileDoc } from '../../model.js';
import type { ConsentLedgerDoc } from '../../store/consents.js';
import type { AppDeps } from '../deps.js';
import { escapeHtml, personPage as page } from '../person-page.js';

const INVALID =
  '<p>This confirmation link is not valid. It may have been cut short by your mail program; try the link in the e-mail again.</p>';
const CLOSED =
  '<p>This confirmation link no longer confirms anything: it has expired, or a newer request or a later choice replaced it. If you asked again, use the link in the newest e-mail.</p>';

type Standing =
  | { kind: 'invalid' }
  | { kind: 'closed' }
  | { kind: 'confirmed'; title: string }
  | { kind: 'open'; title: string; record: ConsentLedgerDoc; profile: ProfileDoc };

export function confirmRoutes(deps: AppDeps): Router {
  const router = Router();

  /** The consent's title in the active rules (its name without one), for the page. */
  async function titleOf(purpose: string): Promise<string> {
    return (await deps.stores.rules.active())?.ir.consents.find((consent) => consent.name === purpose)?.title ?? purpose;
  }

  /** Where the request a link names stands now. */
  async function standingOf(token: string): Promise<Standing> {
    const link = deps.links.readConfirmationToken(token);
    if (!link) return { kind: 'invalid' };
    const record = await deps.stores.consents.findById(link.recordId);
    if (!record || record.state !== 'pending') return { kind: 'closed' };
    const profile = await deps.stores.profiles.findById(record.profileId);
    const current = profile?.consents?.[record.purpose];
    if (!profile || !current) return { kind: 'closed' };
    const title = await titleOf(record.purpose);
    if (current.recordId !== undefined && current.recordId !== record._id && current.state === 'granted') {
      const grant = await deps.stores.consents.findById(current.recordId);
      if (grant?.proof.confirms === record._id) return { kind: 'confirmed', title };
    }
    if (link.expiresAt.getTime() <= deps.now().getTime() || !confirmationOpen(current, record._id, record.at)) return { kind: 'closed' };
    return { kind: 'open', title, record, profile };
  }

  const confirmedPage = (title: string) => `<p>Thank you: your consent to <strong>${escapeHtml(title)}</strong> is confirmed.</p>`;

  router.get('/v1/confirm/:token', async (req, res) => {
    const standing = await standingOf(req.params.token);
    switch (standing.kind) {
      case 'invalid':
        return page(res, 400, 'Invalid link', INVALID);
      case 'closed':
        return page(res, 410, 'Link no longer valid', CLOSED);
      case 'confirmed':
        return page(res, 200, 'Confirmed', confirmedPage(standing.title));
      case 'open':
        return page(
          res,
          200,
          'Confirm your consent',
          `<p>Confirm that you agree to <strong>${escapeHtml(standing.title)}</strong>?</p><form method="post"><button type="submit">Confirm</button></form>`,
        );
    }
  });

  router.post('/v1/confirm/:token', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const standing = await standingOf(req.params.token);
    if (standing.kind === 'invalid') return page(res, 400, 'Invalid link', INVALID);
    if (standing.kind === 'closed') return page(res, 410, 'Link no longer valid', CLOSED);
    if (standing.kind === 'confirmed') return page(res, 200, 'Confirmed', confirmedPage(standing.title));
    const { record, profile, title } = standing;
    // The click's browser and address (anonymised), as any proof records them.
    const { userAgent, ip } = proofFromContext({ context: { userAgent: req.get('user-agent') } }, req.ip);
    const clickProof = { ...(userAgent ? { userAgent } : {}), ...(ip ? { ip } : {}) };
    // One record per request however often it is clicked: the message id derives from it.
    const event = await deps.ingestor.ingestForProfile(
      profile._id,
      {
        event: CONSENT_EVENTS.granted,
        properties: { purpose: record.purpose, state: 'granted', via: 'double-opt-in' },
        messageId: `confirm:${record._id}`,
        timestamp: deps.now(),
        consent: {
          changes: [{ purpose: record.purpose, state: 'granted' }],
          confirms: { recordId: record._id, at: record.at },
          origin: { kind: 'confirmation', source: 'confirmation' },
          proof: { method: 'double-opt-in', confirms: record._id, message: confirmationKey(record._id), ...clickProof },
        },
      },
      { receivedAt: deps.now(), source: 'confirmation' },
    );
    // The decision is taken under the profile's lock: a revocation that got there first closes the request.
    await deps.profilesSettled();
    const after = event ? (await deps.stores.profiles.findById(profile._id))?.consents?.[record.purpose] : undefined;
    if (event && after?.recordId === consentRecordId(event._id, record.purpose)) return page(res, 200, 'Confirmed', confirmedPage(title));
    page(res, 410, 'Link no longer valid', CLOSED);
  });

  return router;
}
