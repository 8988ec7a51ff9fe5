/** analytics.js, its chunks and its settings, served by Itinera itself (src/server/routes/browser-library.ts). */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { error, json } from '../common.js';

const writeKey = z.object({ writeKey: z.string().meta({ description: "A source's write key", example: 'my-write-key' }) });

const settings = z
  .object({
    integrations: z.object({
      'Segment.io': z.object({
        apiKey: z.string(),
        apiHost: z
          .string()
          .meta({ description: "This server's host and /v1, where the library sends events", example: 'cdp.example.com/v1' }),
        protocol: z.string().meta({ example: 'https' }),
        unbundledIntegrations: z.array(z.string()),
        addBundledMetadata: z.boolean(),
        maybeBundledConfigIds: z.record(z.string(), z.unknown()),
      }),
    }),
    plan: z.record(z.string(), z.unknown()),
    edgeFunction: z.record(z.string(), z.unknown()),
    analyticsNextEnabled: z.boolean(),
    middlewareSettings: z.record(z.string(), z.unknown()),
    enabledMiddleware: z.record(z.string(), z.unknown()),
    metrics: z.object({ sampleRate: z.number(), host: z.string() }),
    legacyVideoPluginsEnabled: z.boolean(),
    remotePlugins: z.array(z.unknown()),
  })
  .meta({ id: 'LibrarySettings', description: "As Segment's CDN would serve them: one destination (this server), no usage metrics" });

const javascript = (description: string, mediaType: string) => ({ description, content: { [mediaType]: { schema: z.string() } } });

export const browserLibraryPaths: ZodOpenApiPathsObject = {
  '/analytics.js/v1/{writeKey}/analytics.min.js': {
    get: {
      tags: ['browser-library'],
      summary: "analytics.js 2.0 (the pinned release's standalone build), for a source's write key",
      security: [],
      requestParams: { path: writeKey },
      responses: { '200': javascript('The library', 'application/javascript'), '404': error('No source has this write key') },
    },
  },
  '/analytics-next/bundles/{file}': {
    get: {
      tags: ['browser-library'],
      summary: 'A chunk the library loads on demand (named by a hash of its content: cached for a year)',
      security: [],
      requestParams: { path: z.object({ file: z.string().meta({ example: 'ajs-destination.bundle.1a2b3c.js' }) }) },
      responses: { '200': javascript('The chunk', 'text/javascript'), '404': error('No such bundle') },
    },
  },
  '/v1/projects/{writeKey}/settings': {
    get: {
      tags: ['browser-library'],
      summary: 'The settings the library reads at load',
      security: [],
      requestParams: { path: writeKey },
      responses: {
        '200': json('The settings', settings),
        '400': error('No ITINERA_PUBLIC_URL, and the Host header is not a host name (`invalid_host`)'),
        '404': error('No source has this write key'),
      },
    },
  },
};
