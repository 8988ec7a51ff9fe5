/**
 * The erasure receipt handed to the data subject: what was removed (counts per kind of
 * data), when each step finished, each destination's answer. It names no person: the
 * request id is the only link, and only the person (or whoever they hand it to) knows
 * which request was theirs. Signed with Ed25519; the public key is served at
 * `GET /v1/privacy/receipt-key` and docs/privacy.md shows the `openssl` command that checks it.
 */
import type { PrivacyRequestDoc } from '../store/privacy-requests.js';
import { ERASURE_STEPS } from '../store/privacy-requests.js';
import { destinationOfNoticeKey } from './erasure.js';
import type { PrivacyKeys } from './keys.js';

export interface SignedReceipt {
  /** The exact bytes signed (UTF-8 JSON text). */
  receipt: string;
  /** Base64 Ed25519 signature of `receipt`. */
  signature: string;
  algorithm: 'Ed25519';
  publicKey: string;
}

/** The receipt's content: fixed key order, so the text is the same every time it is issued. */
export function receiptOf(request: PrivacyRequestDoc, issuer: string): Record<string, unknown> {
  const steps = Object.fromEntries(
    ERASURE_STEPS.flatMap((step) => (request.steps?.[step] ? [[step, request.steps[step]!.toISOString()]] : [])),
  );
  const destinations = Object.fromEntries(
    Object.entries(request.notices ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, notice]) => [
        destinationOfNoticeKey(key),
        { status: notice.status, at: notice.at.toISOString(), ...(notice.detail ? { detail: notice.detail } : {}) },
      ]),
  );
  return {
    type: 'itinera.erasure-receipt',
    version: 1,
    issuer,
    requestId: request._id,
    requestedAt: request.createdAt.toISOString(),
    completedAt: request.completedAt?.toISOString() ?? null,
    removed: request.removed ?? null,
    steps,
    destinations,
  };
}

export function signedReceipt(request: PrivacyRequestDoc, issuer: string, keys: PrivacyKeys): SignedReceipt {
  const receipt = JSON.stringify(receiptOf(request, issuer));
  return { receipt, signature: keys.sign(receipt), algorithm: 'Ed25519', publicKey: keys.publicKeyPem() };
}
