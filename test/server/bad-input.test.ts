/** Bad input gets a clear, specific error and changes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('bad', { runWorker: false });
});
afterAll(async () => {
  await itinera?.close();
});

const writer = { auth: basicAuth(WRITE_KEY) };
const admin = { auth: bearer(ADMIN_KEY) };

async function nothingStored() {
  const { raw } = itinera;
  expect(await raw.events.countDocuments()).toBe(0);
  expect(await raw.profiles.countDocuments()).toBe(0);
  expect(await raw.identities.countDocuments()).toBe(0);
}

describe('authentication', () => {
  const event = { userId: 'u1', event: 'Signed Up' };
  it.each([
    ['no credentials', undefined],
    ['a wrong write key', basicAuth('not-the-key')],
    ['the admin key as bearer', bearer(ADMIN_KEY)],
    ['the write key as bearer', bearer(WRITE_KEY)],
  ])('rejects tracking with %s (401)', async (_label, auth) => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/track', { json: event, ...(auth ? { auth } : {}) });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
    await nothingStored();
  });

  it.each([
    ['GET', '/v1/profiles/lookup?userId=u1'],
    ['PUT', '/v1/rules'],
    ['POST', '/v1/privacy/erasures'],
  ])('refuses the write key on admin endpoint %s %s (401)', async (method, path) => {
    const response = await send(itinera.baseUrl, method, path, { ...writer, ...(method === 'GET' ? {} : { json: { userId: 'u1' } }) });
    expect(response.status).toBe(401);
    expect(await itinera.raw.privacyRequests.countDocuments()).toBe(0);
  });
});

describe('malformed bodies', () => {
  it('rejects invalid JSON with the reason (400)', async () => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, body: '{"userId": "u1", "event": ' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('malformed_json');
    await nothingStored();
  });

  it('rejects a track without an event name, naming the field (400)', async () => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'u1' } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_body');
    expect(response.body.error.details).toContainEqual(expect.objectContaining({ path: 'event' }));
    await nothingStored();
  });

  it('requires userId or anonymousId (400)', async () => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/identify', { ...writer, json: { traits: { plan: 'pro' } } });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('either userId or anonymousId is required');
    await nothingStored();
  });

  it('refuses trait keys that would become database operators (400)', async () => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/identify', { ...writer, json: { userId: 'u1', traits: { $set: 1 } } });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('traits');
    await nothingStored();
  });

  it('refuses trait names with white space at either end, which the database cannot set (400, before anything is acknowledged)', async () => {
    for (const [path, body] of [
      ['/v1/identify', { userId: 'u1', traits: { ' padded': 1 } }],
      ['/v1/group', { userId: 'u1', groupId: 'g1', traits: { 'plan\t': 'pro' } }],
    ] as const) {
      const response = await send(itinera.baseUrl, 'POST', path, { ...writer, json: body });
      expect(response.status, path).toBe(400);
      expect(response.body.error.message).toContain('trait names may not begin or end with white space');
    }
    await nothingStored();
  });

  it('refuses keys with a dot or a leading $ at any depth of properties and context, which the database would read as paths (400, not 500)', async () => {
    const nested = await send(itinera.baseUrl, 'POST', '/v1/track', {
      ...writer,
      json: { userId: 'u1', event: 'Nested', properties: { order: { 'total.net': 10 } } },
    });
    expect(nested.status).toBe(400);
    expect(nested.body.error.details[0].path).toBe('properties');
    const context = await send(itinera.baseUrl, 'POST', '/v1/track', {
      ...writer,
      json: { userId: 'u1', event: 'Consent', context: { consent: { categoryPreferences: { 'Ads.v2': true } } } },
    });
    expect(context.status).toBe(400);
    expect(context.body.error.message).toContain('may not start with "$" or contain "."');
    await nothingStored();
  });

  it('refuses arrays nested in arrays, which the embedded database cannot store (400)', async () => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/track', {
      ...writer,
      json: {
        userId: 'u1',
        event: 'Grid',
        properties: {
          cells: [
            [1, 2],
            [3, 4],
          ],
        },
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('arrays may not directly contain arrays');
    await nothingStored();
  });

  it('refuses messages over 32 KB (400)', async () => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/track', {
      ...writer,
      json: { userId: 'u1', event: 'Big', properties: { blob: 'x'.repeat(33 * 1024) } },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('message_too_large');
    await nothingStored();
  });

  it('rejects a bad timestamp (400)', async () => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/track', {
      ...writer,
      json: { userId: 'u1', event: 'E', timestamp: 'yesterday' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual(expect.objectContaining({ path: 'timestamp' }));
    await nothingStored();
  });

  it('asks for exactly one identifier in an erasure (400)', async () => {
    const response = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', { ...admin, json: { userId: 'a', email: 'b@c.d' } });
    expect(response.status).toBe(400);
    expect(await itinera.raw.privacyRequests.countDocuments()).toBe(0);
  });
});

describe('rule deployment', () => {
  it('answers broken rules with positioned diagnostics (422) and keeps the active version', async () => {
    const good = await send(itinera.baseUrl, 'PUT', '/v1/rules', {
      ...admin,
      text: 'journey hello { when performed "Signed Up" tag "hello" }',
    });
    expect(good.status).toBe(200);
    const broken = await send(itinera.baseUrl, 'PUT', '/v1/rules', {
      ...admin,
      text: 'journey hello {\n  when performed "Signed Up"\n  tag \n}',
    });
    expect(broken.status).toBe(422);
    const [first] = broken.body.diagnostics;
    expect(first).toMatchObject({ severity: 'error', line: expect.any(Number), column: expect.any(Number) });
    expect(first.code).toMatch(/^ITN\d{4}$/);
    expect(first.line).toBeGreaterThanOrEqual(3);
    const active = await send(itinera.baseUrl, 'GET', '/v1/rules', admin);
    expect(active.body.version).toBe(good.body.version);
    expect(await itinera.raw.rules.countDocuments()).toBe(1);
  });

  it('wants the program as text/plain (415)', async () => {
    const response = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, json: { program: 'x' } });
    expect(response.status).toBe(415);
  });
});

describe('unknown endpoints', () => {
  it('answers 404 with a machine-readable body', async () => {
    const response = await send(itinera.baseUrl, 'GET', '/v1/nothing-here');
    expect(response).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'no such endpoint' } } });
  });
});
