/**
 * `itinera import` as a client of the running server: the file is streamed as the body of
 * POST /v1/import/<kind> (never read whole: a file of millions of rows costs the same
 * memory as a small one; the server reads it as fast as it applies the rows, so the
 * upload keeps pace with the import), and the answer is read line by line as the server
 * reports progress (src/import/wire.ts).
 *
 * No runtime and no database connection of its own: the rows go through the server's
 * ingestion, its profile writer and its outbox, exactly as events sent over HTTP do.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { NDJSON, type ImportStreamLine } from './wire.js';
import type { ImportServer } from './server-target.js';
import type { ImportKind, ImportProgress, ImportReport } from './types.js';

/** Why the import did not complete, in the terms the command reports. */
export type ServerImportFailure =
  /** No connection: nothing is listening there, the name does not resolve… */
  | { kind: 'unreachable'; reason: string }
  /** The server answered with an error before applying anything (4xx/5xx). */
  | { kind: 'refused'; status: number; code?: string; message: string }
  /** The import had started: the rows applied so far stay applied. */
  | { kind: 'stopped'; code?: string; message: string };

export class ServerImportError extends Error {
  constructor(readonly failure: ServerImportFailure) {
    super(failure.kind === 'unreachable' ? failure.reason : failure.message);
    this.name = 'ServerImportError';
  }
}

export interface ServerImportOptions {
  server: ImportServer;
  kind: ImportKind;
  /** The CSV file's bytes; read only as fast as the server takes them. */
  input: Readable;
  /** `column=target[:type]`, as `--map` takes them (checked by the server too). */
  mapSpecs: readonly string[];
  chunkSize?: number;
  onProgress?: (progress: ImportProgress) => void;
}

/** An error answer's body is short; a proxy's HTML page is cut here. */
const MAX_ERROR_BODY = 64 * 1024;

function importUrl(options: ServerImportOptions): URL {
  const url = new URL(`${options.server.url}/v1/import/${options.kind}`);
  for (const spec of options.mapSpecs) url.searchParams.append('map', spec);
  if (options.chunkSize !== undefined) url.searchParams.set('chunkSize', String(options.chunkSize));
  return url;
}

/** Sends the request with the file as its body; resolves with the response once its headers arrive. */
function post(options: ServerImportOptions): { response: Promise<IncomingMessage>; abort: () => void } {
  const url = importUrl(options);
  const transport = url.protocol === 'https:' ? https : http;
  const req = transport.request(url, {
    method: 'POST',
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      accept: NDJSON,
      authorization: `Bearer ${options.server.adminKey}`,
    },
  });
  let connected = false;
  req.on('socket', (socket) => {
    if (!socket.connecting) connected = true;
    else socket.once('connect', () => (connected = true));
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    // After the response, an error of the upload (the server closed the connection once
    // it had answered) changes nothing: the response says what happened.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof ServerImportError) return reject(error);
      const code = error.code ?? error.message;
      reject(
        new ServerImportError(
          connected
            ? { kind: 'stopped', message: `the connection to the server was lost (${code})` }
            : { kind: 'unreachable', reason: code },
        ),
      );
    });
  });
  options.input.on('error', (error: NodeJS.ErrnoException) => {
    req.destroy(new ServerImportError({ kind: 'stopped', message: `cannot read the file (${error.code ?? error.message})` }));
  });
  options.input.pipe(req);
  return {
    response,
    abort() {
      options.input.unpipe(req);
      req.destroy();
    },
  };
}

async function readText(res: IncomingMessage, limit: number): Promise<string> {
  let text = '';
  for await (const chunk of res) {
    text += String(chunk);
    if (text.length >= limit) break;
  }
  return text.slice(0, limit);
}

function refusal(status: number, statusMessage: string | undefined, body: string): ServerImportFailure {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof error?.message === 'string') {
      return { kind: 'refused', status, ...(typeof error.code === 'string' ? { code: error.code } : {}), message: error.message };
    }
  } catch {
    // not the server's JSON error: described by its status below
  }
  return { kind: 'refused', status, message: `the server answered ${status}${statusMessage ? ` ${statusMessage}` : ''}` };
}

/** The progress lines, then the report; a stream that ends without one was cut off. */
async function readStream(res: IncomingMessage, onProgress: ServerImportOptions['onProgress']): Promise<ImportReport> {
  let buffered = '';
  const handle = (text: string): ImportReport | undefined => {
    if (text.trim() === '') return undefined;
    const line = JSON.parse(text) as ImportStreamLine;
    if ('progress' in line) onProgress?.(line.progress);
    else if ('report' in line) return line.report;
    else if ('error' in line) throw new ServerImportError({ kind: 'stopped', code: line.error.code, message: line.error.message });
    return undefined;
  };
  try {
    res.setEncoding('utf8');
    for await (const chunk of res as AsyncIterable<string>) {
      buffered += chunk;
      let end;
      while ((end = buffered.indexOf('\n')) !== -1) {
        const report = handle(buffered.slice(0, end));
        buffered = buffered.slice(end + 1);
        if (report) return report;
      }
    }
    const report = handle(buffered);
    if (report) return report;
  } catch (error) {
    if (error instanceof ServerImportError) throw error;
    if (error instanceof SyntaxError)
      throw new ServerImportError({
        kind: 'stopped',
        message: "the server's answer is not an import's progress (is ITINERA_URL an Itinera server?)",
      });
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ServerImportError({ kind: 'stopped', message: `the connection to the server was lost (${code})` });
  }
  throw new ServerImportError({ kind: 'stopped', message: 'the connection to the server was lost before the import finished' });
}

export async function importThroughServer(options: ServerImportOptions): Promise<ImportReport> {
  const { response, abort } = post(options);
  try {
    const res = await response;
    const status = res.statusCode ?? 0;
    if (status !== 200) throw new ServerImportError(refusal(status, res.statusMessage, await readText(res, MAX_ERROR_BODY)));
    if ((res.headers['content-type'] ?? '').startsWith(NDJSON)) return await readStream(res, options.onProgress);
    return JSON.parse(await readText(res, Number.POSITIVE_INFINITY)) as ImportReport;
  } finally {
    // Whatever the outcome, nothing more is sent: a refused import does not upload the
    // rest of a large file, and a finished one has sent it all already.
    abort();
  }
}
