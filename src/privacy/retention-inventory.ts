/**
 * The inventory step of a batch of retention's erasures: what each person has, read for the
 * whole batch at once (one `$in` search of an index per collection instead of one per
 * person), and written as each person's request with its plan, exactly the plan and counts
 * a single erasure's `inventory` writes (src/privacy/erasure.ts).
 */
import { createHash } from 'node:crypto';
import type { ProfileDoc } from '../model.js';
import { identityKey } from '../profile/identifiers.js';
import type { Stores } from '../store/index.js';
import type { ErasureCounts, ErasurePlan, PrivacyRequestDoc } from '../store/privacy-requests.js';
import { consentWorkflowIds, segmentClockWorkflowId } from '../util/workflow-ids.js';

/** Named by the run and the person, hashed: the request outlives the person and must not name them. */
export function retentionRequestId(runKey: string, profileId: string): string {
  return `er_r${createHash('sha256').update(`${runKey}:${profileId}`).digest('hex').slice(0, 32)}`;
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/**
 * Plans of these people, who are all still stored: their own profile id first, then the
 * ids merged into them. `deploymentId` names their consent processes as erasure names them.
 */
export async function inventoryMany(
  stores: Stores,
  people: readonly ProfileDoc[],
  deploymentId?: string,
): Promise<Map<string, ErasurePlan>> {
  const plans = new Map<string, ErasurePlan>();
  if (people.length === 0) return plans;
  const redirected = await stores.profiles.redirects.sourcesOfMany(people.map((person) => person._id));
  const idsOf = new Map<string, string[]>(
    people.map((person) => {
      const absorbed = [...new Set([...(person.mergedFrom ?? []), ...(redirected.get(person._id) ?? [])])];
      return [person._id, [person._id, ...absorbed]];
    }),
  );
  const allIds = [...new Set([...idsOf.values()].flat())];
  const [linked, merges, events, history, messages, destinations] = await Promise.all([
    stores.identities.keysOfProfiles(allIds),
    stores.merges.ofProfiles(allIds),
    stores.events.countPerProfile(allIds),
    stores.segmentHistory.countOfProfiles(allIds),
    stores.deliveries.countPerProfile(allIds),
    stores.destinations.subscribedToErasures(),
  ]);
  for (const person of people) {
    const profileIds = idsOf.get(person._id)!;
    const own = new Set(profileIds);
    const identityKeys = new Set<string>();
    for (const [kind, values] of Object.entries(person.identities ?? {}))
      for (const value of values ?? []) identityKeys.add(identityKey({ kind, value }));
    for (const id of profileIds) for (const key of linked.get(id) ?? []) identityKeys.add(key);
    const consentRecordIds = person.consentLog ?? [];
    const runs = Object.values(person.journeys ?? {}).map(({ workflowId, journey, rulesVersion }) => ({
      workflowId,
      journey,
      rulesVersion,
    }));
    const keys = new Set(profileIds.flatMap((id) => [...(messages.get(id) ?? [])]));
    const counts: ErasureCounts = {
      profiles: 1,
      merges: merges.filter((merge) => own.has(merge.from) || own.has(merge.into)).length,
      identities: identityKeys.size,
      events: sum(profileIds.map((id) => events.get(id) ?? 0)),
      consentRecords: consentRecordIds.length,
      segmentMemberships: Object.keys(person.segments ?? {}).length,
      segmentHistory: sum(profileIds.map((id) => history.get(id) ?? 0)),
      messages: keys.size,
      journeyRuns: runs.length,
      // Retention does not suppress: the person did not ask to be forgotten.
      suppressed: 0,
    };
    plans.set(person._id, {
      profileIds,
      identityKeys: [...identityKeys],
      consentRecordIds,
      runs,
      processes: [...profileIds.map(segmentClockWorkflowId), ...consentRecordIds.flatMap((id) => consentWorkflowIds(id, deploymentId))],
      destinations: destinations.map((destination) => destination._id),
      counts,
    });
  }
  return plans;
}

/** The requests of people planned, as a single erasure's request stands once its inventory is done. */
export function plannedRequests(runKey: string, plans: Map<string, ErasurePlan>, reason: string, now: Date): PrivacyRequestDoc[] {
  return [...plans].map(([profileId, plan]) => ({
    _id: retentionRequestId(runKey, profileId),
    kind: 'erasure',
    origin: 'retention',
    profileId,
    status: 'running',
    createdAt: now,
    updatedAt: now,
    reason,
    plan,
    // Retention's `suppress` does nothing: it is done when the inventory is.
    steps: { inventory: now, suppress: now },
  }));
}
