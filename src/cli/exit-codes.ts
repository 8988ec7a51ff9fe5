/**
 * What every `itinera` command answers with, and how it prints a diagnostic: shared by
 * src/cli.ts and the commands in this folder, which it dispatches to.
 */
import type { Diagnostic } from '../dsl/diagnostics.js';

export const EXIT_OK = 0;
/** The input has errors (diagnostics, unreadable files). */
export const EXIT_ERRORS = 1;
/** The command line itself is wrong. */
export const EXIT_USAGE = 2;

export function formatDiagnostic(path: string, d: Diagnostic): string {
  return `${path}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}
