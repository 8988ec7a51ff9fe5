/**
 * Between the compiler's positions (1-based lines and columns, end column exclusive:
 * src/dsl/ast.ts) and the protocol's (0-based, end exclusive). Both count UTF-16 code
 * units, the protocol's default encoding, since the lexer reads JavaScript strings.
 */
import type { Position, Range } from 'vscode-languageserver';
import type { Span } from '../dsl/ast.js';

export function rangeOf(span: Span): Range {
  return {
    start: { line: span.line - 1, character: span.column - 1 },
    end: { line: span.endLine - 1, character: span.endColumn - 1 },
  };
}

/** True when the position is inside the span or just after its last character (where a cursor sits after typing a name). */
export function spanHolds(span: Span, position: Position): boolean {
  const line = position.line + 1;
  const column = position.character + 1;
  if (line < span.line || line > span.endLine) return false;
  if (line === span.line && column < span.column) return false;
  if (line === span.endLine && column > span.endColumn) return false;
  return true;
}
