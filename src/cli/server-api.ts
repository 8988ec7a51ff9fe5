/**
 * The `itinera` commands that act on the running server (deploy, templates push) call its
 * HTTP API through here: the server and admin key as `itinera import` finds them
 * (ITINERA_URL, ITINERA_ADMIN_KEY: src/import/server-target.ts), JSON answers parsed, and
 * every failure turned into a CliFailure of one line: no server listening, or the
 * server's own error code and message.
 */
import { importServerFrom, ServerTargetError, type ImportServer } from '../import/server-target.js';
import { CliFailure, ServerRefusal } from './errors.js';

export type ServerTarget = ImportServer;

export function serverTargetFrom(env: NodeJS.ProcessEnv): ServerTarget {
  try {
    return importServerFrom(env);
  } catch (error) {
    if (error instanceof ServerTargetError) throw new CliFailure(error.message);
    throw error;
  }
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** Sent as text/plain; `json` as application/json. */
  text?: string;
  json?: unknown;
  headers?: Record<string, string>;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/**
 * The request, answered when the status is 2xx (or one of `accept`, e.g. 404 for "not
 * there yet"); any other status is a ServerRefusal.
 */
export async function callServer<T>(server: ServerTarget, request: ApiRequest, accept: readonly number[] = []): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${server.adminKey}`, accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.text !== undefined) {
    headers['content-type'] = 'text/plain; charset=utf-8';
    body = request.text;
  } else if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  }
  let response: Response;
  try {
    response = await fetch(`${server.url}${request.path}`, { method: request.method, headers, ...(body === undefined ? {} : { body }) });
  } catch (error) {
    throw new CliFailure(`cannot reach the server at ${server.url} (${networkReason(error)}): is \`npm start\` running? (set ITINERA_URL)`);
  }
  const text = await response.text();
  const parsed = parseJson(text);
  if (response.ok || accept.includes(response.status)) {
    if (parsed === undefined && response.status !== 204)
      throw new CliFailure(`the answer from ${server.url} is not JSON (is ITINERA_URL an Itinera server?)`);
    return { status: response.status, body: parsed as T };
  }
  throw refusal(server, response, parsed);
}

function refusal(server: ServerTarget, response: Response, body: unknown): CliFailure {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : response.statusText || 'no explanation given';
  if (response.status === 401 || response.status === 403) {
    return new ServerRefusal(
      response.status,
      code,
      message,
      body,
      `the server at ${server.url} refused the admin key (${response.status}${code ? ` ${code}` : ''}: ${message}); set ITINERA_ADMIN_KEY to the key it runs with`,
    );
  }
  return new ServerRefusal(response.status, code, message, body);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is its cause's code. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
