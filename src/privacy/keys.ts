/**
 * The privacy secret and what is derived from it: the keyed hashes of the suppression list
 * and the Ed25519 key that signs erasure receipts. Set `ITINERA_PRIVACY_SECRET` in
 * production; by default it is derived from the admin key, so changing that key makes old
 * suppressions unrecognisable and old receipts verify against the old public key only.
 */
import { createHmac, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { identityKey, normaliseIdentity, type IdentityRef } from '../profile/identifiers.js';

export function derivedPrivacySecret(adminKey: string): string {
  return createHmac('sha256', adminKey).update('itinera privacy secret').digest('hex');
}

/** PKCS#8 framing of a raw 32-byte Ed25519 seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export class PrivacyKeys {
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;

  constructor(private readonly secret: string) {
    const seed = createHmac('sha256', secret).update('itinera receipt key v1').digest();
    this.privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    this.publicKey = createPublicKey(this.privateKey);
  }

  /** The suppression list's id of an identifier: nobody without the secret can tell whose it is. */
  suppressionId(ref: IdentityRef): string {
    return `sup_${createHmac('sha256', this.secret)
      .update(identityKey(normaliseIdentity(ref)))
      .digest('hex')}`;
  }

  /** Base64 Ed25519 signature of the text's UTF-8 bytes. */
  sign(text: string): string {
    return sign(null, Buffer.from(text, 'utf8'), this.privateKey).toString('base64');
  }

  verify(text: string, signature: string): boolean {
    return verify(null, Buffer.from(text, 'utf8'), this.publicKey, Buffer.from(signature, 'base64'));
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
}
