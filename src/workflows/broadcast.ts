/**
 * One broadcast start: takes the audience (the segment's members now, stored in chunks by
 * id), then sends it chunk by chunk, one activity per chunk, at the broadcast's rate,
 * never inside its quiet hours, obeying pause, resume and cancel between chunks. Each
 * chunk's sends are keyed by broadcast and person and its counts recorded once, so a
 * worker crash mid-chunk retries the chunk without sending anyone a second message.
 * Continues as new every few hundred passes (chunks, or looks at the state while paused):
 * 100,000 people are 500 chunks of 200.
 */
import { condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BroadcastActivities, BroadcastPlan } from '../activities/index.js';
import { millisUntilQuietHoursEnd } from '../util/local-time.js';
import { cancelBroadcastSignal, pauseBroadcastSignal, resumeBroadcastSignal, type BroadcastInput } from './broadcast-messages.js';

const quick = proxyActivities<BroadcastActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Taking the audience reads every member bucket: minutes at most for the largest segment, alive while it heartbeats. */
const snapshot = proxyActivities<BroadcastActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * A chunk at its rate (200 at 1 a second is over 3 minutes), alive while it heartbeats:
 * a worker that dies mid-chunk is noticed in seconds and the chunk resumes elsewhere.
 */
const batches = proxyActivities<BroadcastActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/**
 * About 10 history events per pass of the loop (a chunk, a look at the state while paused,
 * a quiet-hours sleep): 200 passes keep a run's history near 2,000 events, however long it
 * is paused and however large its audience.
 */
export const BATCHES_PER_RUN = 200;
/** A paused run looks at the stored state this often, in case a resume's signal was lost. */
const PAUSED_RECHECK = '5 minutes';

export type BroadcastOutcome = 'completed' | 'cancelled';

export async function broadcastWorkflow(input: BroadcastInput): Promise<BroadcastOutcome> {
  const { broadcast } = input;
  // Widened: the signal handlers change it behind the loop's back.
  let state = 'running' as 'running' | 'paused' | 'cancelled';
  setHandler(pauseBroadcastSignal, () => {
    if (state === 'running') state = 'paused';
  });
  setHandler(resumeBroadcastSignal, () => {
    if (state === 'paused') state = 'running';
  });
  setHandler(cancelBroadcastSignal, () => {
    state = 'cancelled';
  });
  const obey = (stored: string) => {
    state = stored === 'paused' ? 'paused' : stored === 'running' ? 'running' : 'cancelled';
  };

  const plan: BroadcastPlan = input.continued?.plan ?? (await snapshot.prepareBroadcast(broadcast));
  let chunk = input.continued?.nextChunk ?? 0;
  if (!input.continued) obey(await quick.broadcastState(broadcast));
  let passes = 0;

  const cancelled = async (): Promise<'cancelled'> => {
    await quick.dropBroadcastAudience(broadcast);
    return 'cancelled';
  };
  while (chunk < plan.chunks) {
    if (state === 'cancelled') return cancelled();
    if (++passes > (input.batchesPerRun ?? BATCHES_PER_RUN)) {
      // A signal sent in between reaches the new run too late: the stored state, which each batch obeys, covers it.
      return continueAsNew<typeof broadcastWorkflow>({ ...input, continued: { plan, nextChunk: chunk } });
    }
    if (state === 'paused') {
      if (!(await condition(() => state !== 'paused', PAUSED_RECHECK))) obey(await quick.broadcastState(broadcast));
      continue;
    }
    const quietMs = plan.quietHours ? millisUntilQuietHoursEnd(new Date(), plan.quietHours, plan.timeZone, 'UTC') : 0;
    if (quietMs > 0) {
      await quick.setBroadcastWaiting(broadcast, Date.now() + quietMs);
      await condition(() => state !== 'running', quietMs);
      await quick.setBroadcastWaiting(broadcast, null);
      continue;
    }
    const result = await batches.sendBroadcastBatch(broadcast, chunk);
    if (result.done) chunk++;
    else obey(result.state);
    // Under a rate, the next chunk waits until this one's share of time is over (a pause or cancel wakes it).
    const untilNext = result.nextAtMs === undefined ? 0 : result.nextAtMs - Date.now();
    if (untilNext > 0 && chunk < plan.chunks) await condition(() => state !== 'running', untilNext);
  }
  if (state === 'cancelled') return cancelled();
  return (await quick.finishBroadcast(broadcast)) === 'cancelled' ? 'cancelled' : 'completed';
}
