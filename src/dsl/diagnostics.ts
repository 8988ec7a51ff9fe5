/**
 * Diagnostics are values, never exceptions: every phase returns the problems it found
 * and the compiler reports all of them in one run.
 */

export type Severity = 'error' | 'warning';

/** Positions are 1-based, as editors and `path:line:col` output count them. */
export interface Diagnostic {
  /** Stable code, `ITN` + four digits; documented in docs/language.md. */
  code: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}
