/**
 * A shard of the segment clocks: a durable timer to the next instant at which time alone
 * (a window closing, `first seen`/`last seen` crossing its bound, a consent expiring) can
 * change the membership of any person hashed to this shard. A window closes when it
 * closes, without polling and without an event.
 *
 * The shard holds each person's next instant. When the earliest comes, an activity judges
 * everyone who is due, in one batch, and returns their next instants; the shard sleeps
 * until the earliest again. One shard rings many people per workflow task, so a burst of
 * windows closing together costs Temporal a task per batch, not one per person (the cost
 * that made a clock per person lag by seconds when many windows closed at once).
 *
 * Ingestion signals a person's instant only when it comes earlier than the one the clock
 * is set to (src/segments/engine.ts); an instant set later than the real one only makes
 * the clock ring early, find nothing, and move on. Input, signals and results are profile
 * ids and instants.
 */
import { condition, continueAsNew, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SegmentActivities } from '../activities/index.js';
import {
  segmentClockDueQuery,
  segmentClockForgetSignal,
  segmentClockSetManySignal,
  segmentClockSetSignal,
  type SegmentClocksInput,
} from './messages.js';

/**
 * A local activity: the ring runs inside the shard's workflow task, on the worker that
 * holds it, instead of as a task of its own through the server.
 */
const activities = proxyLocalActivities<SegmentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** People judged per ring: a batch well inside the activity's timeout on a loaded database. */
const RING_BATCH = 100;

/** History events before continuing as new (the held instants are handed on): replay stays short. */
const HISTORY_LIMIT = 5_000;

export async function segmentClocksWorkflow(input: SegmentClocksInput): Promise<void> {
  const due = new Map<string, number>(input.due);
  // The instant the shard sleeps until: a signal wakes it only for an earlier one.
  let sleepingUntil = Infinity;
  let woken = false;
  const ringAt = (profileId: string, atMs: number) => {
    const set = due.get(profileId);
    if (set !== undefined && set <= atMs) return;
    due.set(profileId, atMs);
    if (atMs < sleepingUntil) woken = true;
  };
  setHandler(segmentClockSetSignal, ringAt);
  setHandler(segmentClockSetManySignal, (entries) => {
    for (const [profileId, atMs] of entries) ringAt(profileId, atMs);
  });
  setHandler(segmentClockForgetSignal, (profileId) => {
    due.delete(profileId);
  });
  setHandler(segmentClockDueQuery, (profileId) => due.get(profileId) ?? null);

  // The workflow's clock stands still while a local activity runs (it is the workflow
  // task's start): after a ring, the ring's own end is the time. Without it, a shard busy
  // ringing would sleep past instants that came due during the ring by the ring's length.
  let rangAtMs = 0;
  // Signals lengthen the history of a shard asleep too: a long history wakes it to hand on.
  const historyFull = () => workflowInfo().historyLength >= (input.historyLimit ?? HISTORY_LIMIT) || workflowInfo().continueAsNewSuggested;
  for (;;) {
    if (historyFull()) await continueAsNew<typeof segmentClocksWorkflow>({ ...input, due: [...due] });
    const now = Math.max(Date.now(), rangAtMs);
    let earliest = Infinity;
    for (const atMs of due.values()) earliest = Math.min(earliest, atMs);
    if (earliest > now) {
      sleepingUntil = earliest;
      woken = false;
      const wake = () => woken || historyFull();
      await (earliest === Infinity ? condition(wake) : condition(wake, earliest - now));
      sleepingUntil = Infinity;
      continue;
    }
    const dueNow = [...due].filter(([, atMs]) => atMs <= now);
    const ringing = dueNow
      .sort((a, b) => a[1] - b[1])
      .slice(0, RING_BATCH)
      .map(([profileId]) => profileId);
    // Taken out while they ring: an instant signalled meanwhile is kept beside the one the ring returns.
    for (const profileId of ringing) due.delete(profileId);
    // The backlog is the operators' (a gauge): a local activity's input is not replayed against the history.
    const { next, atMs: endedAtMs } = await activities.ringSegmentClocks(ringing, {
      shard: input.shard,
      backlog: dueNow.length - ringing.length,
    });
    rangAtMs = endedAtMs;
    ringing.forEach((profileId, index) => {
      const atMs = next[index];
      if (atMs === null || atMs === undefined) return;
      const signalled = due.get(profileId);
      due.set(profileId, signalled === undefined ? atMs : Math.min(signalled, atMs));
    });
  }
}
