/**
 * Nothing acknowledged is lost: with Temporal unreachable, events are still accepted and
 * stored as pending; once Temporal is back, the sweeper dispatches them and the journey runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../src/ingest/sweeper.js';
import { createLogger } from '../../src/logger.js';
import { freePort } from '../../src/infra/process.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let offline: TestItinera;
let online: TestItinera;

beforeAll(async () => {
  // Nothing listens on this port: every Temporal call of this instance fails.
  offline = await startTestItinera('outbox', { runWorker: false, temporalAddress: `127.0.0.1:${await freePort()}` });
});
afterAll(async () => {
  await online?.close();
  await offline?.close();
});

describe('outbox', () => {
  it('accepts events while Temporal is down and dispatches them when it is back', async () => {
    const rules = await send(offline.baseUrl, 'PUT', '/v1/rules', {
      auth: bearer(ADMIN_KEY),
      text: 'journey hello { when performed "Signed Up" tag "hello" }',
    });
    expect(rules.status).toBe(200);
    const tracked = await send(offline.baseUrl, 'POST', '/v1/track', { auth: basicAuth(WRITE_KEY), json: { userId: 'u-outage', event: 'Signed Up' } });
    expect(tracked).toEqual({ status: 200, body: { success: true } });

    const stored = await offline.runtime.stores.events.collection.findOne({ userId: 'u-outage' });
    expect(stored?.dispatch).toBe('pending');
    expect((await send(offline.baseUrl, 'GET', '/ready')).body).toMatchObject({ temporal: 'down', mongodb: 'up' });

    // A second instance on the same database, with Temporal reachable, sweeps the outbox.
    online = await startTestItinera('outbox-online', { reuseDatabase: offline.dbName });
    const swept = await sweepOnce({
      stores: online.runtime.stores,
      dispatcher: online.runtime.dispatcher,
      startPendingErasure: async () => undefined,
      logger: createLogger('silent'),
      intervalMs: 0,
      now: () => new Date(Date.now() + 1000),
    });
    expect(swept).toBe(1);
    const profile = await eventually(async () => {
      const found = await send(online.baseUrl, 'GET', '/v1/profiles/lookup?userId=u-outage', { auth: bearer(ADMIN_KEY) });
      return found.body.tags?.includes('hello') ? found.body : undefined;
    });
    expect(profile.tags).toEqual(['hello']);
    expect((await online.runtime.stores.events.collection.findOne({ userId: 'u-outage' }))?.dispatch).toBe('dispatched');
  });
});
