/**
 * The steps of an erasure (GDPR art. 17), each safe to repeat after a crash at any point:
 *
 *   inventory  what the person has, written once as the request's plan (ids, counts);
 *   suppress   their identifiers into the suppression list (keyed hashes), first, so a
 *              message arriving from here on is dropped rather than making them again;
 *   stop       their journey runs and consent lifecycles terminated, their segment clock
 *              taken out of its shard;
 *   remove     consent records, segment membership and history, identities, events,
 *              messages, merges, audit mentions, and the profile last;
 *   verify     nothing of theirs is left, and anyone created again from their identifiers
 *              while this ran is erased too;
 *   notify     each destination subscribed to erasures is told whom to erase (signed);
 *   complete   the counts and step times kept, the plan (with the identifiers) deleted,
 *              and a signed receipt issued.
 *
 * Results returned to the workflow are names and counts, never personal data.
 */
import type { ErasureCounts, ErasurePlan, ErasureStep, PrivacyRequestDoc } from '../store/privacy-requests.js';
import type { SuppressionDoc } from '../store/suppressions.js';
import type { IdentityKind } from '../model.js';
import { identityKey, type IdentityRef } from '../profile/identifiers.js';
import type { ProfileChanges } from '../profile-changes/pipeline.js';
import type { Stores } from '../store/index.js';
import { consentWorkflowIds, segmentClockWorkflowId } from '../util/workflow-ids.js';
import { postWebhook, type WebhookAnswer } from '../channels/webhook.js';
import type { PrivacyKeys } from './keys.js';

export interface Processes {
  /** Ends a durable process for good; false when there was none running. */
  terminate(workflowId: string, reason: string): Promise<boolean>;
  /** Takes the people out of their segment clock shards (which run on for everyone else). */
  forgetClocks(profileIds: readonly string[]): Promise<void>;
  /** In the ids of the person's consent processes (src/util/workflow-ids.ts); absent: the ids from before deployment ids. */
  deploymentId?: string;
}

export interface ErasureDeps {
  stores: Stores;
  keys: PrivacyKeys;
  now: () => Date;
  processes?: Processes;
  /** Takes the person out of their segments (the profile-change pipeline's erasure step). */
  changes: ProfileChanges;
}

/** The reason Temporal shows on a terminated run: no personal data. */
export const ERASED = 'erased (privacy request)';

export function parseIdentityKey(key: string): IdentityRef {
  const at = key.indexOf(':');
  return { kind: key.slice(0, at) as IdentityKind, value: key.slice(at + 1) };
}

export class RequestGone extends Error {}

async function requestOf(stores: Stores, requestId: string): Promise<PrivacyRequestDoc> {
  const request = await stores.privacyRequests.findById(requestId);
  if (!request) throw new RequestGone(`no privacy request ${requestId}`);
  return request;
}

async function planOf(stores: Stores, requestId: string): Promise<ErasurePlan> {
  const request = await requestOf(stores, requestId);
  if (!request.plan) throw new Error(`erasure ${requestId} has no plan yet`);
  return request.plan;
}

export function createErasureSteps({ stores, keys, now, processes, changes }: ErasureDeps) {
  const finished = (requestId: string, step: ErasureStep) => stores.privacyRequests.stepFinished(requestId, step, now());

  /**
   * Everything stored under the profile ids the person had (their own, and those merged
   * into them). Each is a search of an index by profile id, so an erasure's cost is the
   * person's, whatever the database holds.
   */
  async function removeUnder(profileIds: readonly string[]): Promise<void> {
    await stores.events.deleteByProfiles(profileIds);
    for (const profileId of profileIds) {
      await stores.identities.deleteByProfile(profileId);
      await stores.merges.deleteByProfile(profileId);
      await stores.profiles.redirects.deleteByProfile(profileId);
      await stores.segmentHistory.deleteOfProfile(profileId);
    }
  }

  return {
    async inventory(requestId: string): Promise<{ destinations: string[] }> {
      const request = await requestOf(stores, requestId);
      if (request.plan) return { destinations: request.plan.destinations };
      const person = request.profileId ? await stores.profiles.findExact(request.profileId) : null;
      const profileId = person?._id;
      const absorbed = profileId
        ? [...new Set([...(person?.mergedFrom ?? []), ...(await stores.profiles.redirects.sourcesOf(profileId))])]
        : [];
      const profileIds = profileId ? [profileId, ...absorbed] : [];
      const identityKeys = new Set<string>();
      for (const [kind, values] of Object.entries(person?.identities ?? {}))
        for (const value of values ?? []) identityKeys.add(identityKey({ kind, value }));
      for (const id of profileIds) for (const key of await stores.identities.keysOfProfile(id)) identityKeys.add(key);
      const consentRecordIds = person?.consentLog ?? [];
      const runs = Object.values(person?.journeys ?? {}).map(({ workflowId, journey, rulesVersion }) => ({
        workflowId,
        journey,
        rulesVersion,
      }));
      const processIds = [
        ...profileIds.map(segmentClockWorkflowId),
        ...consentRecordIds.flatMap((id) => consentWorkflowIds(id, processes?.deploymentId)),
      ];
      const historyCounts = await Promise.all(profileIds.map((id) => stores.segmentHistory.countOfProfile(id)));
      const counts: ErasureCounts = {
        profiles: person ? 1 : 0,
        merges: profileIds.length === 0 ? 0 : await stores.merges.countByProfiles(profileIds),
        identities: identityKeys.size,
        events: profileIds.length === 0 ? 0 : await stores.events.countByProfiles(profileIds),
        consentRecords: consentRecordIds.length,
        segmentMemberships: Object.keys(person?.segments ?? {}).length,
        segmentHistory: historyCounts.reduce((sum, count) => sum + count, 0),
        messages: profileIds.length === 0 ? 0 : await stores.deliveries.countByProfiles(profileIds),
        journeyRuns: runs.length,
        suppressed: request.origin === 'retention' ? 0 : identityKeys.size,
      };
      const destinations = (await stores.destinations.subscribedToErasures()).map((destination) => destination._id);
      const plan = await stores.privacyRequests.setPlan(
        requestId,
        {
          profileIds,
          identityKeys: [...identityKeys],
          consentRecordIds,
          runs,
          processes: processIds,
          destinations,
          counts,
        },
        now(),
      );
      await finished(requestId, 'inventory');
      return { destinations: plan.destinations };
    },

    async suppress(requestId: string): Promise<void> {
      const request = await requestOf(stores, requestId);
      const plan = await planOf(stores, requestId);
      // Retention erases people who did not ask to be forgotten: they may come back as someone new.
      if (request.origin === 'retention') {
        await finished(requestId, 'suppress');
        return;
      }
      const at = now();
      const entries: SuppressionDoc[] = plan.identityKeys.map((key) => {
        const ref = parseIdentityKey(key);
        return { _id: keys.suppressionId(ref), kind: ref.kind, requestId, createdAt: at, dropped: 0 };
      });
      await stores.suppressions.add(entries);
      await finished(requestId, 'suppress');
    },

    /** Runs are terminated, not asked to wind down: a run on a timer must not wake to a person gone. */
    async stop(requestId: string): Promise<void> {
      const plan = await planOf(stores, requestId);
      if (!processes) throw new Error("erasure needs the Temporal client to stop the person's processes");
      for (const run of plan.runs) {
        if (await processes.terminate(run.workflowId, ERASED)) stores.journeyStats.count(run.journey, run.rulesVersion, 'ended.erased');
      }
      for (const workflowId of plan.processes) {
        await processes.terminate(workflowId, ERASED);
      }
      await processes.forgetClocks(plan.profileIds);
      await finished(requestId, 'stop');
    },

    async remove(requestId: string): Promise<void> {
      const plan = await planOf(stores, requestId);
      const [profileId, ...absorbed] = plan.profileIds;
      if (profileId !== undefined) {
        // Ledger records and segments first: the profile lists them, so a retry after a crash still finds them.
        await stores.consents.deleteByIds(plan.consentRecordIds);
        await changes.forget(profileId, absorbed);
        await stores.deliveries.deleteByProfiles(plan.profileIds);
        await stores.audit.forgetProfiles(plan.profileIds);
        // An export of theirs not yet downloaded holds everything: it goes too.
        for (const exported of await stores.privacyRequests.exportsOf(plan.profileIds)) {
          await stores.exportChunks.delete(exported._id, exported.bundle?.chunks ?? 0);
          await stores.privacyRequests.bundleDeleted(exported._id, now());
        }
        await removeUnder(plan.profileIds);
        await stores.profiles.deleteById(profileId);
        for (const id of plan.profileIds) stores.identities.forgetCachedOwner(id);
      }
      await finished(requestId, 'remove');
    },

    /**
     * A message whose identity resolution began before the suppression may still have made
     * the person again (a new profile under one of their identifiers) or stored an event
     * under an id being erased. Both are found here, by identity key and profile id, and
     * erased; what is then left of the person is nothing.
     */
    async verify(requestId: string): Promise<void> {
      const plan = await planOf(stores, requestId);
      const recreated = new Set<string>();
      for (const key of plan.identityKeys) {
        const owner = await stores.identities.ownerOfKey(key);
        if (owner !== null && !plan.profileIds.includes(owner)) recreated.add(owner);
      }
      if (recreated.size > 0) await stores.privacyRequests.addToPlan(requestId, [...recreated], now());
      for (const id of [...recreated]) {
        const profile = await stores.profiles.findExact(id);
        await stores.consents.deleteByIds(profile?.consentLog ?? []);
        await changes.forget(id, []);
        await stores.deliveries.deleteByProfiles([id]);
        await stores.profiles.deleteById(id);
      }
      const ids = [...plan.profileIds, ...recreated];
      // Events stored late under any of the ids, and those of a person made again, go in
      // one delete: the events are read once more, not once per id and again to count.
      await removeUnder(ids);
      for (const id of ids) stores.identities.forgetCachedOwner(id);
      const left = (await Promise.all(ids.map((id) => stores.profiles.findExact(id)))).filter(Boolean).length;
      if (left > 0) throw new Error(`erasure ${requestId}: ${left} profiles still stored; retrying`);
      await finished(requestId, 'verify');
    },

    /** Tells one destination whom to erase. A retry is signalled by throwing. */
    async notify(requestId: string, destinationName: string): Promise<WebhookAnswer['kind'] | 'missing'> {
      const request = await requestOf(stores, requestId);
      const at = now();
      const earlier = request.notices?.[noticeKey(destinationName)];
      if (earlier && earlier.status !== 'pending') return earlier.status === 'sent' ? 'sent' : 'permanent';
      const destination = await stores.destinations.get(destinationName);
      if (!destination) {
        await stores.privacyRequests.setNotice(requestId, noticeKey(destinationName), {
          status: 'failed',
          at,
          detail: 'destination deleted',
        });
        return 'missing';
      }
      const identifiers = (request.plan?.identityKeys ?? []).map(parseIdentityKey);
      const body = JSON.stringify({
        type: 'privacy.erasure',
        requestId,
        identifiers,
        requestedAt: request.createdAt.toISOString(),
        sentAt: at.toISOString(),
      });
      const answer = await postWebhook({
        url: destination.url,
        secret: destination.secret,
        body,
        idempotencyKey: `erasure:${requestId}:${destinationName}`,
        now: at,
      });
      if (answer.kind === 'retry') {
        await stores.privacyRequests.setNotice(requestId, noticeKey(destinationName), { status: 'pending', at, detail: answer.reason });
        throw new NoticeRetry(answer.reason, answer.retryAfterMs);
      }
      await stores.privacyRequests.setNotice(requestId, noticeKey(destinationName), {
        status: answer.kind === 'sent' ? 'sent' : 'failed',
        at,
        detail: `http ${answer.status}`,
      });
      return answer.kind;
    },

    /** Retries ran out (a day): the destination is recorded as failed. */
    async abandonNotice(requestId: string, destinationName: string, reason: string): Promise<void> {
      await stores.privacyRequests.setNotice(requestId, noticeKey(destinationName), { status: 'failed', at: now(), detail: reason });
    },

    async complete(requestId: string): Promise<void> {
      const request = await requestOf(stores, requestId);
      if (request.plan) await finished(requestId, 'notify');
      const removed = request.plan?.counts ?? request.removed ?? { profiles: 0, events: 0, identities: 0 };
      // A retry after the request completed writes nothing new and records the same audit entry.
      const done = await stores.privacyRequests.complete(requestId, removed, now());
      const completedAt = done?.completedAt ?? now();
      await stores.audit.record(
        { at: completedAt, kind: 'erasure.completed', actor: 'system', subject: { requestId }, detail: { ...done?.removed } },
        `${requestId}-completed`,
      );
    },
  };
}

/** A destination answered 5xx/408/429 or not at all: try again (after `retryAfterMs` if it said). */
export class NoticeRetry extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(`erasure notice will be retried: ${reason}`);
  }
}

/** Destination names may hold dots; as field names they must not. */
export function noticeKey(destination: string): string {
  return destination.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
}

export function destinationOfNoticeKey(key: string): string {
  return decodeURIComponent(key);
}

export type ErasureSteps = ReturnType<typeof createErasureSteps>;
