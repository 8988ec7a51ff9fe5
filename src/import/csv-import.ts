/**
 * The CSV import engine, independent of the database: it streams a CSV file, turns each
 * row into an identify (profiles) or track (events) message valid per segment-spec.ts,
 * and hands the valid ones to `apply` in chunks. Bad rows are reported with their line;
 * the good rows around them are imported.
 *
 * Memory is bounded whatever the file size: csv-parse reads only as fast as rows are
 * consumed, and consumption waits while a chunk is being applied and the next is full
 * (see SerialApplier). `apply` failing stops the import and rejects it; the chunks
 * already applied stay applied, and a re-import skips them (see message-id.ts).
 *
 * A mapping with consent columns records consent for its purposes; when `apply` can tell
 * the purposes the active rules declare, an undeclared one fails the import before the
 * file is read.
 *
 *   read (csv-parse) → line numbers → header → columns → row → message → chunk → apply
 */
import { Parser, type CsvError } from 'csv-parse';
import { resolveColumns, type ResolvedColumn } from './columns.js';
import { ImportError } from './errors.js';
import { breaksIn, LineTracker } from './line-numbers.js';
import { consentPurposes, type ColumnMapping } from './mapping.js';
import { reasonForCsvError, reasonForUnclosedQuote } from './parse-errors.js';
import { rowToMessage } from './row-message.js';
import { RowTally } from './row-tally.js';
import { SerialApplier } from './serial-applier.js';
import type { ApplyMessages, ImportKind, ImportMessage, ImportProgress, ImportReport } from './types.js';

export { ImportError, type ImportErrorCode } from './errors.js';
export { consentPurposes, parseColumnMapping, parseMappingSpec, type ColumnMapping, type ColumnTarget, type ValueType } from './mapping.js';
export { defaultTarget } from './columns.js';
export type { ApplyMessages, ImportKind, ImportMessage, ImportProgress, ImportReport, RowError } from './types.js';

export const DEFAULT_CHUNK_SIZE = 500;
export const DEFAULT_MAX_REPORTED_ERRORS = 1000;
/** csv-parse's guard against a runaway field (an unclosed quote): no row may be longer. */
const MAX_RECORD_CHARS = 128_000;

export interface ImportOptions {
  kind: ImportKind;
  /** The CSV file as bytes (UTF-8, an optional BOM is skipped). The caller owns it: it is not destroyed here. */
  input: NodeJS.ReadableStream;
  /** Overrides for some columns; the others get the default mapping (see columns.ts). */
  mapping?: ColumnMapping;
  apply: ApplyMessages;
  /** Messages per call of `apply`. */
  chunkSize?: number;
  /** Called every `chunkSize` rows and once at the end. */
  onProgress?: (progress: ImportProgress) => void;
  maxReportedErrors?: number;
}

interface ParsedRecord {
  record: string[];
  /** csv-parse's count of the line the record ends on. */
  lines: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}

/**
 * csv-parse's parser, each record paired with the line it ends on. csv-parse's own
 * `info: true` copies its whole info object per record, which doubles the parse time of
 * a large file; the line count is all the import needs.
 */
class LineNumberedParser extends Parser {
  override push(record: unknown, encoding?: BufferEncoding): boolean {
    return super.push(record === null ? null : { record, lines: this.info.lines }, encoding);
  }
}

/** A parser that reports a malformed row (as a 'skip' event) and goes on with the next one. */
function csvParser(): Parser {
  return new LineNumberedParser({
    bom: true,
    // Rows with too few or too many fields are reported by the import, with a clearer reason.
    relax_column_count: true,
    skip_records_with_error: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
  });
}

/**
 * After `"abc"x`, csv-parse skips the record but stays inside the quoted field, so the
 * rest of the file would become one unclosed field. Leaving the quote here makes it
 * resume at the next line. `state` is csv-parse's internal parser state, exposed on the
 * stream; without it the import still works, it just loses the rest of such a file (and
 * reports it as an unclosed quote).
 */
function resumeAfterBadQuote(parser: Parser, error: CsvError): void {
  if (error.code !== 'CSV_INVALID_CLOSING_QUOTE') return;
  const state = (parser as unknown as { state?: { quoting?: boolean } }).state;
  if (state && state.quoting === true) state.quoting = false;
}

/**
 * Connects the caller's stream to the parser. An input error or an input that closes
 * before its end fails the parser, and so the import; on cleanup the input is detached
 * and left to its owner (an HTTP request must stay open for the answer).
 */
function feed(input: NodeJS.ReadableStream, parser: Parser): () => void {
  let ended = false;
  const onEnd = () => {
    ended = true;
  };
  const onError = (error: unknown) => parser.destroy(error instanceof Error ? error : new Error(String(error)));
  const onClose = () => {
    if (!ended) parser.destroy(new Error('the input closed before its end'));
  };
  input.on('end', onEnd);
  input.on('error', onError);
  input.on('close', onClose);
  input.pipe(parser);
  return () => {
    input.unpipe(parser);
    input.removeListener('end', onEnd);
    input.removeListener('error', onError);
    input.removeListener('close', onClose);
    parser.destroy();
  };
}

export async function importCsv(options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const { kind, input, apply, onProgress } = options;
  const mapping = options.mapping ?? new Map();
  const chunkSize = positiveInteger('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const tally = new RowTally(options.maxReportedErrors ?? DEFAULT_MAX_REPORTED_ERRORS);
  const applier = new SerialApplier(apply);
  const lines = new LineTracker();
  await checkPurposes(mapping, apply);
  const parser = csvParser();

  // Skip errors arrive when csv-parse meets them, ahead of the records still buffered
  // before them; they are queued and reported in file order as the records are consumed.
  const skipped: CsvError[] = [];
  parser.on('skip', (error: CsvError) => {
    resumeAfterBadQuote(parser, error);
    // One malformed record can raise several errors; it is one bad row.
    if (skipped.at(-1)?.records !== error.records) skipped.push(error);
  });
  const reportSkipsBefore = (parserLine: number) => {
    while (skipped.length > 0 && (skipped[0]!.lines as number) < parserLine) {
      const error = skipped.shift()!;
      if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
        const from = lines.nextLine;
        tally.addBad(from, reasonForUnclosedQuote(from, lines.error(error.lines as number)));
      } else {
        tally.addBad(lines.error(error.lines as number), reasonForCsvError(error, MAX_RECORD_CHARS));
      }
    }
  };

  let columns: ResolvedColumn[] | undefined;
  let headerLength = 0;
  let chunk: ImportMessage[] = [];
  const detach = feed(input, parser);
  try {
    for await (const { record, lines: parserLines } of parser as AsyncIterable<ParsedRecord>) {
      applier.throwIfFailed();
      const breaks = breaksIn(record);
      const parserStart = LineTracker.parserStart(breaks, parserLines);
      if (columns === undefined) {
        const before = skipped[0];
        if (before !== undefined && (before.lines as number) < parserStart) throw unreadableHeader(before);
        lines.record(breaks, parserLines);
        columns = resolveColumns(record, mapping, kind);
        headerLength = record.length;
        continue;
      }
      reportSkipsBefore(parserStart);
      const at = lines.record(breaks, parserLines);
      if (record.length !== headerLength) {
        tally.addBad(at.start, `expected ${headerLength} fields, as in the header, but found ${record.length}`);
      } else {
        const outcome = rowToMessage(kind, columns, record);
        if (outcome.kind === 'blank') continue;
        if (outcome.kind === 'bad') tally.addBad(at.start, outcome.reason);
        else {
          tally.addGood();
          chunk.push(outcome.message, ...outcome.consents);
        }
      }
      if (chunk.length >= chunkSize) {
        await applier.submit(chunk);
        chunk = [];
      }
      if (tally.rows % chunkSize === 0) onProgress?.(tally.progress(parser.info.bytes));
    }
    if (columns === undefined) {
      throw skipped.length > 0
        ? unreadableHeader(skipped[0]!)
        : new ImportError('no_header', 'the file is empty: the first line must be a header row naming the columns');
    }
    reportSkipsBefore(Number.POSITIVE_INFINITY);
    if (chunk.length > 0) await applier.submit(chunk);
    await applier.finish();
  } catch (error) {
    await applier.settle();
    throw error;
  } finally {
    detach();
  }
  onProgress?.(tally.progress(parser.info.bytes));
  return {
    rows: tally.rows,
    good: tally.good,
    bad: tally.bad,
    errors: tally.errors,
    errorsTruncated: tally.errorsTruncated,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Every purpose the mapping records consent for must be declared in the active rules. */
async function checkPurposes(mapping: ColumnMapping, apply: ApplyMessages): Promise<void> {
  const purposes = consentPurposes(mapping);
  if (purposes.length === 0 || apply.declaredPurposes === undefined) return;
  const declared = await apply.declaredPurposes();
  const undeclared = purposes.filter((purpose) => !declared.includes(purpose));
  if (undeclared.length === 0) return;
  const listed = declared.length > 0 ? declared.join(', ') : 'none (deploy rules that declare a consent)';
  const named = undeclared.map((purpose) => `"${purpose}"`).join(', ');
  throw new ImportError(
    'unknown_purpose',
    `consent ${undeclared.length === 1 ? 'purpose' : 'purposes'} ${named} ${undeclared.length === 1 ? 'is' : 'are'} not declared in the active rules; declared: ${listed}`,
  );
}

function unreadableHeader(error: CsvError): ImportError {
  return new ImportError('no_header', `line 1: the header row cannot be read: ${reasonForCsvError(error, MAX_RECORD_CHARS)}`);
}
