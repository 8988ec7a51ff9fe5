/**
 * The console's static files (src/server/routes/console.ts), documented by media type: the
 * page (HTML) for /console/ and every client route below it, and the hashed assets. OpenAPI
 * paths cannot say "any depth", so the depths the console's routes use are listed.
 */
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from 'zod-openapi';
import { error } from '../common.js';

const segment = (description: string) => z.string().meta({ description });
const text = z.string();

const notBuilt = error('The console is not built (`console_not_built`): run `npm run build`');
const badPath = error('The path names no file of the console (`invalid_path`)');

function page(summary: string, params?: z.ZodObject): ZodOpenApiOperationObject {
  return {
    tags: ['console'],
    summary,
    description: 'A file of the build when the path names one, else the page (index.html), whose client router draws the path.',
    security: [],
    ...(params ? { requestParams: { path: params } } : {}),
    responses: {
      '200': {
        description: 'The page, or a file of the build',
        content: {
          'text/html': { schema: text },
          'text/javascript': { schema: text },
          'text/css': { schema: text },
          'application/json': { schema: z.unknown() },
          'image/svg+xml': { schema: text },
          'text/plain': { schema: text },
          'application/octet-stream': { schema: text },
        },
      },
      '400': badPath,
      '503': notBuilt,
    },
  };
}

export const consolePaths: ZodOpenApiPathsObject = {
  '/console': {
    get: {
      tags: ['console'],
      summary: 'Redirects to /console/ (relative asset URLs need the slash)',
      security: [],
      responses: { '301': { description: 'To /console/', headers: z.object({ location: z.string() }) } },
    },
  },
  '/console/': { get: page('The console') },
  '/console/{page}': {
    get: page('A page of the console, or a file at the top of the build', z.object({ page: segment('A client route, or a file name') })),
  },
  '/console/{page}/{name}': {
    get: page('A page of the console about one object', z.object({ page: segment('A client route'), name: segment('What it shows') })),
  },
  '/console/{page}/{name}/{view}': {
    get: page(
      'A view of a page of the console',
      z.object({ page: segment('A client route'), name: segment('What it shows'), view: segment('Which view') }),
    ),
  },
  '/console/assets/{file}': {
    get: {
      tags: ['console'],
      summary: 'A hashed asset of the build (immutable, cached for a year; Brotli or gzip as the browser accepts)',
      security: [],
      requestParams: { path: z.object({ file: segment('The asset, named by a hash of its content') }) },
      responses: {
        '200': {
          description: 'The asset',
          content: {
            'text/javascript': { schema: text },
            'text/css': { schema: text },
            'application/json': { schema: z.unknown() },
            'image/svg+xml': { schema: text },
            'image/png': { schema: text },
            'font/woff2': { schema: text },
            'application/octet-stream': { schema: text },
          },
        },
        '400': badPath,
        '404': error('No such asset in the build (a page of an older build asked for it): reload the page'),
        '503': notBuilt,
      },
    },
  },
};
