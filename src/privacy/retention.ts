/**
 * Retention ("kept indefinitely, within privacy limits"): a policy an admin sets —
 * events older than N days (all, or of one name or type), people not seen for N days —
 * applied once a day by a Temporal Schedule, each run's counts recorded and audited.
 * Off until a policy is set. Inactive people are erased with everything of theirs, receipt
 * and all, as the erasure process erases one person, but in batches
 * (src/privacy/retention-erasure.ts) and not suppressed: they did not ask to be forgotten,
 * and may come back as someone new.
 */
import type { PrivacyRequestDoc } from '../store/privacy-requests.js';
import type { RetentionPolicyDoc } from '../store/retention.js';
import type { Stores } from '../store/index.js';
import { forEachInParallel } from '../util/in-parallel.js';
import { retentionRequestId } from './retention-inventory.js';

const DAY_MS = 24 * 3600 * 1000;
/** Inactive people erased per run at most; the next day's run takes the rest. */
export const MAX_RETENTION_ERASURES = 10_000;
/** The legacy run's erasures requested and started at once. */
const STARTING_AT_ONCE = 16;

export interface RetentionRun {
  /** Events removed, per rule of the policy, in its order. */
  events: number[];
  peopleErased: number;
}

/**
 * A run's first step: the policy's events removed, and the inactive people chosen and kept
 * with the run (`retention` store, `run:<run key>`), which its batches then erase by
 * position. Written once: a retried step finds the first selection and its counts.
 * Null without a policy: nothing to do, nothing recorded.
 */
export async function selectRetention(stores: Stores, now: Date, runKey: string): Promise<{ events: number[]; people: number } | null> {
  const kept = await stores.retention.runOf(runKey);
  if (kept) return { events: kept.events, people: kept.profileIds.length };
  const policy = await stores.retention.policy();
  if (!policy) return null;
  const events: number[] = [];
  for (const rule of policy.events)
    events.push(await stores.events.deleteOlderThan(rule, new Date(now.getTime() - rule.olderThanDays * DAY_MS)));
  const days = policy.inactivePeopleDays;
  const cutoff = new Date(now.getTime() - (days ?? 0) * DAY_MS);
  const profileIds = days === undefined ? [] : await stores.profiles.inactiveSince(cutoff, MAX_RETENTION_ERASURES);
  const run = await stores.retention.startRun({ at: now, cutoff, inactivePeopleDays: days ?? 0, events, profileIds }, runKey);
  return { events: run.events, people: run.profileIds.length };
}

/** A run's last step: its counts kept (`lastRun`) and audited, its selection deleted. Safe to repeat. */
export async function finishRetention(stores: Stores, runKey: string, peopleErased: number): Promise<void> {
  const run = await stores.retention.runOf(runKey);
  if (!run) return;
  await stores.retention.recordRun({ at: run.at, events: run.events, peopleErased });
  await stores.audit.record(
    { at: run.at, kind: 'retention.applied', actor: 'system', detail: { events: run.events, peopleErased } },
    runKey.slice(0, 16),
  );
  await stores.retention.endRun(runKey);
}

/**
 * One run as runs started before batches (the `retention-batches` patch) still replay it:
 * an erasure workflow per person. `runKey` names the run (the workflow's run id): a retried
 * activity starts the same erasures again, which are then found, not doubled.
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
      const requestId = retentionRequestId(runKey, profileId);
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
