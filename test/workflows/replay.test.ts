/**
 * Replays journey histories recorded by earlier versions of the workflow code against the
 * code of today: a change of the command sequence without `patched()` fails here, before
 * it fails the runs in flight in production.
 *
 * journey-before-admission.pb: recorded at commit 6db1e98 on the time-skipping server. A
 * `reentry always` journey with two `wait for "Order Completed"`; the order event was
 * signalled twice, and the old code let the repeat satisfy the second wait
 * (tags first_order and second_order). The replay must take the same path.
 *
 * journey-with-admission.pb: the same run recorded with admission (patch
 * `journey-admission`): the repeated event is dropped and the second wait times out.
 *
 * journey-with-delivery.pb: recorded at commit 2b1895e on the time-skipping server with the patches
 * `journey-delivery` and `journey-exit-when`: `exit when` judged at entry, quiet hours
 * checked before a send that is delivered, a tag, then an `exitConditionMet` signal
 * during a one-hour wait ends the run as `exited-when`.
 *
 * journey-with-progress.pb: the same run recorded at commit 842611b, with the patch
 * `journey-progress` too: each step's reached and passed marks are local activities.
 *
 * journey-local-continued.pb: recorded at commit 7ad1fda with every patch up to
 * `journey-local-activities`, a history limit of 1: the first run of the chain, its short
 * activities local, continuing as new after its first step (a send).
 *
 * erasure-legacy.pb: an erasure recorded at commit 267b632 on the dev server, before the
 * erasure ran in steps (patch `erasure-steps`): status, one eraseProfile, status.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

const workflowsPath = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));

async function recordedHistory(name: string) {
  const bytes = await readFile(new URL(`./histories/${name}`, import.meta.url));
  return proto.temporal.api.history.v1.History.decode(bytes);
}

type History = Awaited<ReturnType<typeof recordedHistory>>;

function scheduledActivities(history: History): string[] {
  return history.events!.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

describe('journey workflow replay', () => {
  it('replays a run recorded before admission existed, command for command', async () => {
    const history = await recordedHistory('journey-before-admission.pb');
    // What the recorded run did: the old entry and both waits satisfied.
    expect(scheduledActivities(history)).toEqual(['loadJourney', 'enterJourney', 'tagProfile', 'queueMessage', 'tagProfile', 'leaveJourney']);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:orders:recorded')).resolves.toBeUndefined();
  });

  it('replays a run recorded with admission, command for command', async () => {
    const history = await recordedHistory('journey-with-admission.pb');
    expect(scheduledActivities(history)).toEqual(['loadJourney', 'admitToJourney', 'tagProfile', 'queueMessage', 'tagProfile', 'leaveJourney']);
    expect(history.events!.some((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(true);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:orders:recorded-with-admission')).resolves.toBeUndefined();
  });

  it('replays a run recorded with delivery and exit when, command for command', async () => {
    const history = await recordedHistory('journey-with-delivery.pb');
    expect(scheduledActivities(history)).toEqual(['loadJourney', 'admitToJourney', 'judgeExitWhen', 'holdForQuietHours', 'deliverMessage', 'tagProfile', 'leaveJourney']);
    const patches = history.events!.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(patches).toHaveLength(3);
    expect(history.events!.some((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'exitConditionMet')).toBe(true);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:recorded:with-delivery')).resolves.toBeUndefined();
  });

  it('replays a run recorded with progress marks, command for command', async () => {
    const history = await recordedHistory('journey-with-progress.pb');
    expect(scheduledActivities(history)).toEqual(['loadJourney', 'admitToJourney', 'judgeExitWhen', 'holdForQuietHours', 'deliverMessage', 'tagProfile', 'leaveJourney']);
    expect(history.events!.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch')).toHaveLength(4);
    // reached and passed for the send and the tag, reached for the wait the signal cut short.
    expect(history.events!.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(5);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:recorded:with-progress')).resolves.toBeUndefined();
  });

  it('replays a run recorded with local activities that continued as new, command for command', async () => {
    const history = await recordedHistory('journey-local-continued.pb');
    // The send alone is a regular activity; the rest are local (markers).
    expect(scheduledActivities(history)).toEqual(['deliverMessage']);
    expect(history.events!.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch')).toHaveLength(6);
    expect(history.events!.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:recorded:local-continued')).resolves.toBeUndefined();
  });
});

describe('erasure workflow replay', () => {
  it('replays an erasure recorded before it ran in steps, command for command', async () => {
    const history = await recordedHistory('erasure-legacy.pb');
    expect(scheduledActivities(history)).toEqual(['setPrivacyRequestStatus', 'eraseProfile', 'setPrivacyRequestStatus']);
    expect(history.events!.some((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(false);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'erasure:recorded-legacy')).resolves.toBeUndefined();
  });
});
