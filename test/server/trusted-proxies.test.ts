/**
 * ITINERA_TRUSTED_PROXIES: `req.ip` is the address X-Forwarded-For names only when the
 * request comes from a trusted proxy; otherwise it is the connection's own. Seen through a
 * tiny route on an app with the same setting, and on the real app's setting.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { trustProxies } from '../../src/server/app.js';
import { send, startTestItinera, type TestItinera } from '../support/runtime.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

/** An app that answers with the client address it sees. */
async function addressEcho(proxies: string[]): Promise<string> {
  const app = express();
  trustProxies(app, proxies);
  app.get('/ip', (req, res) => {
    res.json({ ip: req.ip });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const forwarded = { headers: { 'x-forwarded-for': '203.0.113.9, 10.1.2.3' } };

describe('trusted proxies', () => {
  it('believe X-Forwarded-For from a trusted proxy only', async () => {
    // The test's requests come from 127.0.0.1: the proxy. 10.1.2.3 is trusted too, so the client is the one before it.
    const trusting = await addressEcho(['127.0.0.1', '10.0.0.0/8']);
    expect((await send(trusting, 'GET', '/ip', forwarded)).body).toEqual({ ip: '203.0.113.9' });
    expect((await send(trusting, 'GET', '/ip')).body).toEqual({ ip: '127.0.0.1' });

    // Trusting only the first hop: the client is the address that hop saw.
    expect((await send(await addressEcho(['loopback']), 'GET', '/ip', forwarded)).body).toEqual({ ip: '10.1.2.3' });

    // Without the setting, the header is anyone's to write and is ignored.
    expect((await send(await addressEcho([]), 'GET', '/ip', forwarded)).body).toEqual({ ip: '127.0.0.1' });
    // Nor is a proxy that is not in the list believed.
    expect((await send(await addressEcho(['10.0.0.0/8']), 'GET', '/ip', forwarded)).body).toEqual({ ip: '127.0.0.1' });
  });

  it('reach the HTTP API of a runtime as configured, trusting none by default', async () => {
    const started = async (...args: Parameters<typeof startTestItinera>): Promise<TestItinera> => {
      const itinera = await startTestItinera(...args);
      closers.push(() => itinera.close());
      return itinera;
    };
    const trusts = (app: express.Express) => (app.get('trust proxy fn') as (address: string, hop: number) => boolean)('127.0.0.1', 0);
    expect(trusts((await started('proxies', { role: 'api', trustedProxies: ['127.0.0.1'] })).runtime.app)).toBe(true);
    expect(trusts((await started('proxies-none', { role: 'api' })).runtime.app)).toBe(false);
  });
});
