/**
 * ITINERA_ROLE on the real servers: an API process runs no worker, a worker process serves
 * /health and /ready only, and /ready goes red, naming the worker, when the worker of its
 * process has stopped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const open: TestItinera[] = [];
afterAll(async () => {
  for (const itinera of open) await itinera.close();
});

async function started(...args: Parameters<typeof startTestItinera>): Promise<TestItinera> {
  const itinera = await startTestItinera(...args);
  open.push(itinera);
  return itinera;
}

describe('roles', () => {
  it('a worker process runs the worker and answers /health and /ready, and 404 with the error body to anything else', async () => {
    const worker = await started('role-worker', { role: 'worker' });
    expect(worker.runtime.worker?.getState()).toBe('RUNNING');
    expect(await send(worker.baseUrl, 'GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await send(worker.baseUrl, 'GET', '/ready')).toEqual({
      status: 200,
      body: { status: 'ready', mongodb: 'up', temporal: 'up', worker: 'up' },
    });
    for (const [method, path, auth] of [
      ['POST', '/v1/track', basicAuth(WRITE_KEY)],
      ['GET', '/v1/rules', bearer(ADMIN_KEY)],
      ['GET', '/console/', undefined],
    ] as const) {
      const answer = await send(worker.baseUrl, method, path, {
        ...(auth ? { auth } : {}),
        ...(method === 'POST' ? { json: { userId: 'u', event: 'E' } } : {}),
      });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ error: { code: 'not_found', message: expect.stringContaining('worker process') } });
    }
  });

  it('an API process serves the API without a worker, and /ready does not speak of one', async () => {
    const api = await started('role-api', { role: 'api' });
    expect(api.runtime.worker).toBeUndefined();
    expect(await send(api.baseUrl, 'GET', '/ready')).toEqual({ status: 200, body: { status: 'ready', mongodb: 'up', temporal: 'up' } });
    expect(
      (await send(api.baseUrl, 'POST', '/v1/track', { auth: basicAuth(WRITE_KEY), json: { userId: 'u-api', event: 'Tried' } })).status,
    ).toBe(200);
    expect((await send(api.baseUrl, 'GET', '/v1/segments', { auth: bearer(ADMIN_KEY) })).status).toBe(200);
  });

  it('/ready answers 503 naming the worker once the worker of its process has stopped', async () => {
    const all = await started('role-ready');
    expect((await send(all.baseUrl, 'GET', '/ready')).body.worker).toBe('up');

    all.runtime.worker!.shutdown();
    await all.runtime.workerEnded;
    expect(await send(all.baseUrl, 'GET', '/ready')).toEqual({
      status: 503,
      body: { status: 'not_ready', mongodb: 'up', temporal: 'up', worker: 'down', down: ['worker'], workerState: 'STOPPED' },
    });
    // Liveness is another matter: the process still answers.
    expect((await send(all.baseUrl, 'GET', '/health')).status).toBe(200);
  });
});
