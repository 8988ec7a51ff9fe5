/** Prometheus's scrape (src/metrics/route.ts, docs/ops/metrics.md): on every process, a worker's too. */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { error, SECURITY } from '../common.js';

export const metricsPaths: ZodOpenApiPathsObject = {
  '/metrics': {
    get: {
      tags: ['operations'],
      summary: "This process's metrics, in Prometheus's text format",
      description:
        'With ITINERA_METRICS_TOKEN set, the token as a Bearer token; without it, only clients on this host (a request forwarded by an untrusted proxy is not one).',
      security: [{ [SECURITY.metricsToken]: [] }, {}],
      responses: {
        '200': {
          description: 'Every family, as Prometheus scrapes it',
          content: {
            'text/plain': {
              schema: z.string().meta({ example: '# TYPE itinera_events_accepted_total counter\nitinera_events_accepted_total 42\n' }),
            },
          },
        },
        '401': error('A token is configured and the request did not carry it'),
        '403': error('No token is configured and the client is not on this host'),
      },
    },
  },
};
