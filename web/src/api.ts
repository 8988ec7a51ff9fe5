/**
 * The console speaks to the same HTTP API that machines use (docs/console.md), signed in
 * with a session cookie. State-changing requests carry the session's CSRF token in
 * `X-CSRF-Token`: the server refuses them without it.
 */

/** An API error as the server sends it: `{"error": {"code", "message", "details"?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
    /** Seconds to wait before trying again (Retry-After of a 429). */
    readonly retryAfter?: number,
  ) {
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
  /** More request headers (e.g. X-Itinera-Note of a deploy). */
  headers?: Record<string, string>;
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
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
  const parsed = parseBody(text);
  if (response.ok || options.accept?.includes(response.status)) return parsed as T;
  const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
  // Signing in with a wrong password is also a 401: that one is the form's to show.
  if (response.status === 401 && !path.startsWith('/v1/session')) onSignedOut();
  const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
  throw new ApiError(
    response.status,
    error?.code ?? 'http_error',
    error?.message ?? `${response.status} ${response.statusText}`,
    parsed,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

export const get = <T>(path: string) => api<T>('GET', path);

/** A GET answered with text (a CSV, a PEM key): errors as `api` reports them. */
export async function getText(path: string): Promise<string> {
  const response = await fetch(path, {
    headers: { accept: 'text/csv, text/plain, application/x-pem-file, */*' },
    credentials: 'same-origin',
  });
  const text = await response.text();
  if (response.ok) return text;
  const error = (parseBody(text) as { error?: { code?: string; message?: string } } | undefined)?.error;
  if (response.status === 401) onSignedOut();
  throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `${response.status} ${response.statusText}`, text);
}

/** Hands the browser a file made here (a filtered CSV, a receipt) to save. */
export function saveFile(name: string, type: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A proxy or a crashed server may answer HTML or nothing: that is an error, not a parse failure. */
function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: { code: 'not_json', message: 'the server answered something other than JSON' } };
  }
}

/** A message for a person: what failed, without a stack. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'the server cannot be reached; check the connection and try again';
  return error instanceof Error ? error.message : String(error);
}
