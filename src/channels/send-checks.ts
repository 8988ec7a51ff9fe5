/**
 * What decides whether one person gets one message, at the moment it is sent: the same
 * checks whether the message goes alone (`deliver`, a journey's step) or in a batch
 * (`deliverMany`, a broadcast's chunk), written once here. The checks that need nothing
 * but what was read are plain functions; the frequency cap, which takes a slot, is the one
 * that writes.
 */
import { consentState } from '../conditions/predicate.js';
import { messageKindOf } from '../dsl/ir.js';
import type { BroadcastRequest, DeliveryStatus, MessageRequest, OutgoingMessage, ProfileDoc } from '../model.js';
import type { FrequencyCapDoc } from '../store/frequency-caps.js';
import type { Stores } from '../store/index.js';
import type { TemplateDoc } from '../store/templates.js';
import { localDate, millisUntilLocalTime } from '../util/local-time.js';
import { unsubscribePath, type LinkSigner } from './links.js';
import { messageIdOf, type Mailer, type OutgoingMail } from './mailer.js';
import { renderTemplate } from './templates.js';

/** What sending needs, alone (`deliver`) or in a batch (`deliverMany`). */
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

/** What became of one message: its status, why, and when a capped one may go. */
export interface DeliveryOutcome {
  status: DeliveryStatus;
  detail?: string;
  /** A message held by its channel's frequency cap: try again after this long (ms). */
  retryInMs?: number;
}

/** What `deliver` sends with every check of a journey's send: a journey's message or a broadcast's. */
export type SendRequest = MessageRequest | BroadcastRequest;

/** A final state decided without sending: the status and its code. */
export interface Refusal {
  status: Extract<DeliveryStatus, 'skipped' | 'failed' | 'not-configured'>;
  detail: string;
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

/**
 * The person's own checks, before the cap: a restricted person (art. 18) gets nothing; a
 * marketing message needs every purpose it names granted now — deny by default, and a
 * withdrawal still on its way to a run as a signal counts. Null: go on.
 */
export function personRefusal(request: SendRequest, profile: ProfileDoc, at: Date): Refusal | null {
  if (profile.restricted) return { status: 'skipped', detail: 'restricted' };
  if (!isMarketing(request)) return null;
  const purposes = request.consents ?? [];
  if (purposes.length === 0) return { status: 'skipped', detail: 'no consent named' };
  const missing = purposes.find((purpose) => consentState(profile.consents, purpose, at) !== 'granted');
  return missing === undefined ? null : { status: 'skipped', detail: `consent ${missing}` };
}

/** An e-mail's own checks, after the cap: a mailer, the template, an address. Null: send it. */
export function emailRefusal(mailer: Mailer | undefined, template: TemplateDoc | null, profile: ProfileDoc): Refusal | null {
  if (!mailer) return { status: 'not-configured', detail: 'no smtp' };
  if (!template) return { status: 'failed', detail: 'template missing' };
  if (addressOf(profile) === undefined) return { status: 'skipped', detail: 'no address' };
  return null;
}

/** What an e-mail's template sees besides the person, and its unsubscribe link (marketing only). */
export interface EmailExtras {
  variables: Record<string, unknown>;
  unsubscribeUrl?: string;
}

/** A marketing message can be unsubscribed from in one click (RFC 8058); an operational one has no list to leave. */
export function unsubscribeUrlOf(request: SendRequest, profile: ProfileDoc, links: LinkSigner, publicUrl: string): string | undefined {
  if (!isMarketing(request)) return undefined;
  return `${publicUrl}${unsubscribePath(links.unsubscribeToken({ deliveryKey: request.key, profileId: profile._id, purposes: request.consents ?? [] }))}`;
}

/**
 * The e-mail as it leaves: rendered for the person, with the Message-ID derived from the
 * key (a resend after a crash carries the same one) and the one-click unsubscribe headers.
 * Null when the template fails to render for this person.
 */
export async function composeEmail(
  request: OutgoingMessage,
  profile: ProfileDoc,
  template: TemplateDoc,
  extras: EmailExtras,
  from: string,
): Promise<OutgoingMail | null> {
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
    return null;
  }
  return {
    to: addressOf(profile)!,
    ...rendered,
    messageId: messageIdOf(request.key, from),
    headers: unsubscribeUrl ? { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {},
  };
}

/** A message held by its channel's frequency cap: until the person's next local midnight. */
export interface CapHold {
  status: 'deferred';
  detail: 'frequency cap';
  retryInMs: number;
}

/**
 * A marketing message beyond its channel's cap for the person's calendar day waits for
 * the next day (their local midnight) rather than being dropped: a drip's chapters arrive
 * late, in order, none lost. Each message takes its slot once; a retry keeps it. The
 * held message is recorded `deferred`; `counted` is told so (a journey's stats).
 */
export async function holdForCap(
  deps: Pick<DelivererDeps, 'stores' | 'now' | 'defaultTimeZone'>,
  request: SendRequest,
  profile: ProfileDoc,
  cap: FrequencyCapDoc | null,
): Promise<CapHold | null> {
  if (!cap) return null;
  const { stores, now, defaultTimeZone } = deps;
  const at = now();
  const zone = typeof profile.traits.timezone === 'string' ? profile.traits.timezone : defaultTimeZone;
  if (await stores.deliveries.takeSlot(profile._id, request.channel, localDate(at, zone, defaultTimeZone), request.key, cap.max))
    return null;
  const retryInMs = millisUntilLocalTime(at, '00:00', zone, defaultTimeZone);
  await stores.deliveries.advance(request, {
    status: 'deferred',
    at,
    detail: 'frequency cap',
    until: new Date(at.getTime() + retryInMs),
  });
  return { status: 'deferred', detail: 'frequency cap', retryInMs };
}
