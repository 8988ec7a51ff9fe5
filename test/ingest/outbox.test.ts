/**
 * Nothing acknowledged is lost. With Temporal unreachable, events are still accepted and
 * applied to their profiles, and their batch stays owed in the outbox; once Temporal is
 * back, the sweeper dispatches it and the journey runs. After a crash between storing a
 * batch and applying it, the sweeper applies it, counting every event exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdFor } from '../../src/ingest/ingest.js';
import { sweepOnce } from '../../src/ingest/sweeper.js';
import { createLogger } from '../../src/logger.js';
import { freePort } from '../../src/infra/process.js';
import type { EventDoc } from '../../src/model.js';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let offline: TestItinera;
let online: TestItinera;

beforeAll(async () => {
  // Nothing listens on this port: every Temporal call of this instance fails.
  offline = await startTestItinera('outbox', { runWorker: false, temporalAddress: `127.0.0.1:${await freePort()}` });
  // A second instance on the same database, with Temporal reachable, sweeps the outbox.
  online = await startTestItinera('outbox-online', { reuseDatabase: offline.dbName });
});
afterAll(async () => {
  await online?.close();
  await offline?.close();
});

const sweep = (itinera: TestItinera, aheadMs = 1000) =>
  sweepOnce({
    stores: itinera.runtime.stores,
    changes: itinera.runtime.changes,
    writer: itinera.runtime.writer,
    startPendingErasure: async () => undefined,
    logger: createLogger('silent'),
    intervalMs: 0,
    now: () => new Date(Date.now() + aheadMs),
  });

describe('outbox', () => {
  it('accepts and applies events while Temporal is down, and dispatches them when it is back', async () => {
    const rules = await send(offline.baseUrl, 'PUT', '/v1/rules', {
      auth: bearer(ADMIN_KEY),
      text: 'journey hello { when performed "Signed Up" tag "hello" }',
    });
    expect(rules.status).toBe(200);
    const tracked = await send(offline.baseUrl, 'POST', '/v1/track', {
      auth: basicAuth(WRITE_KEY),
      json: { userId: 'u-outage', event: 'Signed Up', messageId: 'm-outage' },
    });
    expect(tracked).toEqual({ status: 200, body: { success: true } });

    // The profile has the event at once; only its journey waits for Temporal.
    const applied = await send(offline.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-outage', { auth: bearer(ADMIN_KEY) });
    expect(applied.body.counters).toEqual({ 'Signed Up': { count: 1 } });
    expect(applied.body.tags).toEqual([]);
    await offline.runtime.writer.drain();
    const owed = await offline.raw.outbox.find().toArray();
    expect(owed.map((entry) => entry.eventIds)).toEqual([[eventIdFor('m-outage')]]);
    expect((await send(offline.baseUrl, 'GET', '/ready')).body).toMatchObject({ temporal: 'down', mongodb: 'up' });

    expect(await sweep(online)).toBe(1);
    const profile = await eventually(async () => {
      const found = await send(online.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-outage', { auth: bearer(ADMIN_KEY) });
      return found.body.tags?.includes('hello') ? found.body : undefined;
    });
    expect(profile.tags).toEqual(['hello']);
    // The batch was applied before the outage's dispatch failed: the sweep only dispatched it.
    expect(profile.counters).toEqual({ 'Signed Up': { count: 1 } });
    expect(await online.raw.outbox.countDocuments()).toBe(0);
  });

  it('applies a batch a crash left stored but unapplied, counting each event once', async () => {
    const sent = await send(online.baseUrl, 'POST', '/v1/track', {
      auth: basicAuth(WRITE_KEY),
      json: { userId: 'u-crash', event: 'Order Completed', properties: { revenue: 30 } },
    });
    expect(sent.status).toBe(200);
    const profileId = (await send(online.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-crash', { auth: bearer(ADMIN_KEY) })).body
      .id as string;
    await online.runtime.writer.drain();

    // What a process that died right after storing two more events leaves behind: the
    // events and their outbox entry, and a profile that never saw them.
    const { stores } = online.runtime;
    const stored = (await online.raw.events.findOne({ profileId }))!;
    const lostIds = [1, 2].map((n) => eventIdFor(`m-crash-${n}`));
    const outboxId = await stores.outbox.open(lostIds, new Date(), { owner: 'a-process-that-died', until: new Date() });
    const lost: EventDoc[] = [1, 2].map((n) => ({
      ...stored,
      _id: lostIds[n - 1]!,
      messageId: `m-crash-${n}`,
      properties: { revenue: 10 * n },
      outboxId,
    }));
    await online.raw.events.insertMany(lost);

    expect(await sweep(online)).toBe(1);
    const profile = (await send(online.baseUrl, 'GET', `/v1/profiles/${profileId}`, { auth: bearer(ADMIN_KEY) })).body;
    expect(profile.counters).toEqual({ 'Order Completed': { count: 3, sum: { revenue: 60 } } });
    expect(await online.raw.outbox.countDocuments()).toBe(0);
    // A second sweep finds nothing owed and counts nothing again.
    expect(await sweep(online)).toBe(0);
    const again = (await send(online.baseUrl, 'GET', `/v1/profiles/${profileId}`, { auth: bearer(ADMIN_KEY) })).body;
    expect(again.counters).toEqual(profile.counters);
  });

  it('leaves a batch alone while its lease holds, and counts it once when a stalled process loses it to a sweeper', async () => {
    const { writer } = online.runtime;
    // The batch is stored but waits before the writer takes it (as under back-pressure).
    const release = latch();
    const accept = writer.accept;
    writer.accept = async (batch) => {
      await release.opened;
      return accept.call(writer, batch);
    };
    try {
      const sending = send(online.baseUrl, 'POST', '/v1/track', {
        auth: basicAuth(WRITE_KEY),
        json: { userId: 'u-slow', event: 'Order Completed', properties: { revenue: 25 }, messageId: 'm-slow' },
      });
      await eventually(async () => (await online.runtime.stores.events.findById(eventIdFor('m-slow'))) !== null);
      // Within the lease the entry is its process's: a sweep leaves it.
      expect(await online.raw.outbox.countDocuments()).toBe(1);
      expect(await sweep(online, 1000)).toBe(0);
      // As if the process had stalled past its lease: a sweeper takes the batch and applies it...
      expect(await sweep(online, writer.leaseMs + 60_000)).toBe(1);
      const swept = (await send(online.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-slow', { auth: bearer(ADMIN_KEY) })).body;
      expect(swept.counters).toEqual({ 'Order Completed': { count: 1, sum: { revenue: 25 } } });
      // ...and when the stalled writer wakes up and applies it too, it counts nothing again.
      release.open();
      expect((await sending).status).toBe(200);
    } finally {
      release.open();
      writer.accept = accept;
    }
    await writer.drain();
    const profile = (await send(online.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-slow', { auth: bearer(ADMIN_KEY) })).body;
    expect(profile.counters).toEqual({ 'Order Completed': { count: 1, sum: { revenue: 25 } } });
    expect(await online.raw.outbox.countDocuments()).toBe(0);
  });

  it('starts one journey run per event, however often a sweep repeats its dispatch after the run closed', async () => {
    const rules = await deploy(
      'journey welcome_back { when performed "Came Back" operational reentry always send email "welcome_back" tag "welcomed" }',
    );
    const first = await track('u-repeat', 'Came Back', 'm-back-1');
    const run = online.runtime.temporal.workflow.getHandle(journeyWorkflowId('welcome_back', rules, first.profileId));
    // Closed, not just finished with the profile: a repeat now finds no open run to signal.
    expect(await run.result()).toBe('completed');
    const { runId: firstRunId } = await run.describe();

    // What the sweeper does for an entry whose dispatch a crash interrupted: dispatch again.
    // `reentry always` lets Temporal start a new run; admission knows the trigger and ends it.
    await online.runtime.dispatcher.dispatch([first]);
    const repeated = online.runtime.temporal.workflow.getHandle(run.workflowId);
    expect((await repeated.describe()).runId).not.toBe(firstRunId);
    expect(await repeated.result()).toBe('already-triggered');
    expect(await deliveries(first.profileId)).toBe(1);

    // A new event is a new entry, and the welcome is sent again.
    await track('u-repeat', 'Came Back', 'm-back-2');
    expect(await online.runtime.temporal.workflow.getHandle(run.workflowId).result()).toBe('completed');
    expect(await deliveries(first.profileId)).toBe(2);
  });

  it('lets a repeated dispatch that reaches the open run go unnoticed by it', async () => {
    const rules = await deploy(
      'journey come_again { when performed "Came Again" operational reentry always wait for "Came Again" up to 1 hour then { tag "came-again" } send email "again" }',
    );
    const first = await track('u-open', 'Came Again', 'm-open-1');
    const run = online.runtime.temporal.workflow.getHandle(journeyWorkflowId('come_again', rules, first.profileId));
    const { runId } = await run.describe();

    // The run is waiting for a second "Came Again"; the repeated trigger reaches it as a signal.
    await online.runtime.dispatcher.dispatch([first]);
    const events = await eventually(async () => {
      const history = (await run.fetchHistory()).events ?? [];
      const signals = history.flatMap((event, index) => (event.workflowExecutionSignaledEventAttributes ? [index] : []));
      // The run has handled the repeat once a workflow task completed after it.
      const handled = signals.length === 2 && history.slice(signals[1]! + 1).some((event) => event.workflowTaskCompletedEventAttributes);
      return handled ? history : undefined;
    });
    const scheduled = events.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).not.toContain('tagProfile');
    expect((await run.describe()).runId).toBe(runId);

    // A new "Came Again" is what the wait was for.
    await track('u-open', 'Came Again', 'm-open-2');
    expect(await run.result()).toBe('completed');
    const profile = (await send(online.baseUrl, 'GET', `/v1/profiles/${first.profileId}`, { auth: bearer(ADMIN_KEY) })).body;
    expect(profile.tags).toEqual(['came-again']);
    expect(profile.journeyHistory).toEqual([expect.objectContaining({ journey: 'come_again', entries: 1 })]);
    expect(await deliveries(first.profileId)).toBe(1);
  });
});

async function deploy(program: string): Promise<number> {
  const rules = await send(online.baseUrl, 'PUT', '/v1/rules', { auth: bearer(ADMIN_KEY), text: program });
  expect(rules.status).toBe(200);
  return rules.body.version as number;
}

/** Sends one event and waits until it is applied and dispatched; returns it as stored. */
async function track(userId: string, event: string, messageId: string): Promise<EventDoc> {
  const sent = await send(online.baseUrl, 'POST', '/v1/track', { auth: basicAuth(WRITE_KEY), json: { userId, event, messageId } });
  expect(sent.status).toBe(200);
  await online.runtime.writer.drain();
  return (await online.runtime.stores.events.findById(eventIdFor(messageId)))!;
}

const deliveries = (profileId: string) => online.raw.deliveries.countDocuments({ profileId });

function latch(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
