/**
 * Fault: Temporal is killed (SIGKILL) in the middle of ingestion and started again on its
 * own database. The dev server is this test's own (its data directory and ports), so the
 * suite's is untouched. Tracking requests keep being acknowledged while it is down (a 2xx
 * means the events and their outbox entry are stored; Temporal is told after the reply),
 * and their dispatch is left to the outbox sweeper. After the restart: every acknowledged
 * event is stored and counted once, every journey it triggers runs once, and each run
 * sends its one e-mail once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { ownTemporal, type OwnServer } from './own-servers.js';

const RULES = `
journey receipt {
  when performed "Order Completed"
  operational
  reentry always
  send email "receipt"
}
`;
const PEOPLE = Array.from({ length: 16 }, (_, n) => `tk${n}`);
/** Temporal dies once this many orders are acknowledged, with more in flight. */
const KILL_AFTER = 5;

let temporal: OwnServer;
let itinera: TestItinera;
let sink: SmtpSink;
let version: number;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

beforeAll(async () => {
  temporal = await ownTemporal();
  sink = await startSmtpSink();
  itinera = await startTestItinera('faults-tkill', {
    temporalAddress: temporal.address,
    smtp: { url: sink.url, from: 'Shop <shop@shop.example>' },
    // The outage's dispatches are the sweeper's: it looks every half second, and takes over a
    // batch whose dispatch failed at once (its lease is given up).
    sweepIntervalMs: 500,
  });
  expect(
    (await send(itinera.baseUrl, 'PUT', '/v1/templates/receipt', { ...admin, json: { subject: 'Receipt', html: '<p>Thanks</p>' } })).status,
  ).toBe(201);
  const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES });
  expect(deployed.status).toBe(200);
  version = deployed.body.version;
}, 180_000);
afterAll(async () => {
  await itinera?.close();
  await sink?.close();
  await temporal?.close();
});

describe('Temporal killed mid-ingest', () => {
  it('applies every acknowledged event once and runs each journey it started once', { timeout: 180_000 }, async () => {
    const batch = PEOPLE.map((userId) => ({ type: 'identify', userId, traits: { email: `${userId}@example.com` } }));
    expect((await send(itinera.baseUrl, 'POST', '/v1/batch', { ...write, json: { batch } })).status).toBe(200);

    let acknowledged = 0;
    let killed: Promise<void> | undefined;
    const order = async (userId: string) => {
      const answer = await send(itinera.baseUrl, 'POST', '/v1/track', {
        ...write,
        json: { userId, event: 'Order Completed', messageId: `order-${userId}` },
      });
      expect(answer).toEqual({ status: 200, body: { success: true } });
      if (++acknowledged === KILL_AFTER) killed = temporal.kill();
    };
    // Four at a time: the kill lands with orders in flight.
    const queue = [...PEOPLE];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let userId = queue.shift(); userId; userId = queue.shift()) await order(userId);
      }),
    );
    await killed;
    expect(acknowledged).toBe(PEOPLE.length);
    // Down: the orders are stored, and no run has sent anything since.
    expect(await itinera.raw.events.countDocuments({ event: 'Order Completed' })).toBe(PEOPLE.length);
    const sentWhileUp = sink.mailbox().length;
    const ready = await send(itinera.baseUrl, 'GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not_ready', mongodb: 'up', temporal: 'down' });

    await temporal.restart();
    // Every person's receipt out, the outbox finished.
    await eventually(async () => sink.mailbox().length === PEOPLE.length, 120_000);
    await eventually(async () => (await itinera.raw.outbox.countDocuments({})) === 0, 30_000);
    expect(await itinera.raw.events.countDocuments({ event: 'Order Completed' })).toBe(PEOPLE.length);
    const { workflow } = itinera.runtime.temporal;
    const outcomes = new Map<string, string[]>();
    const runs = await eventually(async () => {
      const listed = [];
      for await (const run of workflow.list({ query: `WorkflowType = 'journeyWorkflow'` })) listed.push(run);
      return listed.every((run) => run.status.name !== 'RUNNING') ? listed : undefined;
    }, 60_000);
    for (const run of runs)
      outcomes.set(run.workflowId, [...(outcomes.get(run.workflowId) ?? []), await workflow.getHandle(run.workflowId, run.runId).result()]);
    let repeats = 0;
    for (const userId of PEOPLE) {
      const profileId = (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id as string;
      // One run let in; a dispatch Temporal took just before it died, repeated by the
      // sweeper after the first run closed, starts a run that ends at once.
      const ran = outcomes.get(journeyWorkflowId('receipt', version, profileId)) ?? [];
      expect(ran.filter((outcome) => outcome === 'completed')).toEqual(['completed']);
      expect(ran.filter((outcome) => outcome !== 'completed').every((outcome) => outcome === 'already-triggered')).toBe(true);
      repeats += ran.length - 1;
      expect(sink.mailbox(`${userId}@example.com`).map((mail) => mail.subject)).toEqual(['Receipt']);
      const profile = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}`, admin)).body;
      expect(profile.counters['Order Completed'].count).toBe(1);
      const messages = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/messages`, admin)).body.messages;
      expect(messages.map((message: { status: string }) => message.status)).toEqual(['sent']);
    }
    console.info(
      `[faults] Temporal killed after ${KILL_AFTER} acknowledged orders: ${sentWhileUp} receipts out before the kill, ${repeats} repeated dispatches ended as already-triggered`,
    );
  });
});
