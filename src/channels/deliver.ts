/**
 * Delivering one message — a journey run's step, or a double opt-in confirmation —
 * exactly once per run and step (per request): the message's
 * document (under its delivery key) records every step, so a retried or restarted send
 * sees a final state and does nothing twice. A crash between the receiver's answer and the
 * record is the one gap no protocol closes: the resend carries the same Message-ID or
 * Idempotency-Key, both derived from the key, so the receiver recognises it.
 *
 * The message's first record carries the person's id, and the `profileId` index of
 * `deliveries` finds it for the person's page, an export and an erasure: nothing is
 * listed beside it. Its console counters are written behind (src/store/delivery-counts.ts).
 *
 * Personal data (the address, the traits, the rendered message) is read here and leaves
 * only towards the receiver: the outcome returned to the workflow is a status and a code.
 */
import {
  FINAL_DELIVERY_STATUSES,
  type BroadcastRequest,
  type ConfirmationRequest,
  type DeliveryStatus,
  type MessageRequest,
  type OutgoingMessage,
  type ProfileDoc,
} from '../model.js';
import type { DeliveryDoc } from '../store/deliveries.js';
import type { DestinationDoc } from '../store/destinations.js';
import type { TemplateDoc } from '../store/templates.js';
import type { Stores } from '../store/index.js';
import { createBatchDelivery, type BatchOptions } from './deliver-many.js';
import { confirmationPath } from './links.js';
import {
  composeEmail,
  emailRefusal,
  holdForCap,
  isMarketing,
  personRefusal,
  unsubscribeUrlOf,
  type EmailExtras,
  type SendRequest,
} from './send-checks.js';
import { postWebhook } from './webhook.js';

export { addressOf, isMarketing, type DelivererDeps, type DeliveryOutcome, type SendRequest } from './send-checks.js';
import type { DelivererDeps, DeliveryOutcome } from './send-checks.js';

/** A failure worth trying again (4xx from SMTP, 5xx/408/429 or the network for a webhook). */
export class RetryableDelivery extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(`delivery will be retried: ${reason}`);
  }
}

export interface Deliverer {
  deliver(request: SendRequest): Promise<DeliveryOutcome>;
  /**
   * A broadcast's batch: each message with the same checks and records as `deliver`, but
   * read, claimed and recorded a batch at a time (src/channels/deliver-many.ts). An
   * outcome per request, in order; undefined for one `options.beforeSend` held back.
   */
  deliverMany(requests: readonly BroadcastRequest[], options?: BatchOptions): Promise<(DeliveryOutcome | undefined)[]>;
  /** Quiet hours: the message waits until `until`. */
  defer(request: MessageRequest, until: Date): Promise<void>;
  /** Retries ran out: the message is recorded as failed. */
  abandon(request: OutgoingMessage, reason: string): Promise<DeliveryOutcome>;
  /** A confirmation e-mail whose link confirms the request until `linkExpiresAt`. */
  confirm(request: ConfirmationRequest, linkExpiresAt: Date): Promise<DeliveryOutcome>;
}

export function createDeliverer(deps: DelivererDeps): Deliverer {
  const { stores, now } = deps;

  const outcomeOf = (doc: DeliveryDoc): DeliveryOutcome => ({ status: doc.status, ...(doc.detail ? { detail: doc.detail } : {}) });

  /** A journey's message counts in its stats. */
  function count(request: OutgoingMessage, what: string): void {
    if ('journey' in request) stores.journeyStats.count(request.journey, request.rulesVersion, what);
  }

  /** Records a final state; the one recorded before, if a previous attempt got there first. */
  async function finish(
    request: OutgoingMessage,
    status: DeliveryStatus,
    detail: string | undefined,
    extra: Parameters<Stores['deliveries']['advance']>[2] = {},
  ): Promise<DeliveryOutcome> {
    const earlier = await stores.deliveries.advance(request, { status, at: now(), ...(detail ? { detail } : {}) }, extra);
    if (earlier) return outcomeOf(earlier);
    count(request, `messages.${status}`);
    return { status, ...(detail ? { detail } : {}) };
  }

  /** Marks an attempt as under way; the final state of an earlier attempt if there is one. */
  async function begin(request: OutgoingMessage): Promise<DeliveryOutcome | null> {
    const earlier = await stores.deliveries.advance(request, { status: 'sending', at: now() });
    return earlier ? outcomeOf(earlier) : null;
  }

  async function capped(request: SendRequest, profile: ProfileDoc, cap: Parameters<typeof holdForCap>[3]): Promise<DeliveryOutcome | null> {
    const held = await holdForCap(deps, request, profile, cap);
    if (held) count(request, 'messages.capped');
    return held;
  }

  async function sendEmail(
    request: OutgoingMessage,
    profile: ProfileDoc,
    extras: EmailExtras,
    template: TemplateDoc | null,
  ): Promise<DeliveryOutcome> {
    const { mailer } = deps;
    const refused = emailRefusal(mailer, template, profile);
    if (refused) return finish(request, refused.status, refused.detail);
    const earlier = await begin(request);
    if (earlier) return earlier;
    const mail = await composeEmail(request, profile, template!, extras, mailer!.from);
    if (!mail) return finish(request, 'failed', 'template error');
    const answer = await mailer!.send(mail);
    switch (answer.kind) {
      case 'sent':
        return finish(request, 'sent', `smtp ${answer.code}`, { sentAt: now() });
      case 'permanent':
        return finish(request, 'failed', `smtp ${answer.code}`);
      case 'retry':
        throw new RetryableDelivery(answer.reason);
    }
  }

  async function sendWebhook(request: MessageRequest, profile: ProfileDoc, destination: DestinationDoc | null): Promise<DeliveryOutcome> {
    if (!destination) return finish(request, 'failed', 'destination missing');
    const earlier = await begin(request);
    if (earlier) return earlier;
    const at = now();
    const traits = Object.fromEntries(
      destination.traits.filter((name) => Object.hasOwn(profile.traits, name)).map((name) => [name, profile.traits[name]]),
    );
    const body = JSON.stringify({
      type: 'journey.step',
      deliveryKey: request.key,
      journey: request.journey,
      rulesVersion: request.rulesVersion,
      step: request.step,
      profileId: profile._id,
      with: request.with,
      traits,
      sentAt: at.toISOString(),
    });
    const answer = await postWebhook({ url: destination.url, secret: destination.secret, body, idempotencyKey: request.key, now: at });
    switch (answer.kind) {
      case 'sent':
        return finish(request, 'sent', `http ${answer.status}`, { sentAt: now(), answer: { status: answer.status, body: answer.answer } });
      case 'permanent':
        return finish(request, 'failed', `http ${answer.status}`, { answer: { status: answer.status, body: answer.answer } });
      case 'retry':
        throw new RetryableDelivery(answer.reason, answer.retryAfterMs);
    }
  }

  /**
   * What a send decides on, read at once: its earlier attempt, the person, the channel's
   * cap (marketing only) and the template or destination. One round trip's wait instead
   * of four, inside a run's workflow task when the send is its local first attempt. The
   * cap and the template come from the process's recent reads (src/store/recent-reads.ts:
   * another process's edit is seen within seconds), so most sends read the message and
   * the person only.
   */
  async function readForSend(request: SendRequest) {
    const marketing = isMarketing(request);
    const email = request.channel === 'email';
    const [earlier, profile, cap, template, destination] = await Promise.all([
      stores.deliveries.findById(request.key),
      stores.profiles.findById(request.profileId),
      marketing ? stores.frequencyCaps.forSend(request.channel) : null,
      email ? stores.templates.forSend(request.name) : null,
      email ? null : stores.destinations.get(request.name),
    ]);
    return { marketing, earlier, profile, cap, template, destination };
  }

  return {
    async deliver(request) {
      const { marketing, earlier, profile, cap, template, destination } = await readForSend(request);
      if (earlier && FINAL_DELIVERY_STATUSES.includes(earlier.status)) return outcomeOf(earlier);
      // Erased while the run winds down: nothing is sent and nothing recorded about them.
      if (!profile) return { status: 'skipped', detail: 'no profile' };
      const refused = personRefusal(request, profile, now());
      if (refused) return finish(request, refused.status, refused.detail);
      const held = marketing ? await capped(request, profile, cap) : null;
      if (held) return held;
      if (request.channel === 'webhook') return sendWebhook(request, profile, destination);
      const unsubscribeUrl = unsubscribeUrlOf(request, profile, deps.links, deps.publicUrl);
      return sendEmail(request, profile, { variables: {}, ...(unsubscribeUrl ? { unsubscribeUrl } : {}) }, template);
    },

    deliverMany: createBatchDelivery(deps),

    async defer(request, until) {
      await stores.deliveries.advance(request, { status: 'deferred', at: now(), detail: 'quiet hours', until });
      count(request, 'messages.quiet-hours');
    },

    async confirm(request, linkExpiresAt) {
      const earlier = await stores.deliveries.findById(request.key);
      if (earlier && FINAL_DELIVERY_STATUSES.includes(earlier.status)) return outcomeOf(earlier);
      const profile = await stores.profiles.findById(request.profileId);
      if (!profile) return { status: 'skipped', detail: 'no profile' };
      if (profile.restricted) return finish(request, 'skipped', 'restricted');
      const confirmUrl = `${deps.publicUrl}${confirmationPath(deps.links.confirmationToken({ recordId: request.confirms, expiresAt: linkExpiresAt }))}`;
      return sendEmail(
        request,
        profile,
        { variables: { confirm_url: confirmUrl, purpose: request.purpose } },
        await stores.templates.forSend(request.name),
      );
    },

    async abandon(request, reason) {
      return finish(request, 'failed', reason);
    },
  };
}
