/**
 * The answer of a streamed import (`Accept: application/x-ndjson` on POST /v1/import/…):
 * one JSON object per line, as the import goes. Progress lines while the file is read, then
 * exactly one last line: the report, or the error that stopped the import. Shared by the
 * route that writes it and `itinera import`, which reads it.
 */
import type { ImportProgress, ImportReport } from './types.js';

export const NDJSON = 'application/x-ndjson';

export type ImportStreamLine =
  | { progress: ImportProgress }
  | { report: ImportReport }
  /** The import stopped after it had started: the rows applied so far stay applied. */
  | { error: { code: string; message: string } };

export const streamLine = (line: ImportStreamLine): string => `${JSON.stringify(line)}\n`;
