/**
 * Two deployments on one Temporal namespace, each with its own database, task queue and
 * deployment id: the workflows each keeps one of (a rules version's recompute, the
 * retention schedule) and those named by a sender-chosen messageId (a grant's lifecycle)
 * are each deployment's own. A lifecycle started under the id from before deployment ids
 * is still ended when its grant is superseded.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consentLifecycleWorkflowId,
  retentionRunWorkflowId,
  retentionScheduleId,
  segmentRecomputeWorkflowId,
} from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const RULES = `
consent news "News" {
  expires after 365 days
}

segment everyone {
  not tagged "nobody"
}
`;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const suffix = randomUUID().slice(0, 8);

let a: TestItinera;
let b: TestItinera;
beforeAll(async () => {
  a = await startTestItinera('deploy-a', { deploymentId: `shop-a-${suffix}` });
  b = await startTestItinera('deploy-b', { deploymentId: `shop-b-${suffix}` });
});
afterAll(async () => {
  for (const itinera of [a, b]) {
    await send(itinera.baseUrl, 'PUT', '/v1/privacy/retention', { ...admin, json: {} }).catch(() => undefined);
    await itinera.close();
  }
});

const statusOf = async (itinera: TestItinera, workflowId: string) =>
  (
    await itinera.runtime.temporal.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined)
  )?.status.name;

describe('two deployments on one namespace', () => {
  it('keep their own rules-version recomputes and retention schedules', async () => {
    for (const itinera of [a, b]) {
      expect(
        (await send(itinera.baseUrl, 'POST', '/v1/identify', { ...write, json: { userId: 'someone', traits: { plan: 'pro' } } })).status,
      ).toBe(200);
      await itinera.runtime.writer.settled();
      expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).body.version).toBe(1);
    }
    // Both version 1, both computed: neither found the other's recompute under its id.
    for (const [itinera, deployment] of [
      [a, `shop-a-${suffix}`],
      [b, `shop-b-${suffix}`],
    ] as const) {
      expect(await itinera.runtime.temporal.workflow.getHandle(segmentRecomputeWorkflowId(deployment, 1)).result()).toBe('done');
      const segments = await eventually(async () => {
        const listed = (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments as {
          name: string;
          state: string;
          size: number;
        }[];
        return listed.every((segment) => segment.state === 'ready') ? listed : undefined;
      });
      expect(segments).toMatchObject([{ name: 'everyone', state: 'ready', size: 1 }]);
    }

    for (const itinera of [a, b]) {
      expect(
        (
          await send(itinera.baseUrl, 'PUT', '/v1/privacy/retention', {
            ...admin,
            json: { events: [{ olderThanDays: 365, type: 'page' }] },
          })
        ).status,
      ).toBe(200);
    }
    for (const [itinera, deployment] of [
      [a, `shop-a-${suffix}`],
      [b, `shop-b-${suffix}`],
    ] as const) {
      const schedule = await itinera.runtime.temporal.schedule.getHandle(retentionScheduleId(deployment)).describe();
      expect(schedule.action).toMatchObject({
        type: 'startWorkflow',
        workflowId: retentionRunWorkflowId(deployment),
        taskQueue: itinera.taskQueue,
      });
    }
  });

  it('start a lifecycle each for the same grant sent to both, and end only their own, old ids included', async () => {
    const grant = { userId: 'same-person', purpose: 'news', state: 'granted', messageId: `shared-${suffix}` };
    const recordIds = [];
    for (const itinera of [a, b])
      recordIds.push((await send(itinera.baseUrl, 'POST', '/v1/consents', { ...write, json: grant })).body.recordId as string);
    // The record id comes from the messageId the sender chose: the same in both deployments.
    expect(recordIds[0]).toBe(recordIds[1]);
    const recordId = recordIds[0]!;
    const lifecycleOf = (deployment: string) => consentLifecycleWorkflowId(recordId, deployment);
    for (const [itinera, deployment] of [
      [a, `shop-a-${suffix}`],
      [b, `shop-b-${suffix}`],
    ] as const) {
      await eventually(async () => (await statusOf(itinera, lifecycleOf(deployment))) === 'RUNNING');
    }

    // A lifecycle as a release before deployment ids started it, for the same grant in A.
    const profileId = (await send(a.baseUrl, 'GET', '/v1/profiles/lookup?userId=same-person', admin)).body.id as string;
    const legacy = consentLifecycleWorkflowId(recordId);
    await a.runtime.temporal.workflow.start('consentLifecycleWorkflow', {
      taskQueue: a.taskQueue,
      workflowId: legacy,
      args: [{ profileId, purpose: 'news', recordId }],
      startDelay: '1 day',
    });

    // Revoked in A: A's lifecycles end, under either id; B's grant keeps its own.
    expect(
      (await send(a.baseUrl, 'POST', '/v1/consents', { ...write, json: { ...grant, state: 'revoked', messageId: `revoke-${suffix}` } }))
        .status,
    ).toBe(200);
    await eventually(async () => (await statusOf(a, lifecycleOf(`shop-a-${suffix}`))) === 'TERMINATED');
    await eventually(async () => (await statusOf(a, legacy)) === 'TERMINATED');
    expect(await statusOf(b, lifecycleOf(`shop-b-${suffix}`))).toBe('RUNNING');
    await b.runtime.temporal.workflow.getHandle(lifecycleOf(`shop-b-${suffix}`)).terminate('test over');
  });
});
