/**
 * A broadcast end to end on the real servers: rules deployed over HTTP, readers made by
 * the tracking API, the worker in a child process, e-mails at a real SMTP sink. The run
 * is paused after its first message (the chunk under way stops at its next group); meanwhile one reader withdraws consent, another is
 * restricted (art. 18: kept, not processed) and a third is erased. It is resumed, and the
 * worker is killed (SIGKILL) the moment the sink has the first message after the resume,
 * before the worker could record it. A new worker takes over. Every other reader's mailbox holds exactly one e-mail (a
 * message resent after the kill carries the same Message-ID, which a mailbox keeps
 * once); the three hold none and are counted by reason.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { temporalAddress } from '../support/servers.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { exited, forkWorker } from '../support/worker-child.js';
import { broadcastWorkflowId } from '../../src/util/workflow-ids.js';

const READERS = 24;
const BATCH = 4;
const RULES = `
consent email_marketing "E-mail marketing" {}
segment readers { trait newsletter = true }
broadcast spring_sale "Spring sale" {
  to segment readers
  requires consent email_marketing
  at most 4 per second
  send email "spring_sale" with { code: "SPRING" }
}
`;

let itinera: TestItinera;
let sink: SmtpSink;
const children: ChildProcess[] = [];
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, json?: unknown) => send(itinera.baseUrl, method, path, { ...admin, ...(json ? { json } : {}) });

async function startWorker(): Promise<ChildProcess> {
  const child = await forkWorker({
    temporalAddress: temporalAddress(),
    taskQueue: itinera.taskQueue,
    dbName: itinera.dbName,
    smtpUrl: sink.url,
  });
  children.push(child);
  return child;
}

/** A reader who agreed to marketing e-mail; their profile id. */
async function reader(userId: string): Promise<string> {
  const consent = await send(itinera.baseUrl, 'POST', '/v1/consents', {
    ...write,
    json: { userId, purpose: 'email_marketing', state: 'granted' },
  });
  expect(consent.status).toBe(200);
  const identify = await send(itinera.baseUrl, 'POST', '/v1/identify', {
    ...write,
    json: { userId, traits: { email: `${userId}@example.com`, newsletter: true } },
  });
  expect(identify.status).toBe(200);
  return eventually(async () => (await api('GET', `/v1/profiles/lookup?userId=${userId}`)).body.id as string | undefined);
}

const progress = async () => (await api('GET', '/v1/broadcasts/spring_sale')).body;
const sentKeys = async () => (await itinera.raw.deliveries.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id);

beforeAll(async () => {
  sink = await startSmtpSink();
  // The API in this process; the worker in a child that the test kills.
  itinera = await startTestItinera('broadcast', { runWorker: false });
  await startWorker();
  expect((await api('PUT', '/v1/templates/spring_sale', { subject: 'Spring sale', html: '<p>{{ with.code }}</p>' })).status).toBe(201);
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  await eventually(async () => (await api('GET', '/v1/segments/readers')).body.state === 'ready', 60_000);
}, 120_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await itinera?.close();
  await sink?.close();
});

describe('a broadcast to a segment', () => {
  it('sends each member one e-mail across a pause and a worker crash, and counts who was skipped and why', async () => {
    const userIds = Array.from({ length: READERS }, (_, i) => `reader${i}`);
    const profileIds = new Map<string, string>();
    for (const userId of userIds) profileIds.set(userId, await reader(userId));
    await eventually(async () => (await api('GET', '/v1/segments/readers')).body.size === READERS, 60_000);

    const started = await api('POST', '/v1/broadcasts/spring_sale/start', { batchSize: BATCH });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ name: 'spring_sale', title: 'Spring sale', state: 'running', segment: 'readers' });

    // Paused once the first message is out: the chunk under way stops at its next group, then nothing more.
    await eventually(async () => sink.received.length > 0, 30_000);
    expect((await api('POST', '/v1/broadcasts/spring_sale/pause')).body.state).toBe('paused');
    const run = itinera.runtime.temporal.workflow.getHandle(broadcastWorkflowId(itinera.dbName, 'spring_sale'));
    await eventually(async () => (await run.describe()).raw.pendingActivities?.length === 0, 30_000);
    const settled = await progress();
    expect(settled.state).toBe('paused');
    expect(settled.progress.audience).toBe(READERS);
    const sentWhilePausing = (await sentKeys()).length;
    expect(READERS - sentWhilePausing).toBeGreaterThanOrEqual(4);

    // Three readers not reached yet: one withdraws consent, one is restricted, one is erased.
    const reached = new Set(await sentKeys());
    const [withdrawer, restricted, erased] = userIds.filter((userId) => !reached.has(`broadcast:spring_sale:${profileIds.get(userId)}`));
    const revoked = await send(itinera.baseUrl, 'POST', '/v1/consents', {
      ...write,
      json: { userId: withdrawer, purpose: 'email_marketing', state: 'revoked' },
    });
    expect(revoked.status).toBe(200);
    await eventually(
      async () => (await api('GET', `/v1/profiles/${profileIds.get(withdrawer!)}`)).body.consents?.email_marketing?.state === 'revoked',
    );
    expect((await api('PUT', `/v1/profiles/${profileIds.get(restricted!)}/restriction`, { reason: 'accuracy contested' })).status).toBe(
      200,
    );
    expect((await api('POST', '/v1/privacy/erasures', { userId: erased })).status).toBe(202);
    await eventually(async () => (await api('GET', `/v1/profiles/${profileIds.get(erased!)}`)).status === 404, 60_000);
    expect(sink.received.length).toBe(sentWhilePausing);

    // Resumed; the worker dies with the first message at the sink, before it could record it.
    const first = children[0]!;
    sink.onMessage = () => {
      sink.onMessage = undefined;
      first.kill('SIGKILL');
    };
    expect((await api('POST', '/v1/broadcasts/spring_sale/resume')).body.state).toBe('running');
    await exited(first);
    await startWorker();

    const done = await eventually(async () => {
      const now = await progress();
      return now.state === 'completed' ? now : undefined;
    }, 120_000);
    expect(done.progress).toEqual({
      audience: READERS,
      sent: READERS - 3,
      failed: 0,
      skipped: { total: 3, 'no consent': 1, suppressed: 1, erased: 1 },
      remaining: 0,
    });
    for (const userId of userIds) {
      const expected = [withdrawer, restricted, erased].includes(userId) ? 0 : 1;
      expect(sink.mailbox(`${userId}@example.com`), userId).toHaveLength(expected);
    }
    // The message at the sink when the worker died was sent again, with the same Message-ID
    // (the mailbox holds it once); only messages under way at the kill can arrive twice.
    const repeats = sink.received.length - sink.mailbox().length;
    expect(repeats).toBeGreaterThanOrEqual(1);
    expect(repeats).toBeLessThanOrEqual(8);
    expect(await itinera.raw.deliveries.countDocuments({ attempts: { $gte: 2 } })).toBe(repeats);

    // One-off: a completed broadcast does not start again, and nothing changes.
    const again = await api('POST', '/v1/broadcasts/spring_sale/start');
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'broadcast_finished', details: { state: 'completed' } } } });
    expect((await progress()).progress).toEqual(done.progress);
  }, 240_000);
});
