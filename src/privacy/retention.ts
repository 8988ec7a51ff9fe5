/**
 * Retention ("kept indefinitely, within privacy limits"): a policy an admin sets —
 * events older than N days (all, or of one name or type), people not seen for N days —
 * applied once a day by a Temporal Schedule, each run's counts recorded and audited.
 * Off until a policy is set. Inactive people are erased through the erasure process
 * (everything of theirs, receipt and all) but not suppressed: they did not ask to be
 * forgotten, and may come back as someone new.
 */
import { createHash } from 'node:crypto';
import type { PrivacyRequestDoc } from '../store/privacy-requests.js';
import type { RetentionPolicyDoc } from '../store/retention.js';
import type { Stores } from '../store/index.js';
import { forEachInParallel } from '../util/in-parallel.js';

const DAY_MS = 24 * 3600 * 1000;
/** Inactive people erased per run at most; the next day's run takes the rest. */
export const MAX_RETENTION_ERASURES = 10_000;
/**
 * Erasures requested and started at once: each is a write and a Temporal round trip, so one
 * at a time took minutes for a thousand people (3 a second on a loaded two-core machine).
 */
const STARTING_AT_ONCE = 16;

export interface RetentionRun {
  /** Events removed, per rule of the policy, in its order. */
  events: number[];
  peopleErased: number;
}

/**
 * One run. `runKey` names the run (the workflow's run id): a retried activity starts the
 * same erasures again, which are then found, not doubled.
 */
export async function applyRetention(
  stores: Stores,
  now: Date,
  runKey: string,
  startErasure: (requestId: string) => Promise<void>,
): Promise<RetentionRun> {
  const policy = await stores.retention.policy();
  if (!policy) return { events: [], peopleErased: 0 };
  const events: number[] = [];
  for (const rule of policy.events)
    events.push(await stores.events.deleteOlderThan(rule, new Date(now.getTime() - rule.olderThanDays * DAY_MS)));
  let peopleErased = 0;
  if (policy.inactivePeopleDays !== undefined) {
    const inactive = await stores.profiles.inactiveSince(
      new Date(now.getTime() - policy.inactivePeopleDays * DAY_MS),
      MAX_RETENTION_ERASURES,
    );
    await forEachInParallel(inactive, STARTING_AT_ONCE, async (profileId) => {
      // Named by the run and the person, hashed: the request outlives the person and must not name them.
      const requestId = `er_r${createHash('sha256').update(`${runKey}:${profileId}`).digest('hex').slice(0, 32)}`;
      const doc: PrivacyRequestDoc = {
        _id: requestId,
        kind: 'erasure',
        origin: 'retention',
        profileId,
        status: 'pending',
        createdAt: now,
        updatedAt: now,
        reason: `inactive for ${policy.inactivePeopleDays} days`,
      };
      await stores.privacyRequests.create(doc).catch((error: unknown) => {
        if ((error as { code?: number }).code !== 11000) throw error;
      });
      await startErasure(requestId);
      peopleErased += 1;
    });
  }
  const run = { at: now, events, peopleErased };
  await stores.retention.recordRun(run);
  await stores.audit.record({ at: now, kind: 'retention.applied', actor: 'system', detail: { events, peopleErased } }, runKey.slice(0, 16));
  return { events, peopleErased };
}

export function describePolicy(policy: RetentionPolicyDoc | null) {
  return {
    events: policy?.events ?? [],
    ...(policy?.inactivePeopleDays !== undefined ? { inactivePeopleDays: policy.inactivePeopleDays } : {}),
    ...(policy?.lastRun ? { lastRun: policy.lastRun } : {}),
  };
}
