/** Activities of privacy requests. Inputs are request ids; results are names and counts, never personal data. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { createErasureSteps, NoticeRetry } from '../privacy/erasure.js';
import { buildExport } from '../privacy/export.js';
import { applyRetention, finishRetention, selectRetention, type RetentionRun } from '../privacy/retention.js';
import { createRetentionBatches, type RetentionBatch } from '../privacy/retention-erasure.js';
import type { ErasureCounts, ErasureStep } from '../store/privacy-requests.js';
import type { ActivityDeps } from './profiles.js';

/** Well inside the erasure activities' heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 2_000;

/**
 * An erasure's counts as the log shows them: the redactor censors any `identities` key (it
 * holds a profile's identifiers everywhere else), so its count is logged as `identifiers`.
 */
function countsForLog({ identities, ...others }: ErasureCounts): Record<string, number | undefined> {
  return { ...others, identifiers: identities };
}

/** Beats while the step works, so a worker killed mid-step is noticed in seconds, not at the step's timeout. */
async function beating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function createPrivacyActivities(deps: ActivityDeps) {
  const { stores, now, changes } = deps;
  const steps = () => {
    if (!deps.privacyKeys) throw new Error('erasure needs the privacy keys');
    return createErasureSteps({ stores, keys: deps.privacyKeys, now, ...(deps.processes ? { processes: deps.processes } : {}), changes });
  };
  const batches = () => {
    if (!deps.startErasure) throw new Error('retention needs to start erasures');
    return createRetentionBatches({
      stores,
      now,
      changes,
      steps,
      startErasure: deps.startErasure,
      ...(deps.processes ? { processes: deps.processes } : {}),
    });
  };
  // Operators follow a request by its id: each state change is one line, with step names,
  // destination names and counts, never who the request is about. Logged here, once the
  // step has done its work, not in the workflow: a replay would say it again.
  const log = deps.logger;
  const step = async <T>(requestId: string, name: ErasureStep, work: () => Promise<T>): Promise<T> => {
    const result = await beating(work);
    log?.info({ requestId, step: name }, 'erasure step finished');
    return result;
  };
  return {
    async eraseInventory(requestId: string): Promise<{ destinations: string[] }> {
      const inventory = await step(requestId, 'inventory', () => steps().inventory(requestId));
      log?.info({ requestId, destinations: inventory.destinations.length }, 'erasure running');
      return inventory;
    },
    eraseSuppress: (requestId: string) => step(requestId, 'suppress', () => steps().suppress(requestId)),
    eraseStop: (requestId: string) => step(requestId, 'stop', () => steps().stop(requestId)),
    eraseRemove: (requestId: string) => step(requestId, 'remove', () => steps().remove(requestId)),
    eraseVerify: (requestId: string) => step(requestId, 'verify', () => steps().verify(requestId)),
    async eraseComplete(requestId: string): Promise<void> {
      await beating(() => steps().complete(requestId));
      const removed = (await stores.privacyRequests.findById(requestId))?.removed;
      log?.info({ requestId, removed: removed && countsForLog(removed) }, 'erasure completed');
    },
    async abandonErasureNotice(requestId: string, destination: string, reason: string): Promise<void> {
      await steps().abandonNotice(requestId, destination, reason);
      log?.warn({ requestId, destination, reason }, 'erasure notice abandoned');
    },

    /** One destination's notice; 5xx/408/429 and the network are retried (Retry-After honoured). */
    async notifyErasure(requestId: string, destination: string): Promise<string> {
      try {
        const outcome = await beating(() => steps().notify(requestId, destination));
        log?.info({ requestId, destination, outcome }, 'erasure notice');
        return outcome;
      } catch (error) {
        if (!(error instanceof NoticeRetry)) throw error;
        log?.info({ requestId, destination, reason: error.reason }, 'erasure notice to be retried');
        throw ApplicationFailure.create({
          type: 'NoticeRetry',
          message: error.reason,
          ...(error.retryAfterMs === undefined ? {} : { nextRetryDelay: error.retryAfterMs }),
        });
      }
    },

    /** Builds the export's bundle; whether there is one (the request matched someone). */
    async buildExport(requestId: string): Promise<{ found: boolean; expiresAtMs: number }> {
      const bundle = await beating(() => buildExport(stores, requestId, now(), () => Context.current().heartbeat()));
      await stores.privacyRequests.setBundle(requestId, bundle, now());
      const stored = (await stores.privacyRequests.findById(requestId))?.bundle ?? bundle;
      if (stored.found) log?.info({ requestId, expiresAt: stored.expiresAt }, 'export built');
      else log?.info({ requestId }, 'export matched nobody');
      return { found: stored.found, expiresAtMs: stored.expiresAt.getTime() };
    },

    /** One run of the retention policy as runs started before batches replay it; `runKey` makes a retry find what it started. */
    async applyRetention(runKey: string): Promise<RetentionRun> {
      if (!deps.startErasure) throw new Error('retention needs to start erasures');
      return beating(() => applyRetention(stores, now(), runKey, deps.startErasure!));
    },

    /** A retention run's start: events removed, inactive people chosen (kept with the run, not returned). Null without a policy. */
    async selectRetention(runKey: string): Promise<{ events: number[]; people: number } | null> {
      const started = performance.now();
      const selected = await beating(() => selectRetention(stores, now(), runKey));
      const ms = Math.round(performance.now() - started);
      if (selected) log?.info({ runKey, events: selected.events, people: selected.people, ms }, 'retention run started');
      return selected;
    },

    /** Inventory, stop and remove for the people at positions `from`–`to` of the run's selection. */
    async eraseRetentionBatch(batch: RetentionBatch): Promise<number> {
      const started = performance.now();
      const erasing = await beating(() => batches().erase(batch));
      log?.info({ ...batch, erasing, ms: Math.round(performance.now() - started) }, 'retention batch removed');
      return erasing;
    },

    /** After the batch's settle wait: verify, notify and complete its erasures. */
    async settleRetentionBatch(batch: RetentionBatch): Promise<{ erased: number; handedOff: number }> {
      const started = performance.now();
      const settled = await beating(() => batches().settle(batch));
      log?.info({ ...batch, ...settled, ms: Math.round(performance.now() - started) }, 'retention batch completed');
      return settled;
    },

    /** The run's counts kept and audited, its selection deleted. */
    async finishRetention(runKey: string, peopleErased: number): Promise<void> {
      await finishRetention(stores, runKey, peopleErased);
      log?.info({ runKey, peopleErased }, 'retention run finished');
    },

    /** The export expired (or was downloaded): its bundle is deleted. */
    async deleteExport(requestId: string): Promise<void> {
      const request = await stores.privacyRequests.findById(requestId);
      await stores.exportChunks.delete(requestId, request?.bundle?.chunks ?? 0);
      await stores.privacyRequests.bundleDeleted(requestId, now());
      log?.info({ requestId }, 'export deleted');
    },
  };
}
