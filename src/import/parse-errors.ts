/** csv-parse's errors as reasons a person can act on; its own messages carry its own (uncorrected) line numbers. */
import type { CsvError } from 'csv-parse';

export function reasonForCsvError(error: CsvError, maxRecordSize: number): string {
  switch (error.code) {
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'malformed quoting: a closing quote must be followed by "," or the end of the line (inside a quoted field, write a quote as "")';
    case 'INVALID_OPENING_QUOTE':
      return 'malformed quoting: a quote inside an unquoted field (quote the whole field and write the quote as "")';
    case 'CSV_MAX_RECORD_SIZE':
      return `the row is longer than ${maxRecordSize.toLocaleString('en-US')} characters (is a quote left open?)`;
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'malformed quoting: text after a closing quote';
    default:
      return `unreadable CSV: ${error.message}`;
  }
}

/** The end of the input inside a quoted field: everything from `from` on was swallowed by the open quote. */
export function reasonForUnclosedQuote(from: number, to: number): string {
  const span = to > from ? `lines ${from}–${to}` : `line ${from}`;
  return `a quoted field opened here is never closed, so the rest of the file (${span}) could not be read`;
}
