/**
 * A clock shard rings everyone who is due together in one batch (one local activity for
 * all of them), lets go of a person it cannot find, and hands the instants it holds on
 * when it continues as new, so a person whose window closes after the hand-off still
 * leaves on time. Shards of this file's own ids are started by hand with chosen
 * instants; the people in them are taken out of their real shards first, so only the
 * shard under test rings them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as workflows from '../../src/workflows/index.js';
import { segmentClockShardOf, segmentClocksWorkflowId } from '../../src/util/workflow-ids.js';
import { segmentClockDueQuery, segmentClockForgetSignal, segmentClockSetSignal } from '../../src/workflows/messages.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const RULES =
  'segment clickers {\n  performed "Clicked" within 4 seconds\n}\nsegment slow_clickers {\n  performed "Clicked Slowly" within 12 seconds\n}\n';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('clock-shards');
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  await eventually(
    async () =>
      (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments.every(
        (segment: { state: string }) => segment.state === 'ready',
      ),
    60_000,
  );
});
afterAll(async () => {
  await itinera?.close();
});

/** People who click now: members of a segment, held by no shard but the one a test starts. */
async function clickers(count: number, event = 'Clicked'): Promise<{ ids: string[]; closesAt: number }> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `shard-${randomUUID().slice(0, 8)}`;
    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId, event } })).status).toBe(200);
    ids.push((await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id);
  }
  let closesAt = 0;
  for (const id of ids) {
    const home = itinera.runtime.temporal.workflow.getHandle(segmentClocksWorkflowId(itinera.taskQueue, segmentClockShardOf(id)));
    const due = await eventually(async () => (await home.query(segmentClockDueQuery, id).catch(() => null)) ?? undefined);
    closesAt = Math.max(closesAt, due);
    await home.signal(segmentClockForgetSignal, id);
    await eventually(async () => (await home.query(segmentClockDueQuery, id)) === null);
  }
  return { ids, closesAt };
}

const segmentsOf = async (id: string) =>
  (await send(itinera.baseUrl, 'GET', `/v1/profiles/${id}`, admin)).body.segments.map((segment: { name: string }) => segment.name);
const exitOf = async (id: string, segment = 'clickers') =>
  (await send(itinera.baseUrl, 'GET', `/v1/profiles/${id}/segments/history`, admin)).body.changes.find(
    (change: { segment: string; change: string }) => change.segment === segment && change.change === 'exited',
  );

/** How many rings (local activities judging people) a shard's run made, from its history. */
async function ringCount(workflowId: string, runId?: string): Promise<number> {
  const history = await itinera.runtime.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).filter((event) => {
    const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    return (
      data !== undefined &&
      data !== null &&
      (JSON.parse(Buffer.from(data).toString()) as { activity_type?: string }).activity_type === 'ringSegmentClocks'
    );
  }).length;
}

describe('a segment clock shard', () => {
  it('rings everyone due at one instant in one batch, and lets go of a person it cannot find', async () => {
    const { ids, closesAt } = await clickers(5);
    for (const id of ids) expect(await segmentsOf(id)).toEqual(['clickers']);
    const workflowId = `test-shard-${randomUUID()}`;
    const shard = await itinera.runtime.temporal.workflow.start<typeof workflows.segmentClocksWorkflow>('segmentClocksWorkflow', {
      taskQueue: itinera.taskQueue,
      workflowId,
      args: [{ shard: 0, due: [...ids.map((id): [string, number] => [id, closesAt]), ['p_nobody_here', closesAt]] }],
    });
    for (const id of ids) expect(await eventually(() => exitOf(id), 30_000)).toMatchObject({ reason: { kind: 'time window' } });
    for (const id of ids) expect(await segmentsOf(id)).toEqual([]);
    // Six people, one ring; none is held any more (time can change nothing of theirs, and nobody is no one).
    expect(await ringCount(workflowId)).toBe(1);
    for (const id of [...ids, 'p_nobody_here']) expect(await shard.query(segmentClockDueQuery, id)).toBeNull();
    await shard.terminate('test over');
  });

  it('hands the instants it holds on when it continues as new', async () => {
    const {
      ids: [id],
      closesAt,
    } = await clickers(1, 'Clicked Slowly');
    const workflowId = `test-shard-${randomUUID()}`;
    const farAway = Date.now() + 86_400_000;
    const first = await itinera.runtime.temporal.workflow.start<typeof workflows.segmentClocksWorkflow>('segmentClocksWorkflow', {
      taskQueue: itinera.taskQueue,
      workflowId,
      args: [{ shard: 0, due: [[id!, closesAt]], historyLimit: 12 }],
    });
    // Signals lengthen the history past the limit before the window closes.
    for (let i = 0; i < 6; i++) await first.signal(segmentClockSetSignal, `p_later_${i}`, farAway + i);
    const current = itinera.runtime.temporal.workflow.getHandle(workflowId);
    await eventually(async () => (await current.describe()).runId !== first.firstExecutionRunId);
    // Handed on before the window closed: the person's instant is the later run's to ring.
    expect(Date.now()).toBeLessThan(closesAt);
    expect(await eventually(() => exitOf(id!, 'slow_clickers'), 30_000)).toMatchObject({ reason: { kind: 'time window' } });
    expect(await segmentsOf(id!)).toEqual([]);
    // The later run rang the person and still holds everyone else's instant.
    expect(await ringCount(workflowId, first.firstExecutionRunId)).toBe(0);
    for (let i = 0; i < 6; i++) expect(await current.query(segmentClockDueQuery, `p_later_${i}`)).toBe(farAway + i);
    await current.terminate('test over');
  });
});
