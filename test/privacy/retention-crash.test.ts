/**
 * A retention run survives its worker killed in the middle: the worker process dies
 * (SIGKILL) right after a batch's removal and, on the next worker, right after a batch's
 * completion, each time before Temporal hears of it, so the batch runs again on the next
 * worker. Every inactive person is erased exactly once: one completed request each, with
 * the counts a single erasure records, one `erasure.completed` entry each, one
 * `retention.applied`, nothing of them left; the active person is kept, nobody suppressed.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { retentionWorkflow } from '../../src/workflows/retention.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { temporalAddress } from '../support/servers.js';
import { exited, forkWorker } from '../support/worker-child.js';
import { seedReader } from '../support/erasure-subject.js';

const RULES = `
consent email_marketing "E-mail marketing" {
  expires after 30 days
}
segment readers { performed "Article Read" }
`;
const DAY = 24 * 3600 * 1000;
const INACTIVE = 7;
/** Three batches (3, 3, 1), two in flight at once: the kills land mid-run. */
const BATCH = 3;

let itinera: TestItinera;
const children: ChildProcess[] = [];
const admin = { auth: bearer(ADMIN_KEY) };
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);

/** The worker, in a process of its own; the same admin key (and so privacy secret) as the API's: one deployment. */
async function startWorker(killAfter?: string): Promise<ChildProcess> {
  const child = await forkWorker({
    temporalAddress: temporalAddress(),
    taskQueue: itinera.taskQueue,
    dbName: itinera.dbName,
    adminKey: ADMIN_KEY,
    ...(killAfter ? { killAfter } : {}),
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  itinera = await startTestItinera('retention-crash', { runWorker: false });
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await api('PUT', '/v1/privacy/retention', { ...admin, json: {} }).catch(() => undefined);
  await itinera?.close();
});

describe('a retention run whose worker is killed mid-run', () => {
  it('erases every inactive person exactly once, with a single erasure’s counts and audit', { timeout: 300_000 }, async () => {
    const worker = await startWorker();
    const people: { id: string; userId: string }[] = [];
    for (let i = 0; i < INACTIVE; i++) {
      const userId = `u-gone-${i}`;
      const { id } = await seedReader(itinera.baseUrl, { userId, traits: { email: `gone.${i}@example.org`, name: `Gone Person ${i}` } });
      people.push({ id, userId });
    }
    const active = await seedReader(itinera.baseUrl, { userId: 'u-here', traits: { email: 'here@example.org' } });
    worker.kill('SIGKILL');
    await exited(worker);
    // Not seen for 400 days: what a year of silence leaves, without waiting a year.
    await itinera.raw.profiles.updateMany(
      { _id: { $in: people.map((person) => person.id) } },
      { $set: { lastSeenAt: new Date(Date.now() - 400 * DAY) } },
    );
    expect((await api('PUT', '/v1/privacy/retention', { ...admin, json: { inactivePeopleDays: 365 } })).status).toBe(200);

    const run = await itinera.runtime.temporal.workflow.start<typeof retentionWorkflow>('retentionWorkflow', {
      taskQueue: itinera.taskQueue,
      workflowId: `retention-crash-${Date.now()}`,
      args: [{ batchSize: BATCH }],
    });
    for (const step of ['eraseRetentionBatch', 'settleRetentionBatch']) {
      const doomed = await startWorker(step);
      await exited(doomed);
      expect(doomed.signalCode).toBe('SIGKILL');
    }
    await startWorker();
    expect(await run.result()).toEqual({ events: [], peopleErased: INACTIVE });

    const requests = (await api('GET', '/v1/privacy/requests?kind=erasure&limit=100')).body.requests as { id: string; origin: string }[];
    expect(requests).toHaveLength(INACTIVE);
    for (const request of requests) {
      expect(request.origin).toBe('retention');
      const status = (await api('GET', `/v1/privacy/erasures/${request.id}`)).body;
      expect(status.status).toBe('completed');
      expect(status.removed).toEqual({
        profiles: 1,
        merges: 0,
        identities: 2,
        events: 5,
        consentRecords: 1,
        segmentMemberships: 1,
        segmentHistory: 1,
        messages: 0,
        journeyRuns: 0,
        suppressed: 0,
      });
      expect(Object.keys(status.steps)).toEqual(['inventory', 'suppress', 'stop', 'remove', 'verify', 'notify']);
    }
    const completed = (await api('GET', '/v1/audit?kind=erasure.completed')).body.entries as { subject: { requestId: string } }[];
    expect(completed.map((entry) => entry.subject.requestId).sort()).toEqual(requests.map((request) => request.id).sort());
    const applied = (await api('GET', '/v1/audit?kind=retention.applied')).body.entries;
    expect(applied).toEqual([expect.objectContaining({ actor: 'system', detail: { events: [], peopleErased: INACTIVE } })]);
    expect((await api('GET', '/v1/privacy/retention')).body.lastRun).toMatchObject({ events: [], peopleErased: INACTIVE });

    for (const { userId } of people) expect((await api('GET', `/v1/profiles/lookup?userId=${userId}`)).status).toBe(404);
    expect((await api('GET', '/v1/profiles/lookup?userId=u-here')).body.id).toBe(active.id);
    expect((await api('GET', '/v1/privacy/suppressions')).body.suppressions).toEqual([]);

    const { db } = itinera.raw;
    const dumps = await Promise.all(
      (await db.listCollections().toArray()).map(async ({ name }) => JSON.stringify(await db.collection(name).find().toArray())),
    );
    for (const { id, userId } of people) {
      expect(dumps.join('\n')).not.toContain(id);
      expect(dumps.join('\n')).not.toContain(userId);
    }
    expect(dumps.join('\n')).not.toContain('gone.0@example.org');
  });
});
