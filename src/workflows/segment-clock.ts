/**
 * One person's segment clock: a durable timer to the next instant at which time alone
 * (a window closing, `first seen`/`last seen` crossing its bound, a consent expiring) can
 * change their membership. There is one per person who has such an instant, so a window
 * closes when it closes, without polling and without an event.
 *
 * When it rings, an activity judges the person's segments again and returns the next
 * instant; the clock sleeps until then, or stops when there is none. Ingestion signals
 * the clock only when an instant comes earlier than the one it is set to
 * (src/segments/engine.ts), so a busy person costs no signal per event. Input, signal and
 * results are a profile id and instants.
 */
import { condition, continueAsNew, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SegmentActivities } from '../activities/index.js';
import { segmentClockSignal, type SegmentClockInput } from './messages.js';

/**
 * A local activity: the ring runs inside the clock's workflow task, on the worker that
 * holds it, instead of as a task of its own through the server. A ring is a few reads and
 * writes by `_id`; at a window closing for thousands of people at once, the server's
 * round trips are what queue.
 */
const activities = proxyLocalActivities<SegmentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Rings before continuing as new: keeps the history short whatever the workflow's lifetime. */
const RINGS_PER_RUN = 200;

export async function segmentClockWorkflow(input: SegmentClockInput): Promise<void> {
  let atMs: number | undefined = input.atMs;
  // Signals that arrive while the clock rings (during the activity) are kept apart, so the
  // activity's answer does not overwrite an earlier instant.
  let signalled: number | undefined;
  setHandler(segmentClockSignal, (next) => {
    signalled = signalled === undefined ? next : Math.min(signalled, next);
  });
  for (let rings = 0; ;) {
    if (signalled !== undefined) {
      atMs = atMs === undefined ? signalled : Math.min(atMs, signalled);
      signalled = undefined;
    }
    if (atMs === undefined) return;
    const remaining = atMs - Date.now();
    if (remaining > 0 && (await condition(() => signalled !== undefined && signalled < atMs!, remaining))) continue;
    const next = await activities.ringSegmentClock(input.profileId);
    atMs = next ?? undefined;
    rings += 1;
    if (signalled === undefined && atMs !== undefined && (rings >= RINGS_PER_RUN || workflowInfo().continueAsNewSuggested)) {
      await continueAsNew<typeof segmentClockWorkflow>({ profileId: input.profileId, atMs });
    }
  }
}
