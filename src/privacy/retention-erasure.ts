/**
 * Retention's erasures, a batch of people at a time: the steps of a single erasure
 * (src/privacy/erasure.ts) done for the whole batch with one read or delete per collection
 * (`$in` on an index) and one settle wait, leaving each person's request, receipt counts,
 * step times and `erasure.completed` audit entry exactly as a single erasure leaves them.
 *
 *   erase   inventory (each request written with its plan), suppress (nothing: retention
 *           does not suppress, so it is done with the inventory), stop, remove;
 *   settle  after the settle wait: verify, notify (one attempt; a person whose destination
 *           asks to be retried is handed to an erasure workflow of their own, which picks
 *           up where the batch left them), complete.
 *
 * Both are safe to repeat after a crash at any point: a request is written once (the first
 * plan stays), every delete finds nothing the second time, the completion and its audit
 * entry are written under the request's id.
 */
import type { ProfileDoc } from '../model.js';
import type { ProfileChanges } from '../profile-changes/pipeline.js';
import type { Stores } from '../store/index.js';
import type { ErasureStep, PrivacyRequestDoc } from '../store/privacy-requests.js';
import { forEachInParallel } from '../util/in-parallel.js';
import { ERASED, NoticeRetry, type ErasureSteps, type Processes } from './erasure.js';
import { inventoryMany, plannedRequests, retentionRequestId } from './retention-inventory.js';

/** Temporal calls (terminations, clock signals) and per-person engine calls in flight at once. */
const AT_ONCE = 16;
/** A destination's notices sent at once. */
const NOTICES_AT_ONCE = 8;

export interface RetentionBatchDeps {
  stores: Stores;
  now: () => Date;
  processes?: Processes;
  changes: ProfileChanges;
  /** A single erasure's steps: its notice to a destination, and a person found made again. */
  steps: () => ErasureSteps;
  /** Starts a request's own erasure workflow (a person whose notice must be retried). */
  startErasure: (requestId: string) => Promise<void>;
}

/** Positions `from` to `to` of the run's selection. */
export interface RetentionBatch {
  runKey: string;
  from: number;
  to: number;
}

type Planned = PrivacyRequestDoc & { plan: NonNullable<PrivacyRequestDoc['plan']> };
const flat = (requests: readonly Planned[], ids: (request: Planned) => readonly string[]) => [...new Set(requests.flatMap(ids))];

export function createRetentionBatches({ stores, now, processes, changes, steps, startErasure }: RetentionBatchDeps) {
  const finished = (requests: readonly PrivacyRequestDoc[], step: ErasureStep) =>
    stores.privacyRequests.stepsFinished(
      requests.map((request) => request._id),
      step,
      now(),
    );

  /** The batch's requests as stored (all of them once `erase` ran), and the run. */
  async function requestsOf({ runKey, from, to }: RetentionBatch) {
    const run = await stores.retention.runOf(runKey);
    const chosen = run?.profileIds.slice(from, to) ?? [];
    const requests = await stores.privacyRequests.findByIds(chosen.map((profileId) => retentionRequestId(runKey, profileId)));
    return { run, chosen, requests };
  }
  const open = (requests: readonly PrivacyRequestDoc[]) =>
    requests.filter((request): request is Planned => request.status !== 'completed' && request.plan !== undefined);

  /** Everything stored under these profile ids, one delete per collection. */
  async function removeUnder(profileIds: readonly string[]): Promise<void> {
    await stores.events.deleteByProfiles(profileIds);
    await stores.identities.deleteByProfiles(profileIds);
    await stores.merges.deleteByProfiles(profileIds);
    await stores.profiles.redirects.deleteByProfiles(profileIds);
    await stores.segmentHistory.deleteOfProfiles(profileIds);
  }

  async function inventory(batch: RetentionBatch): Promise<void> {
    const { run, chosen, requests } = await requestsOf(batch);
    if (!run) return;
    const asked = new Set(requests.map((request) => request._id));
    const waiting = chosen.filter((profileId) => !asked.has(retentionRequestId(batch.runKey, profileId)));
    const found = await stores.profiles.findExactByIds(waiting);
    // Gone meanwhile (erased, merged away), or seen again since the selection: nobody to erase.
    const still = [...found.values()].filter((person) => person.lastSeenAt.getTime() < run.cutoff.getTime());
    const plans = await inventoryMany(stores, still, processes?.deploymentId);
    await stores.privacyRequests.createMany(plannedRequests(batch.runKey, plans, `inactive for ${run.inactivePeopleDays} days`, now()));
  }

  /** Runs are terminated, not asked to wind down (as a single erasure's `stop`). */
  async function stop(requests: readonly Planned[], people: Map<string, ProfileDoc>): Promise<void> {
    if (!processes) throw new Error("erasure needs the Temporal client to stop the person's processes");
    const runs = requests.flatMap((request) => request.plan.runs);
    await forEachInParallel(runs, AT_ONCE, async (run) => {
      if (await processes.terminate(run.workflowId, ERASED)) stores.journeyStats.count(run.journey, run.rulesVersion, 'ended.erased');
    });
    await forEachInParallel(
      flat(requests, (request) => request.plan.processes),
      AT_ONCE,
      async (workflowId) => {
        await processes.terminate(workflowId, ERASED);
      },
    );
    // A clock shard holds only people whose profile has a clock set; for anyone else a
    // signal would wake a shard for nothing (a shard ringing someone erased drops them).
    const ticking = requests.filter((request) => people.get(request.plan.profileIds[0]!)?.segmentClockAt);
    await forEachInParallel(ticking, AT_ONCE, (request) => processes.forgetClocks(request.plan.profileIds));
  }

  async function remove(requests: readonly Planned[], people: Map<string, ProfileDoc>): Promise<void> {
    const allIds = flat(requests, (request) => request.plan.profileIds);
    // Ledger records and segments first: the profile lists them, so a retry after a crash still finds them.
    await stores.consents.deleteByIds(flat(requests, (request) => request.plan.consentRecordIds));
    // The engine takes a person out of the segments their profile lists (and copies changes
    // still pending): someone in none, with none pending, has nothing there, and their
    // history goes with everything else below.
    const members = requests.filter(({ plan }) => {
      const person = people.get(plan.profileIds[0]!);
      return Object.keys(person?.segments ?? {}).length > 0 || (person?.segmentChanges?.length ?? 0) > 0;
    });
    await forEachInParallel(members, AT_ONCE, async ({ plan }) => {
      const [profileId, ...absorbed] = plan.profileIds;
      if (profileId !== undefined) await changes.forget(profileId, absorbed);
    });
    await stores.deliveries.deleteByProfiles(allIds);
    await stores.audit.forgetProfiles(allIds);
    for (const exported of await stores.privacyRequests.exportsOf(allIds)) {
      await stores.exportChunks.delete(exported._id, exported.bundle?.chunks ?? 0);
      await stores.privacyRequests.bundleDeleted(exported._id, now());
    }
    await removeUnder(allIds);
    await stores.profiles.deleteByIds(requests.map((request) => request.plan.profileIds[0]!));
    for (const id of allIds) stores.identities.forgetCachedOwner(id);
  }

  /** As a single erasure's `verify`: a person made again from one of their identifiers, or an event stored late, is erased now. */
  async function verify(requests: readonly Planned[]): Promise<void> {
    const owners = await stores.identities.ownersOfKeys(flat(requests, (request) => request.plan.identityKeys));
    const recreated: string[] = [];
    for (const request of requests) {
      const again = [
        ...new Set(
          request.plan.identityKeys.map((key) => owners.get(key)).filter((owner) => owner && !request.plan.profileIds.includes(owner)),
        ),
      ] as string[];
      if (again.length === 0) continue;
      await stores.privacyRequests.addToPlan(request._id, again, now());
      recreated.push(...again);
    }
    for (const id of recreated) {
      const profile = await stores.profiles.findExact(id);
      await stores.consents.deleteByIds(profile?.consentLog ?? []);
      await changes.forget(id, []);
      await stores.deliveries.deleteByProfiles([id]);
      await stores.profiles.deleteById(id);
    }
    const ids = [...flat(requests, (request) => request.plan.profileIds), ...recreated];
    await removeUnder(ids);
    for (const id of ids) stores.identities.forgetCachedOwner(id);
    const left = (await stores.profiles.findExactByIds(ids)).size;
    if (left > 0) throw new Error(`retention batch: ${left} profiles still stored; retrying`);
  }

  /** Each destination told, once; the requests whose notice must be retried (handed to their own workflow). */
  async function notify(requests: readonly Planned[]): Promise<Set<string>> {
    const retry = new Set<string>();
    const notices = requests.flatMap((request) => request.plan.destinations.map((destination) => ({ id: request._id, destination })));
    await forEachInParallel(notices, NOTICES_AT_ONCE, async ({ id, destination }) => {
      try {
        await steps().notify(id, destination);
      } catch (error) {
        if (!(error instanceof NoticeRetry)) throw error;
        retry.add(id);
      }
    });
    return retry;
  }

  return {
    /** Inventory, suppress (nothing), stop and remove for the batch; how many people it erases. */
    async erase(batch: RetentionBatch): Promise<number> {
      await inventory(batch);
      const { requests } = await requestsOf(batch);
      const planned = open(requests);
      // Read once for both steps: the profile as it is now, its clock and its segments.
      const people = await stores.profiles.findExactByIds(planned.map((request) => request.plan.profileIds[0]!));
      await stop(planned, people);
      await finished(planned, 'stop');
      await remove(planned, people);
      await finished(planned, 'remove');
      return requests.length;
    },

    /**
     * After the settle wait: verify, notify and complete. The people erased: completed,
     * or handed to a workflow of their own to retry a destination's notice.
     */
    async settle(batch: RetentionBatch): Promise<{ erased: number; handedOff: number }> {
      const { requests } = await requestsOf(batch);
      const planned = open(requests);
      await verify(planned);
      await finished(planned, 'verify');
      const retry = await notify(planned);
      for (const id of retry) await startErasure(id);
      const done = planned.filter((request) => !retry.has(request._id));
      // `notify` is done as the completion is written, in the same write.
      await stores.privacyRequests.completeMany(
        done.map((request) => ({ id: request._id, removed: request.plan.counts })),
        now(),
      );
      // Every completed request of the batch, those of an earlier attempt too: a crash between
      // the completion and its entry leaves no request without one. Keyed as a single erasure keys it.
      const completed = (await stores.privacyRequests.findByIds(requests.map((request) => request._id))).filter(
        (request) => request.status === 'completed' && !retry.has(request._id),
      );
      await stores.audit.recordMany(
        completed.map((request) => ({
          entry: {
            at: request.completedAt ?? now(),
            kind: 'erasure.completed',
            actor: 'system',
            subject: { requestId: request._id },
            detail: { ...request.removed },
          },
          key: `${request._id}-completed`,
        })),
      );
      return { erased: requests.length, handedOff: retry.size };
    },
  };
}

export type RetentionBatches = ReturnType<typeof createRetentionBatches>;
