/** The import endpoints on a real HTTP server, with an in-memory `apply` (no database). */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { errorMiddleware } from '../../src/server/errors.js';
import { importRoutes } from '../../src/server/routes/import.js';
import type { ImportMessage } from '../../src/import/csv-import.js';
import { lines } from './helpers.js';

const applied: ImportMessage[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  // The app's JSON parser sits in front of every route; a CSV body must pass it untouched.
  app.use(express.json());
  app.use(importRoutes({ apply: async (chunk) => void applied.push(...chunk) }));
  app.use(errorMiddleware(createLogger('silent')));
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, body: string, type = 'text/csv') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

describe('POST /v1/import/…', () => {
  it('imports profiles and answers the report, bad rows listed', async () => {
    applied.length = 0;
    const res = await post(
      '/v1/import/profiles?map=age=trait:age:number&map=mail=email',
      lines('user_id,mail,age', 'u1,a@x.io,31', 'u2,,old'),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      rows: 2,
      good: 1,
      bad: 1,
      errors: [{ line: 3, reason: 'column "age": "old" is not a number' }],
      errorsTruncated: false,
    });
    expect(applied).toMatchObject([{ type: 'identify', userId: 'u1', traits: { email: 'a@x.io', age: 31 } }]);
  });

  it('imports events from a body sent in pieces', async () => {
    applied.length = 0;
    const rows = Array.from({ length: 3000 }, (_, i) => `u${i},Viewed,${i}`);
    const body = new Blob([lines('user_id,event,n', ...rows)]).stream();
    const res = await fetch(`${base}/v1/import/events?map=n=property:n:number`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv; charset=utf-8' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ rows: 3000, good: 3000, bad: 0 });
    expect(applied).toHaveLength(3000);
    expect(applied[2999]).toMatchObject({ type: 'track', event: 'Viewed', properties: { n: 2999 } });
  });

  it.each([
    ['a bad mapping', '/v1/import/profiles?map=age', lines('user_id,age', 'u1,3'), 'bad_mapping'],
    ['an empty file', '/v1/import/profiles', '', 'no_header'],
    ['a file without header', '/v1/import/events', lines('u1,Paid', 'u2,Paid'), 'bad_header'],
  ])('answers 400 for %s', async (_label, path, body, code) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code, message: expect.any(String) } });
  });

  it('streams progress lines, then the report, when asked for NDJSON; chunkSize sets the rows per write', async () => {
    applied.length = 0;
    const rows = Array.from({ length: 250 }, (_, i) => `s${i},Viewed`);
    const res = await fetch(`${base}/v1/import/events?chunkSize=100`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', accept: 'application/x-ndjson' },
      body: lines('user_id,event', ...rows),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const answer = (await res.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answer.map((line) => line.progress?.rows ?? 'report' in line)).toEqual([100, 200, 250, true]);
    expect(answer.at(-1)).toMatchObject({ report: { rows: 250, good: 250, bad: 0 } });
    expect(applied).toHaveLength(250);
  });

  it('answers a file refused before any row with a 400, streamed or not', async () => {
    const res = await fetch(`${base}/v1/import/events`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', accept: 'application/x-ndjson' },
      body: lines('u1,Paid'),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'bad_header' } });
  });

  it.each(['0', '10001', 'ten'])('answers 400 for chunkSize=%s', async (size) => {
    const res = await post(`/v1/import/events?chunkSize=${size}`, lines('user_id,event', 'u1,Paid'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'bad_chunk_size' } });
  });

  it('answers 415 for another content type', async () => {
    const res = await post('/v1/import/profiles', JSON.stringify({ userId: 'u1' }), 'application/json');
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    const latin = await post('/v1/import/profiles', lines('user_id', 'u1'), 'text/csv; charset=iso-8859-1');
    expect(latin.status).toBe(415);
  });
});
