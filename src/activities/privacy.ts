/** Activities of privacy requests. Inputs are request ids; results are names and counts, never personal data. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { createErasureSteps, NoticeRetry } from '../privacy/erasure.js';
import { buildExport } from '../privacy/export.js';
import { applyRetention, type RetentionRun } from '../privacy/retention.js';
import type { ActivityDeps } from './profiles.js';

/** Well inside the erasure activities' heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 2_000;

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
  return {
    eraseInventory: (requestId: string) => beating(() => steps().inventory(requestId)),
    eraseSuppress: (requestId: string) => beating(() => steps().suppress(requestId)),
    eraseStop: (requestId: string) => beating(() => steps().stop(requestId)),
    eraseRemove: (requestId: string) => beating(() => steps().remove(requestId)),
    eraseVerify: (requestId: string) => beating(() => steps().verify(requestId)),
    eraseComplete: (requestId: string) => beating(() => steps().complete(requestId)),
    abandonErasureNotice: (requestId: string, destination: string, reason: string) => steps().abandonNotice(requestId, destination, reason),

    /** One destination's notice; 5xx/408/429 and the network are retried (Retry-After honoured). */
    async notifyErasure(requestId: string, destination: string): Promise<string> {
      try {
        return await beating(() => steps().notify(requestId, destination));
      } catch (error) {
        if (!(error instanceof NoticeRetry)) throw error;
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
      return { found: stored.found, expiresAtMs: stored.expiresAt.getTime() };
    },

    /** One run of the retention policy; `runKey` makes a retry find what it started. */
    async applyRetention(runKey: string): Promise<RetentionRun> {
      if (!deps.startErasure) throw new Error('retention needs to start erasures');
      return beating(() => applyRetention(stores, now(), runKey, deps.startErasure!));
    },

    /** The export expired (or was downloaded): its bundle is deleted. */
    async deleteExport(requestId: string): Promise<void> {
      const request = await stores.privacyRequests.findById(requestId);
      await stores.exportChunks.delete(requestId, request?.bundle?.chunks ?? 0);
      await stores.privacyRequests.bundleDeleted(requestId, now());
    },
  };
}
