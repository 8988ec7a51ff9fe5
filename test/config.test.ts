import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEV_ADMIN_KEY, DEV_WRITE_KEY, loadConfig } from '../src/config.js';

const pemDir = mkdtempSync(join(tmpdir(), 'itinera-config-'));
afterAll(() => rmSync(pemDir, { recursive: true, force: true }));
const pem = (name: string, text: string) => {
  const path = join(pemDir, name);
  writeFileSync(path, text);
  return path;
};
/** A cluster's servers, which the roles and the Temporal TLS settings need. */
const CLUSTER = { TEMPORAL_ADDRESS: 'temporal.example:7233', MONGODB_URI: 'mongodb://db.example/' };

describe('configuration', () => {
  it('starts on documented development defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, writeKey: DEV_WRITE_KEY, adminKey: DEV_ADMIN_KEY, env: 'development' });
    expect(config.temporal.address).toBeUndefined();
    expect(config.mongo.uri).toBeUndefined();
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('refuses to start in production with a default key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ITINERA_ADMIN_KEY: 'a-real-secret-admin' })).toThrow(/ITINERA_WRITE_KEY/);
    expect(() => loadConfig({ NODE_ENV: 'production', ITINERA_WRITE_KEY: 'a-real-secret-write' })).toThrow(/ITINERA_ADMIN_KEY/);
    expect(
      loadConfig({ NODE_ENV: 'production', ITINERA_WRITE_KEY: 'a-real-secret-write', ITINERA_ADMIN_KEY: 'a-real-secret-admin' }).env,
    ).toBe('production');
  });

  it('names every invalid setting', () => {
    try {
      loadConfig({ PORT: 'eighty', MONGODB_URI: 'postgres://x', ITINERA_WRITE_KEY: 'short' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('MONGODB_URI');
      expect(message).toContain('ITINERA_WRITE_KEY');
    }
  });

  it('reads the browser origins allowed per source, normalised, and refuses what is not an origin or not a source', () => {
    const config = loadConfig({
      ITINERA_SOURCES: 'web=web-write-key-1',
      ITINERA_CORS_ORIGINS: 'web=https://Shop.example https://www.shop.example:8443,default=*',
    });
    expect(config.allowedOrigins).toEqual({ web: ['https://shop.example', 'https://www.shop.example:8443'], default: ['*'] });
    expect(loadConfig({}).allowedOrigins).toEqual({});
    expect(() => loadConfig({ ITINERA_CORS_ORIGINS: 'web=https://shop.example' })).toThrow(/"web" is not a source/);
    expect(() => loadConfig({ ITINERA_CORS_ORIGINS: 'default=https://shop.example/path' })).toThrow(/not an origin/);
    expect(() => loadConfig({ ITINERA_CORS_ORIGINS: 'default=shop.example' })).toThrow(/not an origin/);
    expect(loadConfig({ ITINERA_PUBLIC_URL: 'https://cdp.example/' }).publicUrl).toBe('https://cdp.example');
    expect(() => loadConfig({ ITINERA_PUBLIC_URL: 'cdp' })).toThrow(/ITINERA_PUBLIC_URL/);
  });

  it('bounds a stop by ITINERA_STOP_TIMEOUT_MS, 20 s unless set', () => {
    expect(loadConfig({}).stopTimeoutMs).toBe(20_000);
    expect(loadConfig({ ITINERA_STOP_TIMEOUT_MS: '5000' }).stopTimeoutMs).toBe(5000);
    expect(() => loadConfig({ ITINERA_STOP_TIMEOUT_MS: 'soon' })).toThrow(/ITINERA_STOP_TIMEOUT_MS/);
    expect(() => loadConfig({ ITINERA_STOP_TIMEOUT_MS: '10' })).toThrow(/ITINERA_STOP_TIMEOUT_MS/);
  });

  it('refuses one key for both powers', () => {
    expect(() => loadConfig({ ITINERA_WRITE_KEY: 'same-key-123', ITINERA_ADMIN_KEY: 'same-key-123' })).toThrow(/must differ/);
  });

  it('runs everything in one process unless ITINERA_ROLE says api or worker, which need shared servers', () => {
    expect(loadConfig({}).role).toBe('all');
    expect(loadConfig({ ...CLUSTER, ITINERA_ROLE: 'api' }).role).toBe('api');
    expect(loadConfig({ ...CLUSTER, ITINERA_ROLE: 'worker' }).role).toBe('worker');
    expect(() => loadConfig({ ...CLUSTER, ITINERA_ROLE: 'workers' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...CLUSTER, ITINERA_ROLE: 'workers' })).toThrow(/ITINERA_ROLE: must be one of all, api, worker/);
    expect(() => loadConfig({ ITINERA_ROLE: 'api' })).toThrow(/ITINERA_ROLE=api: .*set MONGODB_URI and TEMPORAL_ADDRESS/);
  });

  it('names the deployment after the database unless ITINERA_DEPLOYMENT_ID is set, and refuses an id that would break Temporal ids', () => {
    expect(loadConfig({}).deploymentId).toBe('itinera');
    expect(loadConfig({ MONGODB_DB: 'shop_prod' }).deploymentId).toBe('shop_prod');
    expect(loadConfig({ MONGODB_DB: 'shop_prod', ITINERA_DEPLOYMENT_ID: 'eu-1' }).deploymentId).toBe('eu-1');
    expect(() => loadConfig({ ITINERA_DEPLOYMENT_ID: 'eu:1' })).toThrow(/^ITINERA_DEPLOYMENT_ID: must be/);
    expect(() => loadConfig({ ITINERA_DEPLOYMENT_ID: '' })).toThrow(/ITINERA_DEPLOYMENT_ID/);
    expect(() => loadConfig({ MONGODB_DB: 'shop:prod' })).toThrow(/ITINERA_DEPLOYMENT_ID \(by default MONGODB_DB, "shop:prod"\)/);
  });

  it('trusts no proxy by default, and the addresses, CIDRs and ranges ITINERA_TRUSTED_PROXIES names', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ ITINERA_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,::1,fd00::/8,loopback' }).trustedProxies).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0/8', '::1/129', '10.0.0.1/8/1']) {
      expect(() => loadConfig({ ITINERA_TRUSTED_PROXIES: bad })).toThrow(`ITINERA_TRUSTED_PROXIES: "${bad}" is not an address`);
    }
  });

  it('reads Temporal TLS files (mTLS) and an API key, naming the variable whose file is missing', () => {
    expect(loadConfig({}).temporal.tls).toBeUndefined();
    const ca = pem('ca.pem', 'CA');
    const cert = pem('client.pem', 'CERT');
    const key = pem('client.key', 'KEY');
    const mtls = loadConfig({
      ...CLUSTER,
      TEMPORAL_TLS_CA_FILE: ca,
      TEMPORAL_TLS_CERT_FILE: cert,
      TEMPORAL_TLS_KEY_FILE: key,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    }).temporal;
    expect(mtls.tls).toEqual({
      ca: Buffer.from('CA'),
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
      serverName: 'temporal.internal',
    });
    expect(mtls.apiKey).toBeUndefined();
    // Temporal Cloud: an API key over TLS with the system's CAs.
    expect(loadConfig({ ...CLUSTER, TEMPORAL_API_KEY: 'secret-key' }).temporal).toMatchObject({ tls: {}, apiKey: 'secret-key' });
    expect(loadConfig({ ...CLUSTER, TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({});
    expect(loadConfig({ ...CLUSTER, TEMPORAL_TLS: 'false' }).temporal.tls).toBeUndefined();

    expect(() => loadConfig({ ...CLUSTER, TEMPORAL_TLS_CA_FILE: join(pemDir, 'missing.pem') })).toThrow(
      `TEMPORAL_TLS_CA_FILE: cannot read "${join(pemDir, 'missing.pem')}" (no such file)`,
    );
    expect(() => loadConfig({ ...CLUSTER, TEMPORAL_TLS_CERT_FILE: join(pemDir, 'gone.pem'), TEMPORAL_TLS_KEY_FILE: key })).toThrow(
      /^TEMPORAL_TLS_CERT_FILE: cannot read/,
    );
    expect(() => loadConfig({ ...CLUSTER, TEMPORAL_TLS_CERT_FILE: cert, TEMPORAL_TLS_KEY_FILE: join(pemDir, 'gone.key') })).toThrow(
      /^TEMPORAL_TLS_KEY_FILE: cannot read/,
    );
    expect(() => loadConfig({ ...CLUSTER, TEMPORAL_TLS_CERT_FILE: cert })).toThrow(
      /TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE: set both/,
    );
    expect(() => loadConfig({ ...CLUSTER, TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'secret-key' })).toThrow(
      /TEMPORAL_TLS=false contradicts TEMPORAL_API_KEY/,
    );
    expect(() => loadConfig({ ...CLUSTER, TEMPORAL_TLS: 'maybe' })).toThrow(/TEMPORAL_TLS: must be true or false/);
    expect(() => loadConfig({ TEMPORAL_API_KEY: 'secret-key' })).toThrow(/^TEMPORAL_API_KEY: only with TEMPORAL_ADDRESS/);
  });
});
