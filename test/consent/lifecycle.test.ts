/**
 * A year of consent in milliseconds: Itinera on Temporal's time-skipping test server, the
 * real database underneath. A grant with `expires after 365 days` and `remind 30 days
 * before expiry` records `Consent Expiring` on day 335 and `Consent Expired` on day 365,
 * and the purpose then reads as missing.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentState } from '../../src/conditions/predicate.js';
import { consentLifecycleWorkflowId } from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { testServerBinary } from '../support/servers.js';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
let itinera: TestItinera;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerBinary() } } });
  itinera = await startTestItinera('consent-year', { temporalAddress: env.address });
  const rules = 'consent email_marketing "E-mail marketing" {\n  expires after 365 days\n  remind 30 days before expiry\n}\n';
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { auth: bearer(ADMIN_KEY), text: rules })).status).toBe(200);
});
afterAll(async () => {
  await itinera?.close();
  await env?.teardown();
});

const admin = { auth: bearer(ADMIN_KEY) };
const eventsNamed = async (profileId: string, event: string) =>
  (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/events?event=${encodeURIComponent(event)}`, admin)).body.events as Record<
    string,
    any
  >[];

/** What the lifecycle has done so far, from its history. */
async function progress(workflowId: string): Promise<{ tasks: number; activities: number; timers: number }> {
  const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const count = (has: (event: NonNullable<typeof events>[number]) => unknown) => (events ?? []).filter(has).length;
  return {
    tasks: count((event) => event.workflowTaskStartedEventAttributes),
    activities: count((event) => event.activityTaskScheduledEventAttributes),
    timers: count((event) => event.timerStartedEventAttributes),
  };
}

describe('a year of one consent', () => {
  it('reminds on day 335, lapses on day 365, then reads as missing', async () => {
    const granted = await send(itinera.baseUrl, 'POST', '/v1/consents', {
      auth: basicAuth(WRITE_KEY),
      json: { userId: 'year-1', purpose: 'email_marketing', state: 'granted' },
    });
    expect(granted.status).toBe(200);
    const lifecycle = consentLifecycleWorkflowId(granted.body.recordId);
    // Started, with its first run delayed until the reminder.
    await eventually(async () => (await progress(lifecycle).catch(() => undefined)) !== undefined);
    const profileId = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=year-1', admin)).body.id as string;
    const grant = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/consents`, admin)).body.history[0];

    await env.sleep(334 * DAY);
    expect(await progress(lifecycle)).toEqual({ tasks: 0, activities: 0, timers: 0 });
    expect(await eventsNamed(profileId, 'Consent Expiring')).toEqual([]);

    await env.sleep(DAY + 60_000);
    const [expiring] = await eventually(async () => {
      const found = await eventsNamed(profileId, 'Consent Expiring');
      return found.length > 0 ? found : undefined;
    });
    expect(new Date(expiring!.timestamp).getTime() - new Date(grant.at).getTime()).toBe(335 * DAY);
    expect(expiring!.properties).toEqual({ purpose: 'email_marketing', expiresAt: grant.expiresAt });
    expect((await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/consents`, admin)).body.consents.email_marketing.state).toBe(
      'granted',
    );
    // The expiry's timer is set before more time passes.
    await eventually(async () => (await progress(lifecycle)).timers === 1);

    await env.sleep(29 * DAY);
    expect(await eventsNamed(profileId, 'Consent Expired')).toEqual([]);
    await env.sleep(DAY);
    const [expired] = await eventually(async () => {
      const found = await eventsNamed(profileId, 'Consent Expired');
      return found.length > 0 ? found : undefined;
    });
    expect(new Date(expired!.timestamp).getTime() - new Date(grant.at).getTime()).toBe(365 * DAY);
    expect(await env.client.workflow.getHandle(lifecycle).result()).toBe('expired');

    await itinera.runtime.writer.settled();
    const consents = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/consents`, admin)).body.consents;
    expect(consents.email_marketing).toMatchObject({ state: 'expired', granted: false });
    const profile = await itinera.raw.profiles.findOne({ _id: profileId });
    // Read as missing by conditions, whatever the wall clock says (the lifecycle marked it).
    expect(consentState(profile!.consents, 'email_marketing', new Date())).toBe('missing');
    expect(await eventsNamed(profileId, 'Consent Expiring')).toHaveLength(1);
  });
});
