/**
 * Replays histories recorded by the workflow code of the support window against the code
 * of today: a change of the command sequence without a patch fails here, before it fails
 * the runs in flight in production (docs/architecture.md, "Workflow versions: the support
 * window"). A release replays the runs started by the release before it, and no older ones.
 *
 * journey-0.1.0-run.pb, journey-0.1.0-continuing.pb and journey-0.1.0-continued.pb: runs of
 * release 0.1.0 (commit 8f6dc98, every development patch at `deprecatePatch`, before
 * `journey-lean-run`), recorded on the time-skipping server by that commit's
 * `npx tsx test/workflows/record-history.ts`: (a) `exit when` judged at entry (false), a
 * tag, a `wait for "Order Completed"` satisfied by a signalled event, a tag in its `then`,
 * an e-mail (quiet hours checked, recorded as not-configured), the end: completed; (b) a
 * two-tag journey with a history limit of 1: the first run of the chain is admitted, tags
 * and continues as new; the second tags and leaves, without admission. Their seven patch
 * markers are marked deprecated, so today's code, which no longer makes those calls,
 * skips them.
 *
 * journey-dev-build.pb: run (a) as a development build before 0.1.0 recorded it (commit
 * ecedd88, the same patches as `patched()`, not deprecated). Outside the window: it must
 * fail to replay, as such runs do on today's workers (docs/deploy.md, "Rolling upgrades").
 *
 * erasure-steps.pb: an erasure of a profile, its six steps and the settling timer.
 *
 * segment-recompute-backfill-step.pb and segment-recompute-judge-folds.pb: a deploy's
 * recompute of one new segment over an empty database, before and after the patch
 * `recompute-judge-folds-backfill` (the backfill step left out when there are segments to
 * judge); recorded by `npx tsx test/workflows/record-recompute-history.ts <file>`.
 * segment-recompute-quick-local.pb: the same after the patch `recompute-quick-steps-local`
 * (prepare, the look at open batches and finish as local activities; judging regular).
 *
 * journey-lean-run.pb, journey-lean-continuing.pb and journey-lean-continued.pb: the same
 * three journey runs as the lean code makes them (patch `journey-lean-run`: the journey and
 * its admission in one local activity, the send's first attempt local), and
 * journey-lean-rows.pb: a send and a tag taken in one local activity, a wait, an untag and
 * a trait in another; recorded by `npx tsx test/workflows/record-history.ts
 * journey-recorded=journey-lean-run.pb journey-continuing=journey-lean-continuing.pb
 * journey-continued=journey-lean-continued.pb journey-rows=journey-lean-rows.pb` while
 * 0.1.0's deprecated patches were still called (their markers are in these histories).
 *
 * journey-lean-on-exit.pb: a run with an `on exit` block (issue 31), ended by its `exit on`
 * event mid-wait, the block's untag and trait taken in one local activity before it
 * leaves; recorded by `npx tsx test/workflows/record-history.ts
 * journey-on-exit=journey-lean-on-exit.pb`. The histories above have no `on exit` (their
 * journeys' IR predates it) and replay unchanged.
 *
 * journey-leave-run.pb, journey-leave-in-row.pb and journey-leave-on-exit.pb: runs (a), (d)
 * and (e) as today's code makes them (patch `journey-leave-in-row`, its one marker, none of
 * 0.1.0's): (a) leaves on its own after its send, which quiet hours keep out of rows; (d)
 * its last row (an untag and a trait) takes the run off the profile too; (e) its `on exit`
 * steps and its leaving are one local activity; recorded by `npx tsx
 * test/workflows/record-history.ts journey-recorded=journey-leave-run.pb
 * journey-rows=journey-leave-in-row.pb journey-on-exit=journey-leave-on-exit.pb`.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

const workflowsPath = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));

/** The patches of the development builds, in the order every run of 0.1.0 recorded them. */
const DEVELOPMENT_PATCHES = [
  'journey-admission',
  'journey-delivery',
  'journey-exit-when',
  'journey-progress',
  'journey-continue-as-new',
  'journey-local-activities',
  'journey-progress-sink',
];

/** 0.1.0 called them all with `deprecatePatch`; today's code no longer calls them. */
const RELEASE_PATCHES = DEVELOPMENT_PATCHES.map((id) => `${id} (deprecated)`);

async function recordedHistory(name: string) {
  const bytes = await readFile(new URL(`./histories/${name}`, import.meta.url));
  return proto.temporal.api.history.v1.History.decode(bytes);
}

type History = Awaited<ReturnType<typeof recordedHistory>>;

function scheduledActivities(history: History): string[] {
  return history.events!.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

/** What a marker of this name recorded under `key`, parsed. */
function markers(history: History, name: string, key: string): Record<string, unknown>[] {
  return history.events!.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === name ? marker.details?.[key]?.payloads?.[0]?.data : undefined;
    return data ? [JSON.parse(Buffer.from(data).toString()) as Record<string, unknown>] : [];
  });
}

const localActivities = (history: History) => markers(history, 'core_local_activity', 'data').map((data) => data.activity_type);
/** The patch markers, `(deprecated)` after those recorded by `deprecatePatch`. */
const patches = (history: History) =>
  markers(history, 'core_patch', 'patch-data').map((data) => `${String(data.id)}${data.deprecated ? ' (deprecated)' : ''}`);

describe('journey workflow replay, release 0.1.0', () => {
  it('replays a run with exit when, a wait for a signalled event and a send, command for command', async () => {
    const history = await recordedHistory('journey-0.1.0-run.pb');
    expect(patches(history)).toEqual(RELEASE_PATCHES);
    expect(localActivities(history)).toEqual([
      'loadJourney',
      'admitToJourney',
      'judgeExitWhen',
      'tagProfile',
      'tagProfile',
      'holdForQuietHours',
      'leaveJourney',
    ]);
    // The send alone is a regular activity.
    expect(scheduledActivities(history)).toEqual(['deliverMessage']);
    expect(history.events!.some((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'profileEvent')).toBe(true);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:release')).resolves.toBeUndefined();
  });

  it('replays the first run of a chain, which continues as new, command for command', async () => {
    const history = await recordedHistory('journey-0.1.0-continuing.pb');
    expect(patches(history)).toEqual(RELEASE_PATCHES);
    expect(localActivities(history)).toEqual(['loadJourney', 'admitToJourney', 'tagProfile']);
    expect(scheduledActivities(history)).toEqual([]);
    expect(history.events!.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:release:continuing')).resolves.toBeUndefined();
  });

  it('replays the run that continued it, command for command', async () => {
    const history = await recordedHistory('journey-0.1.0-continued.pb');
    expect(history.events![0]!.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
    expect(patches(history)).toEqual(RELEASE_PATCHES);
    // Let in by the run it continues: no admission.
    expect(localActivities(history)).toEqual(['loadJourney', 'tagProfile', 'leaveJourney']);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:release:continued')).resolves.toBeUndefined();
  });

  it('no longer replays a run of a development build before 0.1.0, whose patch markers are not deprecated', async () => {
    const history = await recordedHistory('journey-dev-build.pb');
    expect(patches(history)).toEqual(DEVELOPMENT_PATCHES);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:dev-build')).rejects.toThrow(DeterminismViolationError);
  });
});

describe('journey workflow replay, lean runs (patch journey-lean-run)', () => {
  const LEAN_PATCHES = [...RELEASE_PATCHES, 'journey-lean-run'];

  it('replays a run whose entry is one local activity and whose send is local, command for command', async () => {
    const history = await recordedHistory('journey-lean-run.pb');
    expect(patches(history)).toEqual(LEAN_PATCHES);
    expect(localActivities(history)).toEqual([
      'loadJourneyAndAdmit',
      'judgeExitWhen',
      'tagProfile',
      'tagProfile',
      'holdForQuietHours',
      'deliverMessage',
      'leaveJourney',
    ]);
    // No activity task through the server: the send's first attempt succeeded in the worker.
    expect(scheduledActivities(history)).toEqual([]);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:lean')).resolves.toBeUndefined();
  });

  it('replays the first run of a lean chain, which continues as new', async () => {
    const history = await recordedHistory('journey-lean-continuing.pb');
    expect(patches(history)).toEqual(LEAN_PATCHES);
    expect(localActivities(history)).toEqual(['loadJourneyAndAdmit', 'tagProfile']);
    expect(history.events!.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:lean:continuing')).resolves.toBeUndefined();
  });

  it('replays the lean run that continued it: its journey loaded, no admission', async () => {
    const history = await recordedHistory('journey-lean-continued.pb');
    expect(patches(history)).toEqual(LEAN_PATCHES);
    expect(localActivities(history)).toEqual(['loadJourney', 'tagProfile', 'leaveJourney']);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:lean:continued')).resolves.toBeUndefined();
  });

  it('replays rows of instant steps, each one local activity, command for command', async () => {
    const history = await recordedHistory('journey-lean-rows.pb');
    expect(patches(history)).toEqual(LEAN_PATCHES);
    expect(localActivities(history)).toEqual(['loadJourneyAndAdmit', 'applyStepsNow', 'applyStepsNow', 'leaveJourney']);
    expect(scheduledActivities(history)).toEqual([]);
    expect(history.events!.some((event) => event.timerStartedEventAttributes)).toBe(true);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:lean:rows')).resolves.toBeUndefined();
  });
});

describe('journey workflow replay, on exit (issue 31)', () => {
  it('replays a run ended by an exit-on event whose on-exit steps are one local activity before it leaves', async () => {
    const history = await recordedHistory('journey-lean-on-exit.pb');
    expect(patches(history)).toEqual([...RELEASE_PATCHES, 'journey-lean-run']);
    expect(localActivities(history)).toEqual(['loadJourneyAndAdmit', 'tagProfile', 'applyStepsNow', 'leaveJourney']);
    expect(scheduledActivities(history)).toEqual([]);
    expect(history.events!.some((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'profileEvent')).toBe(true);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:lean:on-exit')).resolves.toBeUndefined();
  });
});

describe('journey workflow replay, runs that leave in their last row (patch journey-leave-in-row)', () => {
  it('replays a run whose send is held to quiet hours, which leaves on its own', async () => {
    const history = await recordedHistory('journey-leave-run.pb');
    expect(patches(history)).toEqual(['journey-leave-in-row']);
    expect(localActivities(history)).toEqual([
      'loadJourneyAndAdmit',
      'judgeExitWhen',
      'tagProfile',
      'tagProfile',
      'holdForQuietHours',
      'deliverMessage',
      'leaveJourney',
    ]);
    expect(scheduledActivities(history)).toEqual([]);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:leave:run')).resolves.toBeUndefined();
  });

  it('replays a run whose last row of instant steps leaves the profile with them', async () => {
    const history = await recordedHistory('journey-leave-in-row.pb');
    expect(patches(history)).toEqual(['journey-leave-in-row']);
    // No leaveJourney of its own: the second row left.
    expect(localActivities(history)).toEqual(['loadJourneyAndAdmit', 'applyStepsNow', 'applyStepsNow']);
    expect(scheduledActivities(history)).toEqual([]);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:leave:rows')).resolves.toBeUndefined();
  });

  it('replays a run ended by an exit-on event whose on-exit steps and leaving are one local activity', async () => {
    const history = await recordedHistory('journey-leave-on-exit.pb');
    expect(patches(history)).toEqual(['journey-leave-in-row']);
    expect(localActivities(history)).toEqual(['loadJourneyAndAdmit', 'tagProfile', 'applyStepsNow']);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:leave:on-exit')).resolves.toBeUndefined();
  });
});

describe('erasure workflow replay', () => {
  it('replays an erasure in steps, command for command', async () => {
    const history = await recordedHistory('erasure-steps.pb');
    expect(patches(history)).toEqual(['erasure-steps']);
    expect(scheduledActivities(history)).toEqual([
      'eraseInventory',
      'eraseSuppress',
      'eraseStop',
      'eraseRemove',
      'eraseVerify',
      'eraseComplete',
    ]);
    expect(history.events!.some((event) => event.timerStartedEventAttributes)).toBe(true);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'erasure:recorded')).resolves.toBeUndefined();
  });
});

describe('segment recompute workflow replay', () => {
  it('replays a recompute that calls the backfill step before judging (before patch recompute-judge-folds-backfill)', async () => {
    const history = await recordedHistory('segment-recompute-backfill-step.pb');
    expect(patches(history)).toEqual([]);
    expect(scheduledActivities(history)).toEqual([
      'prepareSegmentRecompute',
      'openBatchesUpTo',
      'backfillSegmentFacts',
      'judgeSegmentMembers',
      'finishSegmentRecompute',
    ]);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'recompute:backfill-step')).resolves.toBeUndefined();
  });

  it('replays a recompute whose judging pass folds the backfill, without the step', async () => {
    const history = await recordedHistory('segment-recompute-judge-folds.pb');
    expect(patches(history)).toEqual(['recompute-judge-folds-backfill']);
    expect(scheduledActivities(history)).toEqual([
      'prepareSegmentRecompute',
      'openBatchesUpTo',
      'judgeSegmentMembers',
      'finishSegmentRecompute',
    ]);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'recompute:judge-folds')).resolves.toBeUndefined();
  });

  it('replays a recompute whose quick steps are local activities, only the judging pass a regular one', async () => {
    const history = await recordedHistory('segment-recompute-quick-local.pb');
    expect(patches(history)).toEqual(['recompute-quick-steps-local', 'recompute-judge-folds-backfill']);
    expect(scheduledActivities(history)).toEqual(['judgeSegmentMembers']);
    expect(localActivities(history)).toEqual(['prepareSegmentRecompute', 'openBatchesUpTo', 'finishSegmentRecompute']);
    expect(history.events!.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'recompute:quick-local')).resolves.toBeUndefined();
  });
});
