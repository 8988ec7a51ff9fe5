/**
 * GET /v1/privacy/requests: erasures and exports, newest first, paged by cursor, filtered
 * by kind and status; bad parameters refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };

beforeAll(async () => {
  itinera = await startTestItinera('privacy_requests');
});
afterAll(async () => {
  await itinera?.close();
});

describe('GET /v1/privacy/requests', () => {
  it('lists requests newest first, a page at a time, with their steps', async () => {
    const ids: string[] = [];
    for (const userId of ['pr-1', 'pr-2', 'pr-3']) {
      const accepted = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', {
        ...admin,
        json: { userId, reason: 'asked by e-mail' },
      });
      expect(accepted.status).toBe(202);
      ids.push(accepted.body.id);
    }
    const exported = await send(itinera.baseUrl, 'POST', '/v1/privacy/exports', { ...admin, json: { userId: 'pr-4' } });
    expect(exported.status).toBe(202);

    const first = await send(itinera.baseUrl, 'GET', '/v1/privacy/requests?limit=2', admin);
    expect(first.status).toBe(200);
    expect(first.body.requests.map((r: { id: string }) => r.id)).toEqual([exported.body.id, ids[2]]);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await send(itinera.baseUrl, 'GET', `/v1/privacy/requests?limit=2&before=${first.body.next}`, admin);
    expect(second.body.requests.map((r: { id: string }) => r.id)).toEqual([ids[1], ids[0]]);
    expect(second.body.next).toBeUndefined();

    const erasures = await send(itinera.baseUrl, 'GET', '/v1/privacy/requests?kind=erasure', admin);
    expect(erasures.body.requests.map((r: { id: string }) => r.id)).toEqual([...ids].reverse());
    expect(erasures.body.requests[0]).toMatchObject({ kind: 'erasure', origin: 'admin', reason: 'asked by e-mail' });
    expect(erasures.body.requests[0].plan).toBeUndefined();

    // Once they complete, each shows every step with its time.
    const done = await eventually(async () => {
      const answer = await send(itinera.baseUrl, 'GET', '/v1/privacy/requests?kind=erasure&status=completed', admin);
      return answer.body.requests.length === 3 ? answer.body.requests : undefined;
    }, 60_000);
    expect(Object.keys(done[0].steps)).toEqual(['inventory', 'suppress', 'stop', 'remove', 'verify', 'notify']);
  });

  it('refuses unknown kinds and statuses, limits outside 1–200 and foreign cursors', async () => {
    for (const query of ['kind=deletion', 'status=done', 'limit=0', 'limit=201', 'limit=x', 'before=bm9wZQ', 'page=2']) {
      const answer = await send(itinera.baseUrl, 'GET', `/v1/privacy/requests?${query}`, admin);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe('invalid_query');
    }
  });
});
