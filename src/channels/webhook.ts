/**
 * Posting to a webhook destination: signed (`Itinera-Signature: t=<unix s>,v1=<hex
 * HMAC-SHA256 of "t.body">`, Stripe's scheme, so receivers reuse what they know), with
 * the delivery key as `Idempotency-Key`, and its answer sorted into sent, retry or
 * permanent failure.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'Itinera-Signature';

export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export type WebhookAnswer =
  | { kind: 'sent'; status: number; answer: string }
  | { kind: 'permanent'; status: number; answer: string }
  /** Network error, 5xx, 408 or 429: try again, after `retryAfterMs` when the receiver said so. */
  | { kind: 'retry'; status?: number; reason: string; retryAfterMs?: number };

/** How much of a receiver's answer is kept with the delivery. */
const ANSWER_LIMIT = 1_000;
const TIMEOUT_MS = 10_000;

export async function postWebhook(request: {
  url: string;
  secret: string;
  body: string;
  idempotencyKey: string;
  now: Date;
}): Promise<WebhookAnswer> {
  const unixSeconds = Math.floor(request.now.getTime() / 1000);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Itinera-Webhooks/1',
        'Idempotency-Key': request.idempotencyKey,
        [SIGNATURE_HEADER]: webhookSignature(request.secret, unixSeconds, request.body),
      },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return {
      kind: 'retry',
      reason: `network: ${(error as Error).name === 'TimeoutError' ? 'timed out' : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message)}`,
    };
  }
  const answer = (await response.text().catch(() => '')).slice(0, ANSWER_LIMIT);
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'sent', status, answer };
  if (status >= 500 || status === 408 || status === 429) {
    const retryAfterMs = retryAfterOf(response.headers.get('retry-after'), request.now);
    return { kind: 'retry', status, reason: `http ${status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { kind: 'permanent', status, answer };
}

/** `Retry-After` as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterOf(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
