/**
 * The process's one metrics registry (prom-client), with Node's default metrics (memory,
 * CPU, event-loop delay, handles) under the `itinera_` prefix. Everything this process
 * counts is registered here, and GET /metrics (route.ts) serves it. Nothing outside
 * src/metrics imports prom-client: the rest of the code calls definitions.ts.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export const PREFIX = 'itinera_';

export const registry = new Registry();

collectDefaultMetrics({ register: registry, prefix: PREFIX });
