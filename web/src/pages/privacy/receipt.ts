/**
 * Checking an erasure receipt in the browser: the Ed25519 signature over the receipt's exact
 * text, against the key this server publishes (GET /v1/receipt-key), not the key the receipt
 * carries (anyone can sign with a key of their own). WebCrypto does the check; nothing is
 * sent anywhere.
 */
import { getText } from '../../api';
import type { SignedReceipt } from './types';

export type Verdict = { valid: true; requestId?: string } | { valid: false; why: string };

function bytesOfBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function derOfPem(pem: string): Uint8Array<ArrayBuffer> {
  return bytesOfBase64(pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, ''));
}

let serverKey: Promise<CryptoKey> | undefined;
function receiptKey(): Promise<CryptoKey> {
  serverKey ??= getText('/v1/receipt-key').then((pem) =>
    crypto.subtle.importKey('spki', derOfPem(pem), { name: 'Ed25519' }, false, ['verify']),
  );
  serverKey.catch(() => (serverKey = undefined));
  return serverKey;
}

/** A receipt as given (the API's answer, or text pasted in): parsed, then checked. */
export function readReceipt(text: string): SignedReceipt | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'this is not JSON';
  }
  const receipt = parsed as Partial<SignedReceipt>;
  if (typeof receipt.receipt !== 'string' || typeof receipt.signature !== 'string') return 'a receipt has "receipt" and "signature" fields';
  return receipt as SignedReceipt;
}

export async function verifyReceipt(signed: SignedReceipt): Promise<Verdict> {
  if (!window.crypto?.subtle) return { valid: false, why: 'this browser cannot check signatures here (WebCrypto needs https)' };
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = bytesOfBase64(signed.signature);
  } catch {
    return { valid: false, why: 'the signature is not base64' };
  }
  const key = await receiptKey();
  const valid = await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, new TextEncoder().encode(signed.receipt));
  if (!valid) return { valid: false, why: "the signature does not match the receipt's text and this server's key" };
  let requestId: string | undefined;
  try {
    requestId = (JSON.parse(signed.receipt) as { requestId?: string }).requestId;
  } catch {
    // Signed but not JSON: still what this server signed.
  }
  return requestId ? { valid: true, requestId } : { valid: true };
}
