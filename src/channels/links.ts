/**
 * Signed links in messages (one-click unsubscribe, double opt-in confirmation): the URL
 * carries what the click acts on, signed with the server's link secret, so nothing is
 * looked up to trust it and a changed character makes it invalid. They carry ids only (a
 * delivery key, a profile id, a ledger record id, purposes), never an address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeLink {
  /** The message it came from: the proof recorded with the revocation. */
  deliveryKey: string;
  profileId: string;
  /** The purposes the message's journey required: what a click revokes. */
  purposes: string[];
}

export interface ConfirmationLink {
  /** The `pending` ledger record the click confirms. */
  recordId: string;
  /** After this instant the link no longer confirms anything. */
  expiresAt: Date;
}

interface UnsubscribePayload {
  v: 1;
  kind: 'unsubscribe';
  d: string;
  p: string;
  c: string[];
}

interface ConfirmationPayload {
  v: 1;
  kind: 'confirm';
  r: string;
  /** Expiry, epoch seconds. */
  x: number;
}

/** A person's data export, downloadable once until it expires. */
export interface DownloadLink {
  exportId: string;
  expiresAt: Date;
}

interface DownloadPayload {
  v: 1;
  kind: 'download';
  e: string;
  x: number;
}

/** A person's privacy page: what is held about them, their choices, export and erasure. */
export interface PortalLink {
  profileId: string;
  expiresAt: Date;
  /** The language the page opens in. */
  lang: string;
}

interface PortalPayload {
  v: 1;
  kind: 'portal';
  p: string;
  x: number;
  l: string;
}

/** An erasure the person asked for on their privacy page: its status and receipt. */
interface ErasureStatusPayload {
  v: 1;
  kind: 'erasure';
  r: string;
  l: string;
}

type Payload = UnsubscribePayload | ConfirmationPayload | DownloadPayload | PortalPayload | ErasureStatusPayload;

export class LinkSigner {
  constructor(private readonly secret: string) {}

  unsubscribeToken(link: UnsubscribeLink): string {
    return this.seal({ v: 1, kind: 'unsubscribe', d: link.deliveryKey, p: link.profileId, c: link.purposes });
  }

  /** The link an unsubscribe token stands for; null when it was not signed here or was altered. */
  readUnsubscribeToken(token: string): UnsubscribeLink | null {
    const payload = this.open(token);
    if (payload?.kind !== 'unsubscribe' || typeof payload.d !== 'string' || typeof payload.p !== 'string' || !Array.isArray(payload.c))
      return null;
    return {
      deliveryKey: payload.d,
      profileId: payload.p,
      purposes: payload.c.filter((purpose): purpose is string => typeof purpose === 'string'),
    };
  }

  confirmationToken(link: ConfirmationLink): string {
    return this.seal({ v: 1, kind: 'confirm', r: link.recordId, x: Math.floor(link.expiresAt.getTime() / 1000) });
  }

  /** The link a confirmation token stands for (expired or not); null when it was not signed here or was altered. */
  readConfirmationToken(token: string): ConfirmationLink | null {
    const payload = this.open(token);
    if (payload?.kind !== 'confirm' || typeof payload.r !== 'string' || typeof payload.x !== 'number') return null;
    return { recordId: payload.r, expiresAt: new Date(payload.x * 1000) };
  }

  downloadToken(link: DownloadLink): string {
    return this.seal({ v: 1, kind: 'download', e: link.exportId, x: Math.floor(link.expiresAt.getTime() / 1000) });
  }

  readDownloadToken(token: string): DownloadLink | null {
    const payload = this.open(token);
    if (payload?.kind !== 'download' || typeof payload.e !== 'string' || typeof payload.x !== 'number') return null;
    return { exportId: payload.e, expiresAt: new Date(payload.x * 1000) };
  }

  portalToken(link: PortalLink): string {
    return this.seal({ v: 1, kind: 'portal', p: link.profileId, x: Math.floor(link.expiresAt.getTime() / 1000), l: link.lang });
  }

  /** The link a portal token stands for (expired or not); null when it was not signed here or was altered. */
  readPortalToken(token: string): PortalLink | null {
    const payload = this.open(token);
    if (payload?.kind !== 'portal' || typeof payload.p !== 'string' || typeof payload.x !== 'number' || typeof payload.l !== 'string')
      return null;
    return { profileId: payload.p, expiresAt: new Date(payload.x * 1000), lang: payload.l };
  }

  /**
   * The erasure's own link: it outlives the portal link, whose person is gone once the
   * erasure completes, so the person can still fetch their receipt.
   */
  erasureStatusToken(requestId: string, lang: string): string {
    return this.seal({ v: 1, kind: 'erasure', r: requestId, l: lang });
  }

  readErasureStatusToken(token: string): { requestId: string; lang: string } | null {
    const payload = this.open(token);
    if (payload?.kind !== 'erasure' || typeof payload.r !== 'string' || typeof payload.l !== 'string') return null;
    return { requestId: payload.r, lang: payload.l };
  }

  private seal(payload: Payload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The signed payload, or null when the signature does not match (or the token is malformed). */
  private open(token: string): Partial<Payload> | null {
    const [body, signature, ...rest] = token.split('.');
    if (!body || !signature || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Payload> | null;
      return payload !== null && typeof payload === 'object' && payload.v === 1 ? payload : null;
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

/** A person's privacy page. */
export function portalPath(token: string): string {
  return `/v1/portal/${token}`;
}

/** Where a person confirms a consent (double opt-in): GET shows a button, POST confirms. */
export function confirmationPath(token: string): string {
  return `/v1/confirm/${token}`;
}
