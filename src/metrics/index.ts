/** What the rest of the code uses of src/metrics: the functions that move the metrics, and the HTTP parts. */
export * from './definitions.js';
export { httpTiming, trackingRefusals } from './http.js';
export { METRICS_ROUTE, metricsRoutes } from './route.js';
