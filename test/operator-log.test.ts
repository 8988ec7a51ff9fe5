/**
 * The lines operators read in the server's log, on the real servers through the project's
 * logger (redaction and all): each state change of an erasure and an export, by request id
 * and with counts, never who it was about; and the worker's send summary, by channel and
 * outcome, written at shutdown for what the last minute had not reported yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog, type CapturedLog } from './support/log-capture.js';
import {
  ADMIN_KEY,
  WRITE_KEY,
  basicAuth,
  bearer,
  eventually,
  request,
  send,
  startTestItinera,
  type TestItinera,
} from './support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const RULES = `journey hello {
  when performed "Signed Up"
  operational
  send email "hello"
}
`;

let itinera: TestItinera;
let log: CapturedLog;
let closed = false;
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);

beforeAll(async () => {
  log = captureLog();
  itinera = await startTestItinera('operatorlog', { logger: log.logger });
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  expect((await api('PUT', '/v1/templates/hello', { ...admin, json: { subject: 'Hello', html: '<p>Hello</p>' } })).status).toBe(201);
});
afterAll(async () => {
  if (!closed) await itinera?.close();
});

async function completed(kind: 'erasures' | 'exports', id: string) {
  return eventually(async () => {
    const status = await api('GET', `/v1/privacy/${kind}/${id}`);
    return status.body.status === 'completed' ? status.body : undefined;
  });
}

describe("operators' log lines", () => {
  it('an erasure: running, each step, completed with its counts; nothing of the person', async () => {
    await api('POST', '/v1/identify', {
      ...write,
      json: { userId: 'log-erase', traits: { email: 'erase.me@example.org', name: 'Ola Erase' } },
    });
    await eventually(async () => (await api('GET', '/v1/profiles/lookup?userId=log-erase')).status === 200);
    const accepted = await api('POST', '/v1/privacy/erasures', { ...admin, json: { email: 'erase.me@example.org' } });
    expect(accepted.status).toBe(202);
    const requestId = accepted.body.id as string;
    const done = await completed('erasures', requestId);

    const ofRequest = (msg: string) => log.withMessage(msg).filter((record) => record.requestId === requestId);
    expect(ofRequest('erasure running')).toEqual([expect.objectContaining({ destinations: 0 })]);
    expect(ofRequest('erasure step finished').map((record) => record.step)).toEqual(['inventory', 'suppress', 'stop', 'remove', 'verify']);
    // `identities` would be censored as a key: the count is logged as `identifiers`.
    const { identities, ...others } = done.removed;
    // The activity writes its line once the request reads completed: wait for the line.
    await eventually(async () => ofRequest('erasure completed').length > 0);
    expect(ofRequest('erasure completed')).toEqual([expect.objectContaining({ removed: { ...others, identifiers: identities } })]);
    expect(done.removed).toMatchObject({ profiles: 1 });
    for (const trace of ['erase.me', 'Ola Erase', 'log-erase']) expect(log.text()).not.toContain(trace);
  });

  it('an export: built with its expiry, or matched nobody', async () => {
    await api('POST', '/v1/identify', { ...write, json: { userId: 'log-export', traits: { email: 'export.me@example.org' } } });
    await eventually(async () => (await api('GET', '/v1/profiles/lookup?userId=log-export')).status === 200);
    const found = (await api('POST', '/v1/privacy/exports', { ...admin, json: { email: 'export.me@example.org' } })).body.id as string;
    const nobody = (await api('POST', '/v1/privacy/exports', { ...admin, json: { email: 'nobody.here@example.org' } })).body.id as string;
    await completed('exports', found);
    await completed('exports', nobody);

    expect(log.withMessage('export built').filter((record) => record.requestId === found)).toEqual([
      expect.objectContaining({ expiresAt: expect.any(String) }),
    ]);
    expect(log.withMessage('export matched nobody').filter((record) => record.requestId === nobody)).toHaveLength(1);
    for (const trace of ['export.me', 'nobody.here', 'log-export']) expect(log.text()).not.toContain(trace);
  });

  it('a request: its id returned, on its line and on every line written for it; the route, never the URL', async () => {
    const offered = await request(itinera.baseUrl, 'POST', '/v1/journeys/hello/pause', {
      ...admin,
      headers: { 'X-Request-Id': 'lb-7f3a.42' },
    });
    expect(offered.status).toBe(200);
    expect(offered.headers.get('x-request-id')).toBe('lb-7f3a.42');
    expect(log.withMessage('journey paused')).toEqual([expect.objectContaining({ journey: 'hello', by: 'admin', reqId: 'lb-7f3a.42' })]);
    expect(log.withMessage('request').filter((line) => line.reqId === 'lb-7f3a.42')).toEqual([
      expect.objectContaining({ method: 'POST', route: '/v1/journeys/:name/pause', status: 200, ms: expect.any(Number) }),
    ]);

    // Not an id one would log (spaces, too long): a new one instead.
    const resumed = await request(itinera.baseUrl, 'POST', '/v1/journeys/hello/resume', {
      ...admin,
      headers: { 'X-Request-Id': 'a b'.repeat(30) },
    });
    const fresh = resumed.headers.get('x-request-id')!;
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.withMessage('journey resumed')).toEqual([expect.objectContaining({ journey: 'hello', reqId: fresh })]);

    // A signed link's token and a profile's id stay out of the log: the line names the route.
    const token = 'tok3n-not-to-be-logged';
    const portal = await request(itinera.baseUrl, 'GET', `/v1/portal/${token}?lang=pl`);
    const line = log.withMessage('request').find((record) => record.reqId === portal.headers.get('x-request-id'));
    expect(line).toMatchObject({ method: 'GET', route: '/v1/portal/:token', status: portal.status });
    expect(log.text()).not.toContain(token);
  });

  it("the worker's send summary: counts by channel and outcome, the last ones written at shutdown", async () => {
    for (const n of [1, 2, 3]) {
      await api('POST', '/v1/identify', { ...write, json: { userId: `log-send-${n}`, traits: { email: `send${n}@example.org` } } });
      await api('POST', '/v1/track', { ...write, json: { userId: `log-send-${n}`, event: 'Signed Up' } });
    }
    const final = ['sent', 'failed', 'skipped', 'not-configured'];
    const deliveries = await eventually(async () => {
      const docs = await itinera.raw.deliveries.find({ journey: 'hello' }).toArray();
      return docs.length === 3 && docs.every((doc) => final.includes(doc.status)) ? docs : undefined;
    });
    const byStatus = new Map<string, number>();
    for (const doc of deliveries) byStatus.set(doc.status, (byStatus.get(doc.status) ?? 0) + 1);
    const expected = [...byStatus].map(([status, count]) => ({ channel: 'email', status, count }));

    // Three sends take far less than the summary's minute: what is counted is written when the worker stops.
    expect(log.withMessage('send summary')).toEqual([]);
    closed = true;
    await itinera.close();
    const summaries = log.withMessage('send summary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ total: 3, level: 30 });
    expect(summaries[0]!.sends).toEqual(expect.arrayContaining(expected));
    expect(summaries[0]!.sends).toHaveLength(expected.length);
    for (const trace of ['send1@', 'log-send-']) expect(log.text()).not.toContain(trace);
  });
});
