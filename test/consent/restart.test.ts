/**
 * The ledger survives its worker: timers that come due while no worker runs fire once
 * each when one is back, and the projection rebuilt from the ledger equals the stored one.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { consentLifecycleWorkflowId } from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { temporalAddress } from '../support/servers.js';

const dbName = `t_consent_restart_${randomUUID().slice(0, 8)}`;
const people = ['restart-1', 'restart-2', 'restart-3'];
let second: TestItinera | undefined;

afterAll(async () => {
  await second?.raw.db.dropDatabase().catch(() => undefined);
  await second?.close();
});

const admin = { auth: bearer(ADMIN_KEY) };

describe('restarting the worker', () => {
  it('timers due while the worker was gone fire once each when it is back', async () => {
    const first = await startTestItinera('consent-restart', { reuseDatabase: dbName });
    const rules = 'consent short_lived "Short" {\n  expires after 3 seconds\n  remind 1 second before expiry\n}\n';
    expect((await send(first.baseUrl, 'PUT', '/v1/rules', { auth: bearer(ADMIN_KEY), text: rules })).status).toBe(200);
    const lifecycles: string[] = [];
    for (const userId of people) {
      const granted = await send(first.baseUrl, 'POST', '/v1/consents', {
        auth: basicAuth(WRITE_KEY),
        json: { userId, purpose: 'short_lived', state: 'granted' },
      });
      lifecycles.push(consentLifecycleWorkflowId(granted.body.recordId));
    }
    const started = async (workflowId: string) =>
      (await first.runtime.temporal.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => null)) !== null;
    for (const workflowId of lifecycles) await eventually(() => started(workflowId));
    await first.close();

    // With no worker, the lifecycles come due in Temporal (their delayed starts) and their tasks wait.
    const connection = await Connection.connect({ address: temporalAddress() });
    const client = new Client({ connection });
    const fired = async (workflowId: string) => {
      const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
      return (events ?? []).some((event) => event.workflowTaskScheduledEventAttributes);
    };
    for (const workflowId of lifecycles) await eventually(() => fired(workflowId));
    await connection.close();
    second = await startTestItinera('consent-restart', { reuseDatabase: dbName, taskQueue: first.taskQueue });
    const handle = (workflowId: string) => second!.runtime.temporal.workflow.getHandle(workflowId);
    for (const workflowId of lifecycles) expect(await handle(workflowId).result()).toBe('expired');

    await second.runtime.writer.settled();
    for (const userId of people) {
      const profile = (await send(second.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body;
      const named = async (event: string) =>
        (await send(second!.baseUrl, 'GET', `/v1/profiles/${profile.id}/events?event=${encodeURIComponent(event)}`, admin)).body.events;
      expect(await named('Consent Expiring')).toHaveLength(1);
      expect(await named('Consent Expired')).toHaveLength(1);
      expect(profile.consents.short_lived.state).toBe('expired');
    }
    // Each lifecycle ran its reminder and its expiry once.
    for (const workflowId of lifecycles) {
      const { events } = await handle(workflowId).fetchHistory();
      expect((events ?? []).filter((event) => event.activityTaskCompletedEventAttributes)).toHaveLength(3);
    }
    const check = await send(second.baseUrl, 'POST', '/v1/consents/verify', { ...admin, json: {} });
    expect(check.body).toMatchObject({ profiles: people.length, records: people.length, disagreeing: [] });
  });
});
