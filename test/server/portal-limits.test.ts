/**
 * The privacy page's link requests are limited across server processes: two runtimes on
 * one database (as two processes behind a load balancer) draw on one budget per address
 * and one per client (`req.ip`), a window's end gives the budget back (the runtimes' clock,
 * not a sleep), and the counters hold no address in clear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/store/collections.js';
import { request, startTestItinera, type TestItinera } from '../support/runtime.js';

const HOUR = 3_600_000;
let shiftMs = 0;
const clock = () => new Date(Date.now() + shiftMs);
let first: TestItinera;
let second: TestItinera;
beforeAll(async () => {
  first = await startTestItinera('portallimits', { runWorker: false, now: clock });
  second = await startTestItinera('portallimits', { runWorker: false, now: clock, reuseDatabase: first.dbName });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

/** Asks for a link as a program would (JSON wanted), from the same client (127.0.0.1). */
function ask(itinera: TestItinera, email: string, headers: Record<string, string> = {}) {
  return request(itinera.baseUrl, 'POST', '/v1/portal', {
    body: new URLSearchParams({ email }).toString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: { accept: 'application/json', ...headers },
  });
}

describe("the privacy page's limits across processes", () => {
  it('share one budget per address between two servers, refused with 429 and a machine-readable body', async () => {
    const statuses = [];
    for (const server of [first, second, first]) statuses.push((await ask(server, 'shared@example.org')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await ask(second, 'shared@example.org');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: {
        code: 'too_many_attempts',
        message: expect.stringMatching(/^too many requests for a privacy page link; try again in \d+ s$/),
        details: { retryAfterSeconds: expect.any(Number) },
      },
    });
    expect(Number(refused.headers.get('retry-after'))).toBe(refused.body.error.details.retryAfterSeconds);
    // A person's browser gets the page, with the same status.
    const page = await request(first.baseUrl, 'POST', '/v1/portal', {
      body: 'email=shared%40example.org',
      contentType: 'application/x-www-form-urlencoded',
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(429);
    expect(String(page.body)).toContain('<form');
  });

  it('gives the budget back when the window ends', async () => {
    expect((await ask(first, 'shared@example.org')).status).toBe(429);
    shiftMs += HOUR;
    expect((await ask(second, 'shared@example.org')).status).toBe(200);
  });

  it('share one budget per client (req.ip) between two servers; an X-Forwarded-For from an untrusted client changes nothing', async () => {
    shiftMs += HOUR;
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await ask(i % 2 === 0 ? first : second, `client-${i}@example.org`)).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const refused = await ask(first, 'client-20@example.org', { 'x-forwarded-for': '198.51.100.7' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('too_many_attempts');
    expect((await ask(second, 'client-21@example.org')).status).toBe(429);
  });

  it('keeps no address in clear: the counters are keyed hashes', async () => {
    const docs = await first.raw.db.collection(COLLECTIONS.rateLimits).find({}).toArray();
    expect(docs.length).toBeGreaterThan(0);
    const stored = JSON.stringify(docs);
    for (const clear of ['example.org', 'shared', 'client-', '127.0.0.1', '::1', '198.51.100.7']) expect(stored).not.toContain(clear);
    for (const doc of docs) expect(String(doc._id)).toMatch(/^portal-(address|client):[A-Za-z0-9_-]{43}:\d+$/);
  });
});
