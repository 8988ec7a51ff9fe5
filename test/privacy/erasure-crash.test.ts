/**
 * An erasure survives a worker killed at each of its steps: the worker process dies
 * (SIGKILL) right after a step has done its work and before Temporal hears of it, so the
 * step runs again on the next worker. The erasure ends completed, with exact counts, one
 * audit entry, and nothing of the person left.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const STEPS = ['eraseInventory', 'eraseSuppress', 'eraseStop', 'eraseRemove', 'eraseVerify', 'eraseComplete'];

let itinera: TestItinera;
const children: ChildProcess[] = [];
const admin = { auth: bearer(ADMIN_KEY) };

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
  itinera = await startTestItinera('erasure-crash', { runWorker: false });
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await itinera?.close();
});

describe('an erasure whose worker is killed at every step', () => {
  it('resumes each step after the kill and completes with exact counts and nothing left', { timeout: 240_000 }, async () => {
    const worker = await startWorker();
    const profile = await seedReader(itinera.baseUrl, {
      userId: 'u-crash',
      anonymousId: 'a-crash',
      traits: { email: 'crash.person@example.org', name: 'Crash Person' },
    });
    worker.kill('SIGKILL');
    await exited(worker);

    const accepted = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', { ...admin, json: { userId: 'u-crash' } });
    expect(accepted.status).toBe(202);
    const statusOf = async () => (await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${accepted.body.id}`, admin)).body;
    for (const step of STEPS) {
      const doomed = await startWorker(step);
      await exited(doomed);
      expect(doomed.signalCode).toBe('SIGKILL');
    }
    // Every step's work was done at least once, the last one's too, but Temporal heard of none of the kills' steps.
    expect((await statusOf()).status).toBe('completed');
    await startWorker();
    const workflow = itinera.runtime.temporal.workflow.getHandle(`erasure:${accepted.body.id}`);
    expect(await workflow.result()).toBe('completed');

    const done = await statusOf();
    expect(done.removed).toEqual({
      profiles: 1,
      merges: 0,
      identities: 3,
      events: 5,
      consentRecords: 1,
      segmentMemberships: 1,
      segmentHistory: 1,
      messages: 0,
      journeyRuns: 0,
      suppressed: 3,
    });
    expect(Object.keys(done.steps)).toEqual(['inventory', 'suppress', 'stop', 'remove', 'verify', 'notify']);
    const completed = (await send(itinera.baseUrl, 'GET', '/v1/audit?kind=erasure.completed', admin)).body.entries;
    expect(completed).toHaveLength(1);
    expect((await send(itinera.baseUrl, 'GET', '/v1/privacy/suppressions', admin)).body.suppressions).toHaveLength(3);

    const { db } = itinera.raw;
    const dumps = await Promise.all(
      (await db.listCollections().toArray()).map(async ({ name }) => JSON.stringify(await db.collection(name).find().toArray())),
    );
    for (const trace of [profile.id, 'u-crash', 'a-crash', 'crash.person@example.org', 'Crash Person'])
      expect(dumps.join('\n')).not.toContain(trace);
  });
});
