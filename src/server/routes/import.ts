/**
 * CSV import over HTTP: `POST /v1/import/profiles` and `POST /v1/import/events`, the body
 * a CSV file (`Content-Type: text/csv`), the mapping in repeated `map=column=target[:type]`
 * query parameters (the syntax of `itinera import --map`) and optionally `chunkSize=N`
 * (rows per write, as `--chunk-size`).
 *
 * The body is streamed from the request into the import, never buffered, so its size is
 * not limited. Two ways to answer:
 *  - by default, 200 with the ImportReport (bad rows listed by line) once the file was read;
 *  - with `Accept: application/x-ndjson`, the import's progress as it goes, one JSON line
 *    each, then the report or the error that stopped it (see src/import/wire.ts): what
 *    `itinera import` reads to draw its progress bar over a file of millions of rows.
 * Either way, 400 when the mapping or the header make the file unusable (and nothing was
 * applied); 415 for another body type. Authentication (the admin key) is applied where the
 * router is mounted.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { MAX_CHUNK_SIZE } from '../../import/cli-args.js';
import {
  importCsv,
  ImportError,
  parseColumnMapping,
  type ApplyMessages,
  type ColumnMapping,
  type ImportKind,
  type ImportProgress,
} from '../../import/csv-import.js';
import { NDJSON, streamLine, type ImportStreamLine } from '../../import/wire.js';
import type { Logger } from '../../logger.js';
import { badRequest, HttpError } from '../errors.js';

export interface ImportRouteDeps {
  apply: ApplyMessages;
  /** Where an error that stops a streamed import is logged (its answer has been sent by then, so the error middleware cannot). */
  logger?: Logger;
}

const CHUNK_SIZE_MESSAGE = `chunkSize must be a whole number from 1 to ${MAX_CHUNK_SIZE}, once`;

/** text/csv, in UTF-8 (the only charset the import reads) when a charset is named. */
function requireCsv(req: Request): void {
  const [type = '', ...params] = (req.headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'text/csv') {
    throw new HttpError(415, 'unsupported_media_type', 'send the file as the body with Content-Type: text/csv');
  }
  const charset = params
    .find((param) => param.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError(415, 'unsupported_charset', `the file must be UTF-8, not ${charset}`);
  }
}

/**
 * The query: `map` once per column (`column=target[:type]`, as `itinera import --map`) and
 * `chunkSize` at most once. Other parameters are ignored. A problem is answered with the
 * code of the parameter it concerns (`bad_chunk_size` before `bad_mapping`).
 */
export const importQuery = z.object({
  map: z
    .union([z.string(), z.array(z.string())], { message: 'map must be given as map=column=target[:type], once per column' })
    .optional()
    .meta({ description: 'A column mapping, `column=target[:type]`; once per column', example: 'email=traits.email' }),
  chunkSize: z
    .string({ message: CHUNK_SIZE_MESSAGE })
    .regex(/^\d+$/, CHUNK_SIZE_MESSAGE)
    .refine((raw) => Number(raw) >= 1 && Number(raw) <= MAX_CHUNK_SIZE, CHUNK_SIZE_MESSAGE)
    .optional()
    .meta({ description: `Rows per write, 1 to ${MAX_CHUNK_SIZE}` }),
});

function queryOf(req: Request): { mapping: ColumnMapping; chunkSize?: number } {
  const parsed = importQuery.safeParse(req.query);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const chunk = issues.find((issue) => issue.path[0] === 'chunkSize');
    if (chunk) throw badRequest('bad_chunk_size', chunk.message);
    throw badRequest('bad_mapping', issues[0]!.message);
  }
  const { map, chunkSize } = parsed.data;
  const mapping = parseColumnMapping(map === undefined ? [] : Array.isArray(map) ? map : [map]);
  return { mapping, ...(chunkSize !== undefined ? { chunkSize: Number(chunkSize) } : {}) };
}

function asHttpError(error: unknown): unknown {
  return error instanceof ImportError ? badRequest(error.code, error.message) : error;
}

/**
 * The streamed answer. Its 200 is sent with the first progress line, not before: an import
 * refused before any row was read (the header, an undeclared consent purpose) still gets
 * its 400 like the plain answer does.
 */
class ProgressStream {
  started = false;

  constructor(private readonly res: Response) {}

  progress(progress: ImportProgress): void {
    if (!this.started) {
      this.started = true;
      // The request may still be uploading when the import ends (an error): closing the
      // connection afterwards is cheaper than reading the rest of a large file to keep it.
      this.res.writeHead(200, { 'content-type': NDJSON, 'cache-control': 'no-store', connection: 'close' });
    }
    this.res.write(streamLine({ progress }));
  }

  finish(line: ImportStreamLine): void {
    this.res.end(streamLine(line));
  }
}

function stoppedLine(error: unknown): ImportStreamLine {
  if (error instanceof ImportError) return { error: { code: error.code, message: error.message } };
  // As the error middleware does for a 500: the details go to the log, not to the caller.
  return { error: { code: 'internal', message: 'internal error; see the server log' } };
}

async function handleImport(kind: ImportKind, deps: ImportRouteDeps, req: Request, res: Response): Promise<void> {
  const stream = req.accepts(['application/json', NDJSON]) === NDJSON ? new ProgressStream(res) : undefined;
  try {
    requireCsv(req);
    const { mapping, chunkSize } = queryOf(req);
    const report = await importCsv({
      kind,
      input: req,
      mapping,
      apply: deps.apply,
      ...(chunkSize !== undefined ? { chunkSize } : {}),
      ...(stream ? { onProgress: (progress: ImportProgress) => stream.progress(progress) } : {}),
    });
    if (stream) stream.finish({ report });
    else res.json(report);
  } catch (error) {
    if (stream?.started) {
      const clientLeft = !req.complete && req.socket.destroyed;
      if (clientLeft) deps.logger?.info({ kind }, 'CSV import stopped: the client closed the connection');
      else if (!(error instanceof ImportError)) deps.logger?.error({ err: error, kind }, 'CSV import stopped');
      stream.finish(stoppedLine(error));
      return;
    }
    // The rest of the body is unread: closing the connection after the answer is cheaper
    // than reading (possibly gigabytes) to keep it alive.
    if (!req.complete) res.setHeader('Connection', 'close');
    throw asHttpError(error);
  }
}

export function importRoutes(deps: ImportRouteDeps): Router {
  const router = Router();
  router.post('/v1/import/profiles', (req, res) => handleImport('profiles', deps, req, res));
  router.post('/v1/import/events', (req, res) => handleImport('events', deps, req, res));
  return router;
}
