/**
 * One-click unsubscribe (RFC 8058) from a signed link in a marketing e-mail. A POST — the
 * mail client's one click, or the button of the page — revokes the purposes the message's
 * journey required, with the message as proof, and nothing else. A GET only shows that
 * page: link scanners and prefetchers open every link, and must not unsubscribe anyone.
 */
import express, { Router } from 'express';
import { CONSENT_EVENTS } from '../../consent/events.js';
import type { AppDeps } from '../deps.js';
import { personPage as page } from '../person-page.js';

const INVALID =
  '<p>This unsubscribe link is not valid. It may have been cut short by your mail program; try the link in the e-mail again.</p>';

export function unsubscribeRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/v1/unsubscribe/:token', (req, res) => {
    if (!deps.links.readUnsubscribeToken(req.params.token)) return page(res, 400, 'Invalid link', INVALID);
    page(
      res,
      200,
      'Unsubscribe',
      '<p>Stop receiving these e-mails?</p><form method="post"><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>',
    );
  });

  router.post('/v1/unsubscribe/:token', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const link = deps.links.readUnsubscribeToken(req.params.token);
    if (!link) return page(res, 400, 'Invalid link', INVALID);
    const declared = new Set((await deps.stores.rules.active())?.ir.consents.map((consent) => consent.name) ?? []);
    const purposes = link.purposes.filter((purpose) => declared.has(purpose));
    if (purposes.length > 0) {
      // One record per message however often it is clicked: the message id derives from it.
      await deps.ingestor.ingestForProfile(
        link.profileId,
        {
          event: CONSENT_EVENTS.revoked,
          properties: { purposes, state: 'revoked', via: 'unsubscribe' },
          messageId: `unsubscribe:${link.deliveryKey}`,
          timestamp: deps.now(),
          consent: {
            changes: purposes.map((purpose) => ({ purpose, state: 'revoked' as const })),
            origin: { kind: 'unsubscribe', source: 'unsubscribe' },
            proof: { method: 'unsubscribe', message: link.deliveryKey },
          },
        },
        { receivedAt: deps.now(), source: 'unsubscribe' },
      );
      // The console's chart: once per message, however often the link is clicked.
      await deps.stores.deliveries.recordUnsubscribe(link.deliveryKey, deps.now());
    }
    // An erased person, or a purpose no longer declared, has nothing left to revoke: the same answer.
    page(res, 200, 'You are unsubscribed', '<p>You will not receive these e-mails any more.</p>');
  });

  return router;
}
