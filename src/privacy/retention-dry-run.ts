/**
 * What the next retention run would remove, removing nothing: per event rule the events
 * older than its cutoff, and the people not seen since the inactivity cutoff (as many as a
 * run would take). The same filters as the run (src/privacy/retention.ts), counted.
 */
import type { EventRetentionRule, RetentionPolicyDoc } from '../store/retention.js';
import type { Stores } from '../store/index.js';
import { MAX_RETENTION_ERASURES } from './retention.js';

const DAY_MS = 24 * 3600 * 1000;

export interface RetentionDryRun {
  at: Date;
  events: { rule: EventRetentionRule; cutoff: Date; count: number }[];
  inactivePeople?: {
    days: number;
    cutoff: Date;
    count: number;
    /** More than one run takes: the next day's run takes the rest. */ capped: boolean;
  };
}

export async function retentionDryRun(
  stores: Stores,
  policy: Pick<RetentionPolicyDoc, 'events' | 'inactivePeopleDays'> | null,
  at: Date,
): Promise<RetentionDryRun> {
  const events = [];
  for (const rule of policy?.events ?? []) {
    const cutoff = new Date(at.getTime() - rule.olderThanDays * DAY_MS);
    events.push({ rule, cutoff, count: await stores.events.countOlderThan(rule, cutoff) });
  }
  const days = policy?.inactivePeopleDays;
  if (days === undefined) return { at, events };
  const cutoff = new Date(at.getTime() - days * DAY_MS);
  const inactive = await stores.profiles.inactiveSince(cutoff, MAX_RETENTION_ERASURES + 1);
  return {
    at,
    events,
    inactivePeople: {
      days,
      cutoff,
      count: Math.min(inactive.length, MAX_RETENTION_ERASURES),
      capped: inactive.length > MAX_RETENTION_ERASURES,
    },
  };
}
