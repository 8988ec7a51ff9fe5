/**
 * Sending a run's messages (src/channels/deliver.ts) and holding them through quiet
 * hours. Inputs are the message as the run names it (ids, rule names, `with` values);
 * results are a status and a code, never what was sent.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { RetryableDelivery, type DeliveryOutcome } from '../channels/deliver.js';
import type { MessageRequest } from '../model.js';
import { millisUntilQuietHoursEnd } from '../util/local-time.js';
import type { ActivityDeps } from './profiles.js';

/** Well inside the workflow's heartbeat timeout for sends (10 s). */
const HEARTBEAT_EVERY_MS = 2_000;

export function createDeliveryActivities({ stores, now, defaultTimeZone, deliverer }: ActivityDeps) {
  const channel = () => {
    if (!deliverer) throw new Error('message delivery is not wired into these activities');
    return deliverer;
  };
  return {
    /**
     * Sends the message once; a transient failure is thrown for Temporal to retry with
     * backoff. It heartbeats while it works, so a worker that dies mid-send is noticed in
     * seconds and the retry (on another worker, or this one restarted) finds where it was.
     */
    async deliverMessage(request: MessageRequest): Promise<DeliveryOutcome> {
      const context = Context.current();
      context.heartbeat();
      const beating = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await channel().deliver(request);
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
