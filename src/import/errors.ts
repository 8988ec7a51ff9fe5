/**
 * Why an import cannot start: the mapping or the header make every row unusable. Bad
 * rows are not errors of this kind; they are reported line by line in the ImportReport.
 */
export type ImportErrorCode =
  /** A `--map` / `map=` spec is malformed or names an unknown target or type. */
  | 'bad_mapping'
  /** The file is empty or its first line is not a readable header row. */
  | 'no_header'
  /** The header cannot be mapped: duplicate names, no id column, unsafe trait names… */
  | 'bad_header'
  /** A consent column names a purpose the active rules do not declare. */
  | 'unknown_purpose';

export class ImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}
