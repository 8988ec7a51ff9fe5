/**
 * Signed links in messages (one-click unsubscribe): the URL carries what the click acts
 * on, signed with the server's link secret, so nothing is looked up to trust it and a
 * changed character makes it invalid. They carry ids only (a delivery key, a profile id,
 * purposes), never an address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeLink {
  /** The message it came from: the proof recorded with the revocation. */
  deliveryKey: string;
  profileId: string;
  /** The purposes the message's journey required: what a click revokes. */
  purposes: string[];
}

interface SignedPayload {
  v: 1;
  kind: 'unsubscribe';
  d: string;
  p: string;
  c: string[];
}

export class LinkSigner {
  constructor(private readonly secret: string) {}

  unsubscribeToken(link: UnsubscribeLink): string {
    const payload: SignedPayload = { v: 1, kind: 'unsubscribe', d: link.deliveryKey, p: link.profileId, c: link.purposes };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The link a token stands for; null when it was not signed here or was altered. */
  readUnsubscribeToken(token: string): UnsubscribeLink | null {
    const [body, signature, ...rest] = token.split('.');
    if (!body || !signature || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<SignedPayload>;
      if (payload.v !== 1 || payload.kind !== 'unsubscribe' || typeof payload.d !== 'string' || typeof payload.p !== 'string' || !Array.isArray(payload.c)) return null;
      return { deliveryKey: payload.d, profileId: payload.p, purposes: payload.c.filter((purpose): purpose is string => typeof purpose === 'string') };
    } catch {
      return null;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(`itinera-link:${body}`).digest('base64url');
  }
}

/** The secret for links when none is configured: stable across restarts, and secret as long as the admin key is. */
export function derivedLinkSecret(adminKey: string): string {
  return createHmac('sha256', adminKey).update('itinera link secret').digest('hex');
}

/** Where a person unsubscribes from a message: GET shows a button, POST (RFC 8058) acts. */
export function unsubscribePath(token: string): string {
  return `/v1/unsubscribe/${token}`;
}
