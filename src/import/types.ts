/** The vocabulary shared by the CSV import modules. */
import type { IngestMessage } from '../ingest/ingest.js';

/** What a file holds: one profile per row (identify) or one event per row (track). */
export type ImportKind = 'profiles' | 'events';

export const IMPORT_KINDS: readonly ImportKind[] = ['profiles', 'events'];

/** A message an import produces: an identify (profiles) or a track (events), valid per segment-spec.ts. */
export type ImportMessage = Extract<IngestMessage, { type: 'identify' | 'track' }>;

/** Hands one chunk of valid messages to ingestion; resolves once they are stored. */
export interface ApplyMessages {
  (messages: ImportMessage[]): Promise<void>;
  /**
   * The consent purposes the active rules declare, when the target can read them: an
   * import with consent columns for another purpose then fails before applying anything.
   */
  declaredPurposes?: () => Promise<readonly string[]>;
}

/** A row that was not imported: its 1-based line in the file (the header is line 1) and why. */
export interface RowError {
  line: number;
  reason: string;
}

export interface ImportProgress {
  /** Data rows read so far (the header and blank lines are not rows). */
  rows: number;
  good: number;
  bad: number;
  /** Bytes of the file parsed so far. */
  bytes: number;
}

export interface ImportReport {
  rows: number;
  good: number;
  bad: number;
  /** The first `maxReportedErrors` bad rows, in file order. */
  errors: RowError[];
  /** True when there were more bad rows than `errors` lists. */
  errorsTruncated: boolean;
  durationMs: number;
}
