/**
 * The lifecycle of one grant whose purpose expires: the reminder (`Consent Expiring`),
 * then a durable timer to the lapse (`Consent Expired`, after which the purpose reads as
 * missing and the runs that required it end). It is started with a delay until its first
 * instant (ingest/dispatch.ts), so until then it costs Temporal one stored execution and
 * no work. A grant without expiry has no workflow at all; a new record for the purpose (a
 * renewal, a revocation) terminates this one, and should that not arrive, the activities
 * find the grant superseded and record nothing. Input and results are ids and purpose
 * names; the instants are read from the ledger by an activity.
 */
import { isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { ConsentActivities } from '../activities/index.js';
import type { ConsentLifecycleInput } from './messages.js';

const activities = proxyActivities<ConsentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export type ConsentLifecycleOutcome = 'expired' | 'superseded' | 'no-expiry';

/** Sleeps until an instant on the workflow's clock; an instant passed already returns at once. */
async function sleepUntil(atMs: number): Promise<void> {
  const remaining = atMs - Date.now();
  if (remaining > 0) await sleep(remaining);
}

export async function consentLifecycleWorkflow(input: ConsentLifecycleInput): Promise<ConsentLifecycleOutcome> {
  const timers = await activities.consentTimers(input.recordId);
  if (!timers) return 'no-expiry';
  try {
    if (timers.remindAtMs !== undefined) {
      await sleepUntil(timers.remindAtMs);
      if (!(await activities.remindConsentExpiry(input.recordId))) return 'superseded';
    }
    await sleepUntil(timers.expiresAtMs);
    return (await activities.expireConsent(input.recordId)) ? 'expired' : 'superseded';
  } catch (error) {
    if (isCancellation(error)) return 'superseded';
    throw error;
  }
}
