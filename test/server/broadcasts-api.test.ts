/**
 * The broadcast routes' refusals: each is a 4xx with a machine-readable body, and changes
 * nothing (the broadcast's document reads the same after). No worker runs here: a started
 * broadcast stays `running`, so "already running" is a state, not a race.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastWorkflowId } from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const RULES = `
consent email_marketing {}
segment readers { trait newsletter = true }
broadcast spring_sale { to segment readers requires consent email_marketing send email "spring_sale" }
broadcast no_template { to segment readers operational send email "nowhere" }
`;

let itinera: TestItinera;
let deployed: Awaited<ReturnType<typeof send>>;
const admin = { auth: bearer(ADMIN_KEY) };
const api = (method: string, path: string, json?: unknown) => send(itinera.baseUrl, method, path, { ...admin, ...(json ? { json } : {}) });
const state = async (name: string) => (await api('GET', `/v1/broadcasts/${name}`)).body;

beforeAll(async () => {
  itinera = await startTestItinera('broadcast_api', { runWorker: false });
  expect((await api('PUT', '/v1/templates/spring_sale', { subject: 'Spring', html: '<p>Spring</p>' })).status).toBe(201);
  deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES });
  expect(deployed.status).toBe(200);
});
afterAll(async () => {
  await itinera?.runtime.temporal.workflow
    .getHandle(broadcastWorkflowId(itinera.dbName, 'spring_sale'))
    .terminate('test over')
    .catch(() => undefined);
  await itinera?.close();
});

describe('broadcast routes', () => {
  it('answers 404 for a broadcast neither declared nor started', async () => {
    for (const [method, path] of [
      ['GET', '/v1/broadcasts/nope'],
      ['POST', '/v1/broadcasts/nope/start'],
      ['POST', '/v1/broadcasts/nope/pause'],
    ] as const) {
      expect(await api(method, path)).toMatchObject({ status: 404, body: { error: { code: 'broadcast_unknown' } } });
    }
  });

  it('shows a declared broadcast that was never started', async () => {
    expect(await api('GET', '/v1/broadcasts/spring_sale')).toEqual({
      status: 200,
      body: { name: 'spring_sale', declared: true, state: 'not started' },
    });
  });

  it('refuses bad start options with 400 and the problems, starting nothing', async () => {
    const refused = await api('POST', '/v1/broadcasts/spring_sale/start', {
      ratePerSecond: -1,
      timeZone: 'Mars/Olympus',
      batchSize: 0,
      extra: 1,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_body');
    expect(refused.body.error.details.map((issue: { path: string }) => issue.path).sort()).toEqual([
      '',
      'batchSize',
      'ratePerSecond',
      'timeZone',
    ]);
    expect(await state('spring_sale')).toEqual({ name: 'spring_sale', declared: true, state: 'not started' });
  });

  it('warns at deploy of a broadcast whose template does not exist, and lists the templates broadcasts use', async () => {
    expect(deployed.body.warnings).toEqual([
      {
        code: 'template_missing',
        broadcast: 'no_template',
        template: 'nowhere',
        message: 'broadcast no_template: no template "nowhere" (PUT /v1/templates/nowhere); it cannot be started until there is',
      },
    ]);
    const templates = (await api('GET', '/v1/templates')).body;
    expect(templates.templates.find((t: { name: string }) => t.name === 'spring_sale').usedBy).toEqual(['broadcast spring_sale']);
    expect(templates.missing).toEqual(['nowhere']);
  });

  it('refuses a start whose template does not exist with 422', async () => {
    expect(await api('POST', '/v1/broadcasts/no_template/start')).toMatchObject({
      status: 422,
      body: { error: { code: 'template_missing' } },
    });
    expect((await state('no_template')).state).toBe('not started');
  });

  it('refuses to pause, resume or cancel what was never started (409)', async () => {
    for (const action of ['pause', 'resume', 'cancel']) {
      expect(await api('POST', `/v1/broadcasts/spring_sale/${action}`)).toMatchObject({
        status: 409,
        body: { error: { code: 'broadcast_not_started' } },
      });
    }
    expect((await state('spring_sale')).state).toBe('not started');
  });

  it('starts once; a second start while it runs is 409, as are moves its state does not allow', async () => {
    const started = await api('POST', '/v1/broadcasts/spring_sale/start', { ratePerSecond: 5, timeZone: 'Europe/Warsaw' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: 'running', ratePerSecond: 5, startedBy: 'admin', segment: 'readers' });
    const before = await state('spring_sale');

    expect(await api('POST', '/v1/broadcasts/spring_sale/start')).toMatchObject({
      status: 409,
      body: { error: { code: 'broadcast_running', details: { state: 'running' } } },
    });
    expect(await api('POST', '/v1/broadcasts/spring_sale/resume')).toMatchObject({
      status: 409,
      body: { error: { code: 'broadcast_running', details: { state: 'running' } } },
    });
    expect(await state('spring_sale')).toEqual(before);

    expect((await api('POST', '/v1/broadcasts/spring_sale/pause')).body.state).toBe('paused');
    expect(await api('POST', '/v1/broadcasts/spring_sale/pause')).toMatchObject({
      status: 409,
      body: { error: { code: 'broadcast_paused' } },
    });
    expect((await api('POST', '/v1/broadcasts/spring_sale/cancel')).body.state).toBe('cancelled');
    const cancelled = await state('spring_sale');

    // Cancelled is final: no move and no second start.
    for (const action of ['pause', 'resume', 'cancel']) {
      expect(await api('POST', `/v1/broadcasts/spring_sale/${action}`)).toMatchObject({
        status: 409,
        body: { error: { code: 'broadcast_cancelled', details: { state: 'cancelled' } } },
      });
    }
    expect(await api('POST', '/v1/broadcasts/spring_sale/start')).toMatchObject({
      status: 409,
      body: { error: { code: 'broadcast_finished', details: { state: 'cancelled' } } },
    });
    expect(await state('spring_sale')).toEqual(cancelled);

    // Each accepted move is audited once, with who made it; the refused ones left nothing.
    const audited = await itinera.raw.audit.find({ 'subject.broadcast': 'spring_sale' }).sort({ _id: 1 }).toArray();
    expect(audited.map(({ kind, actor }) => [kind, actor])).toEqual([
      ['broadcast.started', 'admin'],
      ['broadcast.paused', 'admin'],
      ['broadcast.cancelled', 'admin'],
    ]);
    expect(audited[0]).toMatchObject({ detail: { segment: 'readers', template: 'spring_sale', ratePerSecond: 5 } });
  });

  it('lists the declared broadcasts and those started, each with its state', async () => {
    const { broadcasts } = (await api('GET', '/v1/broadcasts')).body;
    expect(broadcasts.map((b: { name: string; state: string }) => [b.name, b.state])).toEqual([
      ['no_template', 'not started'],
      ['spring_sale', 'cancelled'],
    ]);
  });

  it('asks for credentials', async () => {
    expect((await send(itinera.baseUrl, 'POST', '/v1/broadcasts/spring_sale/start')).status).toBe(401);
    expect((await send(itinera.baseUrl, 'GET', '/v1/broadcasts/spring_sale')).status).toBe(401);
  });
});
