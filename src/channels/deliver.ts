/**
 * Delivering one message — a journey run's step, or a double opt-in confirmation —
 * exactly once per run and step (per request): the message's
 * document (under its delivery key) records every step, so a retried or restarted send
 * sees a final state and does nothing twice. A crash between the receiver's answer and the
 * record is the one gap no protocol closes: the resend carries the same Message-ID or
 * Idempotency-Key, both derived from the key, so the receiver recognises it.
 *
 * Personal data (the address, the traits, the rendered message) is read here and leaves
 * only towards the receiver: the outcome returned to the workflow is a status and a code.
 */
import { localDate, millisUntilLocalTime } from '../util/local-time.js';
import { consentState } from '../conditions/predicate.js';
import { messageKindOf } from '../dsl/ir.js';
import {
  FINAL_DELIVERY_STATUSES,
  type ConfirmationRequest,
  type DeliveryStatus,
  type BroadcastRequest,
  type MessageRequest,
  type OutgoingMessage,
  type ProfileDoc,
} from '../model.js';
import type { DeliveryDoc } from '../store/deliveries.js';
import type { DestinationDoc } from '../store/destinations.js';
import type { FrequencyCapDoc } from '../store/frequency-caps.js';
import type { TemplateDoc } from '../store/templates.js';
import type { Stores } from '../store/index.js';
import { confirmationPath, unsubscribePath, type LinkSigner } from './links.js';
import { messageIdOf, type Mailer } from './mailer.js';
import { renderTemplate } from './templates.js';
import { postWebhook } from './webhook.js';

/** What `deliver` sends with every check of a journey's send: a journey's message or a broadcast's. */
export type SendRequest = MessageRequest | BroadcastRequest;

export interface DeliveryOutcome {
  status: DeliveryStatus;
  detail?: string;
  /** A message held by its channel's frequency cap: try again after this long (ms). */
  retryInMs?: number;
}

/** A failure worth trying again (4xx from SMTP, 5xx/408/429 or the network for a webhook). */
export class RetryableDelivery extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(`delivery will be retried: ${reason}`);
  }
}

export interface DelivererDeps {
  stores: Stores;
  now: () => Date;
  /** Absent without ITINERA_SMTP_URL: e-mails are recorded as `not-configured`. */
  mailer?: Mailer;
  links: LinkSigner;
  /** Where people reach this server (unsubscribe links). */
  publicUrl: string;
  /** For frequency caps' calendar days when a profile has no valid `timezone` trait. */
  defaultTimeZone: string;
}

export interface Deliverer {
  deliver(request: SendRequest): Promise<DeliveryOutcome>;
  /** Quiet hours: the message waits until `until`. */
  defer(request: MessageRequest, until: Date): Promise<void>;
  /** Retries ran out: the message is recorded as failed. */
  abandon(request: OutgoingMessage, reason: string): Promise<DeliveryOutcome>;
  /** A confirmation e-mail whose link confirms the request until `linkExpiresAt`. */
  confirm(request: ConfirmationRequest, linkExpiresAt: Date): Promise<DeliveryOutcome>;
}

/** What an e-mail's template sees besides the person, and its unsubscribe link (marketing only). */
interface EmailExtras {
  variables: Record<string, unknown>;
  unsubscribeUrl?: string;
}

/**
 * Where a person's e-mail goes: their `email` trait, else the latest e-mail address they
 * were identified by (a form's `POST /v1/consents` with an address, which sets no trait).
 */
export function addressOf(profile: ProfileDoc): string | undefined {
  const trait = profile.traits.email;
  if (typeof trait === 'string' && trait.includes('@')) return trait;
  return profile.identities.email?.at(-1);
}

/**
 * Whether a message is marketing: consent checked when it is sent, a one-click unsubscribe,
 * the frequency cap. Its rules say so (issue 31); a run of a rules version compiled before
 * then says nothing, and its message is marketing when it names consents, as it was then.
 */
export function isMarketing(request: SendRequest): boolean {
  return messageKindOf({ messages: request.messages, requiresConsent: request.consents ?? [] }) === 'marketing';
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

  /**
   * A marketing message beyond its channel's cap for the person's calendar day waits for
   * the next day (their local midnight) rather than being dropped: a drip's chapters arrive
   * late, in order, none lost. Each message takes its slot once; a retry keeps it.
   */
  async function holdForCap(request: SendRequest, profile: ProfileDoc, cap: FrequencyCapDoc | null): Promise<DeliveryOutcome | null> {
    if (!cap) return null;
    const at = now();
    const zone = typeof profile.traits.timezone === 'string' ? profile.traits.timezone : deps.defaultTimeZone;
    if (await stores.deliveries.takeSlot(profile._id, request.channel, localDate(at, zone, deps.defaultTimeZone), request.key, cap.max))
      return null;
    const retryInMs = millisUntilLocalTime(at, '00:00', zone, deps.defaultTimeZone);
    await stores.deliveries.advance(request, {
      status: 'deferred',
      at,
      detail: 'frequency cap',
      until: new Date(at.getTime() + retryInMs),
    });
    count(request, 'messages.capped');
    return { status: 'deferred', detail: 'frequency cap', retryInMs };
  }

  async function sendEmail(
    request: OutgoingMessage,
    profile: ProfileDoc,
    extras: EmailExtras,
    template: TemplateDoc | null,
  ): Promise<DeliveryOutcome> {
    const { mailer } = deps;
    if (!mailer) return finish(request, 'not-configured', 'no smtp');
    if (!template) return finish(request, 'failed', 'template missing');
    const to = addressOf(profile);
    if (to === undefined) return finish(request, 'skipped', 'no address');
    const earlier = await begin(request);
    if (earlier) return earlier;
    const { unsubscribeUrl } = extras;
    let rendered;
    try {
      rendered = await renderTemplate(template, {
        traits: profile.traits,
        with: request.with,
        profile_id: profile._id,
        ...extras.variables,
        ...(unsubscribeUrl ? { unsubscribe_url: unsubscribeUrl } : {}),
      });
    } catch {
      return finish(request, 'failed', 'template error');
    }
    const answer = await mailer.send({
      to,
      ...rendered,
      messageId: messageIdOf(request.key, mailer.from),
      headers: unsubscribeUrl ? { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {},
    });
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
   * of four, inside a run's workflow task when the send is its local first attempt.
   */
  async function readForSend(request: SendRequest) {
    const marketing = isMarketing(request);
    const email = request.channel === 'email';
    const [earlier, profile, cap, template, destination] = await Promise.all([
      stores.deliveries.findById(request.key),
      stores.profiles.findById(request.profileId),
      marketing ? stores.frequencyCaps.get(request.channel) : null,
      email ? stores.templates.get(request.name) : null,
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
      if (!earlier) await stores.deliveries.listUnder(request);
      if (profile.restricted) return finish(request, 'skipped', 'restricted');
      const at = now();
      const purposes = request.consents ?? [];
      if (marketing) {
        // Deny by default, at the moment of sending: a withdrawal still on its way to the run as a signal counts.
        if (purposes.length === 0) return finish(request, 'skipped', 'no consent named');
        const missing = purposes.find((purpose) => consentState(profile.consents, purpose, at) !== 'granted');
        if (missing !== undefined) return finish(request, 'skipped', `consent ${missing}`);
      }
      const capped = marketing ? await holdForCap(request, profile, cap) : null;
      if (capped) return capped;
      if (request.channel === 'webhook') return sendWebhook(request, profile, destination);
      // A marketing message can be unsubscribed from in one click (RFC 8058); an operational one has no list to leave.
      const unsubscribeUrl = marketing
        ? `${deps.publicUrl}${unsubscribePath(deps.links.unsubscribeToken({ deliveryKey: request.key, profileId: profile._id, purposes }))}`
        : undefined;
      return sendEmail(request, profile, { variables: {}, ...(unsubscribeUrl ? { unsubscribeUrl } : {}) }, template);
    },

    async defer(request, until) {
      await stores.deliveries.listUnder(request);
      await stores.deliveries.advance(request, { status: 'deferred', at: now(), detail: 'quiet hours', until });
      count(request, 'messages.quiet-hours');
    },

    async confirm(request, linkExpiresAt) {
      const earlier = await stores.deliveries.findById(request.key);
      if (earlier && FINAL_DELIVERY_STATUSES.includes(earlier.status)) return outcomeOf(earlier);
      const profile = await stores.profiles.findById(request.profileId);
      if (!profile) return { status: 'skipped', detail: 'no profile' };
      if (!earlier) await stores.deliveries.listUnder(request);
      if (profile.restricted) return finish(request, 'skipped', 'restricted');
      const confirmUrl = `${deps.publicUrl}${confirmationPath(deps.links.confirmationToken({ recordId: request.confirms, expiresAt: linkExpiresAt }))}`;
      return sendEmail(
        request,
        profile,
        { variables: { confirm_url: confirmUrl, purpose: request.purpose } },
        await stores.templates.get(request.name),
      );
    },

    async abandon(request, reason) {
      return finish(request, 'failed', reason);
    },
  };
}
