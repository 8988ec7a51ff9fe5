/**
 * An erasure survives Temporal itself being killed in the middle of it: on a Temporal dev
 * server of this test's own, a worker dies (SIGKILL) right after the `remove` step did its
 * work and before Temporal heard of it, then the Temporal server is killed (SIGKILL) and
 * started again on the same database file. A new worker takes the step up again and the
 * erasure completes, with exact counts and nothing of the person left.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTemporalDevServer } from '../../src/infra/embedded.js';
import { freePort, type ManagedProcess } from '../../src/infra/process.js';
import { ensureTemporalCli } from '../../src/infra/provision.js';
import { ADMIN_KEY, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { exited, forkWorker } from '../support/worker-child.js';
import { seedReader } from '../support/erasure-subject.js';

const RULES = `
consent email_marketing "E-mail marketing" {}
segment readers { performed "Article Read" }
`;

let itinera: TestItinera;
let temporal: ManagedProcess;
let dataDir: string;
let ports: { port: number; httpPort: number; metricsPort: number };
const children: ChildProcess[] = [];
const admin = { auth: bearer(ADMIN_KEY) };
const address = () => `127.0.0.1:${ports.port}`;

/** The dev server on this test's data directory and ports: the same database each time. */
async function startTemporal(): Promise<ManagedProcess> {
  return startTemporalDevServer({
    binary: await ensureTemporalCli(() => undefined),
    dataDir,
    ...ports,
    uiPort: 0,
    headless: true,
    namespace: 'default',
  });
}

async function startWorker(killAfter?: string): Promise<ChildProcess> {
  const child = await forkWorker({
    temporalAddress: address(),
    taskQueue: itinera.taskQueue,
    dbName: itinera.dbName,
    adminKey: ADMIN_KEY,
    ...(killAfter ? { killAfter } : {}),
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'itinera-temporal-kill-'));
  ports = { port: await freePort(), httpPort: await freePort(), metricsPort: await freePort() };
  temporal = await startTemporal();
  itinera = await startTestItinera('erasure-temporal-kill', { runWorker: false, temporalAddress: address() });
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
}, 180_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await itinera?.close();
  await temporal?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('an erasure while Temporal is killed', () => {
  it('completes after the server comes back, the interrupted step taken up again', { timeout: 240_000 }, async () => {
    // A worker while the person is made (the deploy's segment recompute runs on it), none while the erasure is asked for.
    const first = await startWorker();
    const profile = await seedReader(itinera.baseUrl, {
      userId: 'u-tkill',
      traits: { email: 'temporal.kill@example.org', name: 'Tina Kill' },
    });
    first.kill('SIGKILL');
    await exited(first);

    const accepted = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', { ...admin, json: { userId: 'u-tkill' } });
    expect(accepted.status).toBe(202);
    const statusOf = async () => (await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${accepted.body.id}`, admin)).body;

    // The person's data is gone, but Temporal never heard that the step finished…
    const doomed = await startWorker('eraseRemove');
    await exited(doomed);
    expect(doomed.signalCode).toBe('SIGKILL');
    expect(Object.keys((await statusOf()).steps)).toEqual(['inventory', 'suppress', 'stop', 'remove']);

    // …and then Temporal dies too, and comes back on its own database.
    temporal.kill();
    expect(await temporal.exited).toBeNull();
    temporal = await startTemporal();

    await startWorker();
    const done = await eventually(async () => {
      const status = await statusOf();
      return status.status === 'completed' ? status : undefined;
    }, 120_000);
    expect(await itinera.runtime.temporal.workflow.getHandle(`erasure:${accepted.body.id}`).result()).toBe('completed');
    expect(done.removed).toEqual({
      profiles: 1,
      merges: 0,
      identities: 2,
      events: 5,
      consentRecords: 1,
      segmentMemberships: 1,
      segmentHistory: 1,
      messages: 0,
      journeyRuns: 0,
      suppressed: 2,
    });
    expect(Object.keys(done.steps)).toEqual(['inventory', 'suppress', 'stop', 'remove', 'verify', 'notify']);
    expect((await send(itinera.baseUrl, 'GET', '/v1/audit?kind=erasure.completed', admin)).body.entries).toHaveLength(1);

    const { db } = itinera.raw;
    const dumps = await Promise.all(
      (await db.listCollections().toArray()).map(async ({ name }) => JSON.stringify(await db.collection(name).find().toArray())),
    );
    for (const trace of [profile.id, 'u-tkill', 'temporal.kill@example.org', 'Tina Kill']) expect(dumps.join('\n')).not.toContain(trace);
  });
});
