/**
 * The API contract (docs/api.md): GET /v1/openapi.json serves a valid OpenAPI 3.1 document;
 * every route Express mounts is in it and everything in it is a route; and the check every
 * test's answers go through (test/support/contract.ts) does reject an answer that breaks it.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import type express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDocument } from '../../src/server/openapi/document.js';
import { checkAnswer, validatorAt } from '../support/contract.js';
import { request, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('openapi', { runWorker: false });
});
afterAll(async () => {
  await itinera?.close();
});

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
}

/** Express's `:name` as OpenAPI's `{name}`. */
const asTemplate = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/**
 * What Express serves: `METHOD /path` for every route of every router, and the mount paths
 * of the middleware inside routers that answer by themselves (the console's static files).
 */
function mounted(app: express.Express): { routes: Set<string>; mounts: string[] } {
  const routes = new Set<string>();
  const mounts: string[] = [];
  const walk = (stack: Layer[], nested: boolean) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = ([] as string[]).concat(layer.route.path);
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all'))
          for (const path of paths) routes.add(`${method.toUpperCase()} ${asTemplate(path)}`);
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, true);
      } else if (nested && typeof layer.rawPath === 'string' && layer.rawPath !== '/') {
        mounts.push(layer.rawPath);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, false);
  return { routes, mounts };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];

describe('the API contract', () => {
  it('is served at /v1/openapi.json without credentials, a valid OpenAPI 3.1 document', async () => {
    const { status, body, headers } = await request(itinera.baseUrl, 'GET', '/v1/openapi.json');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.openapi).toBe('3.1.0');
    expect(body.info.title).toBe('Itinera');
    expect(Object.keys(body.components.securitySchemes).sort()).toEqual(['adminKey', 'metricsToken', 'session', 'writeKey']);
    const result = await new Validator().validate(body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route Express has mounted, and nothing Express lacks', async () => {
    const { body } = await request(itinera.baseUrl, 'GET', '/v1/openapi.json');
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(body.paths as Record<string, Record<string, unknown>>))
      for (const method of Object.keys(item).filter((key) => METHODS.includes(key))) documented.add(`${method.toUpperCase()} ${path}`);
    const { routes, mounts } = mounted(itinera.runtime.app);

    const undocumented = [...routes].filter((route) => !documented.has(route)).sort();
    expect.soft(undocumented).toEqual([]);
    // A documented operation is a route, or lies under a mount that serves files by itself.
    const under = (operation: string, mount: string) => {
      const path = operation.split(' ')[1]!;
      return path === mount || path.startsWith(`${mount}/`);
    };
    const unserved = [...documented]
      .filter((operation) => !routes.has(operation) && !mounts.some((mount) => under(operation, mount)))
      .sort();
    expect(unserved).toEqual([]);
  });

  it('keeps every example to its schema (request bodies, answers, components)', () => {
    const wrong: string[] = [];
    const walk = (node: unknown, path: string[]) => {
      if (typeof node !== 'object' || node === null) return;
      const object = node as Record<string, unknown>;
      if ('example' in object && !Array.isArray(node)) {
        // A media type's example is of its schema; a schema's example is of itself.
        const at = 'schema' in object ? [...path, 'schema'] : path;
        if (!validatorAt(at)(object.example)) wrong.push(at.join(' '));
      }
      for (const [key, value] of Object.entries(object)) if (key !== 'example') walk(value, [...path, key]);
    };
    const document = apiDocument() as unknown as Record<string, unknown>;
    walk(document.paths, ['paths']);
    walk(document.components, ['components']);
    expect(wrong).toEqual([]);
  });

  it('rejects an answer that breaks the document', () => {
    const health = { method: 'GET', path: '/health', status: 200, contentType: 'application/json; charset=utf-8' };
    expect(() => checkAnswer({ ...health, body: { status: 'ok' } })).not.toThrow();
    // A wrong value, an extra field, an undocumented status, media type and operation.
    expect(() => checkAnswer({ ...health, body: { status: 'fine' } })).toThrow(/GET \/health → 200.*status/);
    expect(() => checkAnswer({ ...health, body: { status: 'ok', extra: 1 } })).toThrow(/extra/);
    expect(() => checkAnswer({ ...health, status: 418, body: { status: 'ok' } })).toThrow(/418 is not documented/);
    expect(() => checkAnswer({ ...health, contentType: 'text/html', body: '<p>ok</p>' })).toThrow(/text\/html is not documented/);
    expect(() => checkAnswer({ ...health, method: 'DELETE', body: { status: 'ok' } })).toThrow(/no DELETE \/health/);
    // An unknown path may only be "no such endpoint", with the error body.
    const unknown = { method: 'GET', path: '/v1/nowhere?x=1', contentType: 'application/json' };
    expect(() =>
      checkAnswer({ ...unknown, status: 404, body: { error: { code: 'not_found', message: 'no such endpoint' } } }),
    ).not.toThrow();
    expect(() => checkAnswer({ ...unknown, status: 404, body: { nothing: true } })).toThrow(/error body/);
    expect(() => checkAnswer({ ...unknown, status: 200, body: {} })).toThrow(/no such path/);
  });

  it('holds the answers of send() and request() to the document', async () => {
    // The document itself, and an unknown endpoint, go through the same check without a throw.
    const missing = await request(itinera.baseUrl, 'GET', '/v1/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});
