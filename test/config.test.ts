import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_ADMIN_KEY, DEV_WRITE_KEY, loadConfig } from '../src/config.js';

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
    expect(loadConfig({ NODE_ENV: 'production', ITINERA_WRITE_KEY: 'a-real-secret-write', ITINERA_ADMIN_KEY: 'a-real-secret-admin' }).env).toBe(
      'production',
    );
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
    const config = loadConfig({ ITINERA_SOURCES: 'web=web-write-key-1', ITINERA_CORS_ORIGINS: 'web=https://Shop.example https://www.shop.example:8443,default=*' });
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
});
