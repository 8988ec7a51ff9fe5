/**
 * CSV import over HTTP: `POST /v1/import/profiles` and `POST /v1/import/events`, the body
 * a CSV file (`Content-Type: text/csv`), the mapping in repeated `map=column=target[:type]`
 * query parameters (the syntax of `itinera import --map`).
 *
 * The body is streamed from the request into the import, never buffered, so its size is
 * not limited. 200 with the ImportReport (bad rows listed by line) once the file was read;
 * 400 when the mapping or the header make the file unusable; 415 for another body type.
 * Authentication (the admin key) is applied where the router is mounted.
 */
import { Router, type Request, type Response } from 'express';
import { importCsv, ImportError, parseColumnMapping, type ApplyMessages, type ColumnMapping, type ImportKind } from '../../import/csv-import.js';
import { badRequest, HttpError } from '../errors.js';

export interface ImportRouteDeps {
  apply: ApplyMessages;
}

/** text/csv, in UTF-8 (the only charset the import reads) when a charset is named. */
function requireCsv(req: Request): void {
  const [type = '', ...params] = (req.headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'text/csv') {
    throw new HttpError(415, 'unsupported_media_type', 'send the file as the body with Content-Type: text/csv');
  }
  const charset = params.find((param) => param.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError(415, 'unsupported_charset', `the file must be UTF-8, not ${charset}`);
  }
}

function mappingOf(req: Request): ColumnMapping {
  const raw = req.query.map;
  const specs = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (!specs.every((spec): spec is string => typeof spec === 'string')) {
    throw badRequest('bad_mapping', 'map must be given as map=column=target[:type], once per column');
  }
  return parseColumnMapping(specs);
}

function asHttpError(error: unknown): unknown {
  return error instanceof ImportError ? badRequest(error.code, error.message) : error;
}

async function handleImport(kind: ImportKind, deps: ImportRouteDeps, req: Request, res: Response): Promise<void> {
  try {
    requireCsv(req);
    const report = await importCsv({ kind, input: req, mapping: mappingOf(req), apply: deps.apply });
    res.json(report);
  } catch (error) {
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
