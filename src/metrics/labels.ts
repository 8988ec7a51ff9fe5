/**
 * Label values are codes from the code (a refusal reason, a run's outcome, a route
 * pattern), never data: each series costs memory in every Prometheus that scrapes us,
 * and a label is no place for a profile id or an e-mail. Anything that does not look like
 * a code is counted as `other`.
 */
const CODE = /^[a-z][a-z0-9_.-]{0,47}$/i;

export function code(value: string): string {
  return CODE.test(value) ? value : 'other';
}

/** `2xx`, `4xx`…: status classes, not statuses, keep the HTTP series few. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/** Express's route pattern (`/v1/profiles/:id`), the first of several; a path that held an id is never a label. */
const PATTERN = /^[A-Za-z0-9/:_.{}*?-]{1,120}$/;
export function routePattern(path: unknown): string {
  const first = Array.isArray(path) ? path[0] : path;
  return typeof first === 'string' && PATTERN.test(first) ? first : 'other';
}
