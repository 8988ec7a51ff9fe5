/**
 * Sending a run's messages (src/channels/deliver.ts) and holding them through quiet
 * hours, and the confirmation e-mails of double opt-in. Inputs are the message as the run
 * names it (ids, rule names, `with` values) or a ledger record id; results are a status
 * and a code, never what was sent.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { RetryableDelivery, type DeliveryOutcome } from '../channels/deliver.js';
import { CONFIRMATION_LINK_VALID_MS, confirmationKey, confirmationOpen } from '../consent/confirmation.js';
import type { ConfirmationRequest, MessageRequest } from '../model.js';
import { millisUntilQuietHoursEnd } from '../util/local-time.js';
import type { ActivityDeps } from './profiles.js';

/** Well inside the workflow's heartbeat timeout for sends (10 s). */
const HEARTBEAT_EVERY_MS = 2_000;

/**
 * A send, heartbeating while it works (so a worker that dies mid-send is noticed in
 * seconds and the retry, on another worker or this one restarted, finds where it was); a
 * transient failure is thrown for Temporal to retry with backoff, after the receiver's
 * Retry-After when it gave one. A local activity (a run's first attempt) does not
 * heartbeat: its workflow task is what notices a worker that died.
 */
async function sending(send: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
  const context = Context.current();
  const heartbeat = context.info.isLocal ? () => undefined : () => context.heartbeat();
  heartbeat();
  const beating = setInterval(heartbeat, HEARTBEAT_EVERY_MS);
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof RetryableDelivery)) throw error;
    throw ApplicationFailure.create({
      type: 'DeliveryRetry',
      message: error.reason,
      ...(error.retryAfterMs === undefined ? {} : { nextRetryDelay: error.retryAfterMs }),
    });
  } finally {
    clearInterval(beating);
  }
}

export function createDeliveryActivities({ stores, now, defaultTimeZone, deliverer }: ActivityDeps) {
  const channel = () => {
    if (!deliverer) throw new Error('message delivery is not wired into these activities');
    return deliverer;
  };

  /**
   * A pending request's confirmation e-mail, while the request is still open (nothing
   * newer recorded for the purpose, following merges), from the template its consent
   * declared in the rules it was recorded under; null when there is nothing to send.
   */
  async function openConfirmation(recordId: string): Promise<{ request: ConfirmationRequest; linkExpiresAt: Date } | null> {
    const record = await stores.consents.findById(recordId);
    if (!record || record.state !== 'pending') return null;
    const profile = await stores.profiles.findById(record.profileId);
    if (!profile || !confirmationOpen(profile.consents?.[record.purpose], recordId, record.at)) return null;
    const rulesVersion = record.proof.shown?.rulesVersion;
    const rules = rulesVersion === undefined ? await stores.rules.active() : await stores.rules.get(rulesVersion);
    const template = rules?.ir.consents.find((consent) => consent.name === record.purpose)?.confirmTemplate;
    if (template === undefined) return null;
    return {
      request: {
        key: confirmationKey(recordId),
        profileId: profile._id,
        channel: 'email',
        name: template,
        with: {},
        purpose: record.purpose,
        confirms: recordId,
      },
      // From when it was recorded, not when it is sent: a retried send carries the same link.
      linkExpiresAt: new Date(record.recordedAt.getTime() + CONFIRMATION_LINK_VALID_MS),
    };
  }

  return {
    /** Sends the message once (see `sending`). */
    async deliverMessage(request: MessageRequest): Promise<DeliveryOutcome> {
      return sending(() => channel().deliver(request));
    },

    /**
     * Sends a pending consent request's confirmation e-mail once; `skipped` (`superseded`)
     * when the request was closed meanwhile (revoked, asked again, erased).
     */
    async deliverConfirmation(recordId: string): Promise<DeliveryOutcome> {
      return sending(async () => {
        const open = await openConfirmation(recordId);
        return open ? channel().confirm(open.request, open.linkExpiresAt) : { status: 'skipped', detail: 'superseded' };
      });
    },

    async abandonConfirmation(recordId: string, reason: string): Promise<DeliveryOutcome> {
      const open = await openConfirmation(recordId);
      return open ? channel().abandon(open.request, reason) : { status: 'skipped', detail: 'superseded' };
    },

    /** 0 outside the journey's quiet hours; otherwise how long until they end, recorded on the message. */
    async holdForQuietHours(request: MessageRequest, window: { start: string; end: string }): Promise<number> {
      const profile = await stores.profiles.findById(request.profileId);
      if (!profile) return 0;
      const zone = typeof profile.traits.timezone === 'string' ? profile.traits.timezone : defaultTimeZone;
      const at = now();
      const ms = millisUntilQuietHoursEnd(at, window, zone, defaultTimeZone);
      if (ms > 0) await channel().defer(request, new Date(at.getTime() + ms));
      return ms;
    },

    async abandonMessage(request: MessageRequest, reason: string): Promise<DeliveryOutcome> {
      return channel().abandon(request, reason);
    },
  };
}
