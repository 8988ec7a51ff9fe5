/**
 * Replays journey histories recorded by earlier versions of the workflow code against the
 * code of today: a change of the command sequence without `patched()` fails here, before
 * it fails the runs in flight in production.
 *
 * journey-before-admission.pb: recorded at commit 6db1e98 on the time-skipping server. A
 * `reentry always` journey with two `wait for "Order Completed"`; the order event was
 * signalled twice, and the old code let the repeat satisfy the second wait
 * (tags first_order and second_order). The replay must take the same path.
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

describe('journey workflow replay', () => {
  it('replays a run recorded before admission existed, command for command', async () => {
    const history = await recordedHistory('journey-before-admission.pb');
    const activityTypes = history.events!
      .map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((name) => name !== undefined && name !== null);
    // What the recorded run did: the old entry and both waits satisfied.
    expect(activityTypes).toEqual(['loadJourney', 'enterJourney', 'tagProfile', 'queueMessage', 'tagProfile', 'leaveJourney']);
    await expect(Worker.runReplayHistory({ workflowsPath }, history, 'journey:orders:recorded')).resolves.toBeUndefined();
  });
});
