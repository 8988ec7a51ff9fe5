/**
 * The console speaks to the same HTTP API that machines use (docs/console.md), signed in
 * with a session cookie. State-changing requests carry the session's CSRF token in
 * `X-CSRF-Token`: the server refuses them without it.
 */

/** An API error as the server sends it: `{"error": {"code", "message", "details"?}}`. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly body: unknown) {
    super(message);
  }
}

let csrfToken: string | undefined;
/** Set when a session starts or is found (GET /v1/session). */
export function useCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called on 401 from any request: the session ended (expired, revoked, signed out elsewhere). */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export interface RequestOptions {
  json?: unknown;
  text?: string;
  /** Statuses answered with a body the caller reads itself (e.g. 422 with diagnostics). */
  accept?: number[];
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.text !== undefined) {
    headers['content-type'] = 'text/plain';
    body = options.text;
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (response.ok || options.accept?.includes(response.status)) return parsed as T;
  const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
  if (response.status === 401 && !path.startsWith('/v1/session')) onSignedOut();
  throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `${response.status} ${response.statusText}`, parsed);
}

export const get = <T>(path: string) => api<T>('GET', path);
