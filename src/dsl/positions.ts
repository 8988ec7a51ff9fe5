/** Keeping diagnostics inside the file and in reading order. */
import type { Diagnostic } from './diagnostics.js';

/**
 * Pulls a diagnostic's range inside the source (lines 1..n, columns 1..length+1), so that
 * an editor or `path:line:col` never points past the end of a line or the file, whatever a
 * phase computed for tokens invented during error recovery. The source's line lengths are
 * measured once, not once per diagnostic (a file with many errors made that quadratic).
 */
export function sourceClamp(source: string): (diagnostic: Diagnostic) => Diagnostic {
  let lineLengths: number[] | undefined;
  return (diagnostic) => {
    lineLengths ??= source.split(/\r\n|\r|\n/).map((line) => line.length);
    return clampToLines(diagnostic, lineLengths);
  };
}

function clampToLines(diagnostic: Diagnostic, lineLengths: number[]): Diagnostic {
  const clampLine = (line: number): number => Math.min(Math.max(1, Number.isFinite(line) ? Math.trunc(line) : 1), lineLengths.length);
  const clampColumn = (line: number, column: number): number =>
    Math.min(Math.max(1, Number.isFinite(column) ? Math.trunc(column) : 1), (lineLengths[line - 1] ?? 0) + 1);
  const line = clampLine(diagnostic.line);
  const column = clampColumn(line, diagnostic.column);
  let endLine = clampLine(diagnostic.endLine);
  let endColumn = clampColumn(endLine, diagnostic.endColumn);
  if (endLine < line || (endLine === line && endColumn < column)) {
    endLine = line;
    endColumn = column;
  }
  return { ...diagnostic, line, column, endLine, endColumn };
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.line - b.line || a.column - b.column || a.code.localeCompare(b.code);
}
