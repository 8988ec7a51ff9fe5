/**
 * How a broadcast's run behaves over time, on the real servers with the worker in this
 * process: a run that continues as new after every chunk still sends each member once
 * (the audience and the next chunk carried over, nothing sent twice); a rate holds across
 * chunks; a pause stops a chunk partway, and the resumed chunk sends only the rest; and a broadcast
 * whose quiet hours hold now sends nothing, shows that it waits and until when, and ends
 * at once when cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as workflows from '../../src/workflows/index.js';
import { broadcastWorkflowId } from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const HOUR = 3_600_000;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** A window around the moment the file runs, in UTC (the default zone). */
const QUIET = { start: hhmm(Date.now() - HOUR), end: hhmm(Date.now() + 2 * HOUR) };
const RULES = `
segment members { trait member = true }
broadcast notice "Terms update" {
  to segment members
  operational
  send email "notice"
}
broadcast paced {
  to segment members
  operational
  at most 5 per second
  send email "notice"
}
broadcast slow_notice {
  to segment members
  operational
  at most 2 per second
  send email "notice"
}
broadcast night_sale {
  to segment members
  operational
  quiet hours ${QUIET.start}-${QUIET.end}
  send email "notice"
}
`;
const PEOPLE = 7;

let itinera: TestItinera;
let sink: SmtpSink;
const admin = { auth: bearer(ADMIN_KEY) };
const api = (method: string, path: string, json?: unknown) => send(itinera.baseUrl, method, path, { ...admin, ...(json ? { json } : {}) });

beforeAll(async () => {
  sink = await startSmtpSink();
  itinera = await startTestItinera('broadcast_runs', { smtp: { url: sink.url, from: 'Shop <news@shop.example>' } });
  expect((await api('PUT', '/v1/templates/notice', { subject: 'Notice', html: '<p>Our terms changed</p>' })).status).toBe(201);
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  for (let i = 0; i < PEOPLE; i++) {
    const identify = await send(itinera.baseUrl, 'POST', '/v1/identify', {
      auth: basicAuth(WRITE_KEY),
      json: { userId: `member${i}`, traits: { email: `member${i}@example.com`, member: true } },
    });
    expect(identify.status).toBe(200);
  }
  await eventually(async () => (await api('GET', '/v1/segments/members')).body.size === PEOPLE, 60_000);
}, 120_000);
afterAll(async () => {
  await itinera?.close();
  await sink?.close();
});

describe('a broadcast run', () => {
  it('continues as new between chunks and still sends each member once', async () => {
    // As the start route records it, then the run started with a chunk per run.
    const at = new Date();
    const rulesVersion = (await itinera.runtime.stores.rules.activeVersion())!;
    await itinera.runtime.stores.broadcasts.create({
      _id: 'notice',
      state: 'running',
      rulesVersion,
      segment: 'members',
      template: 'notice',
      timeZone: 'UTC',
      batchSize: 2,
      startedAt: at,
      startedBy: 'admin',
      updatedAt: at,
    });
    const run = await itinera.runtime.temporal.workflow.start<typeof workflows.broadcastWorkflow>('broadcastWorkflow', {
      taskQueue: itinera.taskQueue,
      workflowId: broadcastWorkflowId(itinera.dbName, 'notice'),
      args: [{ broadcast: 'notice', batchesPerRun: 1 }],
    });
    expect(await run.result()).toBe('completed');
    // Four chunks of at most two: the first run and three continuations.
    expect((await run.describe()).runId).not.toBe(run.firstExecutionRunId);
    const done = (await api('GET', '/v1/broadcasts/notice')).body;
    expect(done).toMatchObject({ state: 'completed', progress: { audience: PEOPLE, sent: PEOPLE, failed: 0, remaining: 0 } });
    for (let i = 0; i < PEOPLE; i++) expect(sink.mailbox(`member${i}@example.com`), `member${i}`).toHaveLength(1);
    expect(sink.received).toHaveLength(PEOPLE);
    // Ended: the profile ids it named are gone with its audience.
    expect(await itinera.raw.db.collection('broadcast_audiences').countDocuments({})).toBe(0);
  });

  it('keeps to its rate across chunks', async () => {
    const arrivals: number[] = [];
    const receivedBefore = sink.received.length;
    sink.onMessage = () => void arrivals.push(Date.now());
    expect((await api('POST', '/v1/broadcasts/paced/start', { batchSize: 2 })).status).toBe(202);
    const run = itinera.runtime.temporal.workflow.getHandle(broadcastWorkflowId(itinera.dbName, 'paced'));
    expect(await run.result()).toBe('completed');
    sink.onMessage = undefined;
    expect(sink.received.length - receivedBefore).toBe(PEOPLE);
    // Seven messages at 5 a second, in four chunks: the last leaves at least 6 × 200 ms after
    // the first (less a margin for the first message's new SMTP connection); unpaced, they
    // take some tens of milliseconds.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(((PEOPLE - 1) * 1000) / 5 - 300);
  });

  it('stops a chunk where it is when paused, and sends the rest once resumed', async () => {
    const receivedBefore = sink.received.length;
    // Everyone in one chunk of 3.5 s (7 at 2 a second); paused as the first e-mail arrives.
    let pausing: Promise<unknown> | undefined;
    sink.onMessage = () => void (pausing ??= api('POST', '/v1/broadcasts/slow_notice/pause'));
    expect((await api('POST', '/v1/broadcasts/slow_notice/start', { batchSize: PEOPLE })).status).toBe(202);
    const run = itinera.runtime.temporal.workflow.getHandle(broadcastWorkflowId(itinera.dbName, 'slow_notice'));
    await eventually(async () => pausing !== undefined);
    expect(((await pausing) as { body: { state: string } }).body.state).toBe('paused');
    // The chunk's activity has returned: what it sent is all it will send while paused.
    await eventually(async () => (await run.describe()).raw.pendingActivities?.length === 0);
    sink.onMessage = undefined;
    const sentWhilePausing = sink.received.length - receivedBefore;
    expect(sentWhilePausing).toBeGreaterThanOrEqual(1);
    expect(sentWhilePausing).toBeLessThan(PEOPLE);
    expect((await api('GET', '/v1/broadcasts/slow_notice')).body).toMatchObject({ state: 'paused' });

    expect((await api('POST', '/v1/broadcasts/slow_notice/resume')).body.state).toBe('running');
    expect(await run.result()).toBe('completed');
    expect(sink.received.length - receivedBefore).toBe(PEOPLE);
    const done = (await api('GET', '/v1/broadcasts/slow_notice')).body;
    expect(done).toMatchObject({ state: 'completed', progress: { audience: PEOPLE, sent: PEOPLE, failed: 0, remaining: 0 } });
  });

  it('sleeps through its quiet hours, visibly, sending nothing, and ends at once when cancelled', async () => {
    const receivedBefore = sink.received.length;
    expect((await api('POST', '/v1/broadcasts/night_sale/start')).status).toBe(202);
    const waiting = await eventually(async () => {
      const now = (await api('GET', '/v1/broadcasts/night_sale')).body;
      return now.waiting ? now : undefined;
    });
    expect(waiting).toMatchObject({ state: 'running', quietHours: QUIET, timeZone: 'UTC', waiting: { reason: 'quiet hours' } });
    expect(waiting.progress).toMatchObject({ audience: PEOPLE, sent: 0, remaining: PEOPLE });
    // It waits until the window's end, today or tomorrow.
    const until = Date.parse(waiting.waiting.until);
    expect(hhmm(until)).toBe(QUIET.end);
    expect(until - Date.now()).toBeGreaterThan(HOUR);
    expect(until - Date.now()).toBeLessThanOrEqual(2 * HOUR + 60_000);

    expect((await api('POST', '/v1/broadcasts/night_sale/cancel')).body.state).toBe('cancelled');
    const run = itinera.runtime.temporal.workflow.getHandle(broadcastWorkflowId(itinera.dbName, 'night_sale'));
    expect(await run.result()).toBe('cancelled');
    expect(sink.received.length).toBe(receivedBefore);
    expect((await api('GET', '/v1/broadcasts/night_sale')).body).toMatchObject({ state: 'cancelled', progress: { sent: 0 } });
    expect(await itinera.raw.db.collection('broadcast_audiences').countDocuments({ _id: { $regex: '^night_sale#' } as never })).toBe(0);
  });
});
