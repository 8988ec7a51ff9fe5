/**
 * Between the compiler's positions (1-based lines and columns, end column exclusive:
 * src/dsl/ast.ts) and the protocol's (0-based, end exclusive). Both count UTF-16 code
 * units, the protocol's default encoding, since the lexer reads JavaScript strings.
 */
import type { Range } from 'vscode-languageserver';
import type { Span } from '../dsl/ast.js';

export function rangeOf(span: Span): Range {
  return {
    start: { line: span.line - 1, character: span.column - 1 },
    end: { line: span.endLine - 1, character: span.endColumn - 1 },
  };
}
