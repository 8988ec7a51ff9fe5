/** Source spans of tokens and token ranges, robust to the position-less tokens of error recovery. */
import type { IToken } from 'chevrotain';
import type { Span } from './ast.js';

export function hasPosition(token: IToken | undefined): token is IToken {
  return token !== undefined && Number.isFinite(token.startLine) && Number.isFinite(token.startColumn);
}

/** The span of one token (its end column made exclusive). */
export function tokenSpan(token: IToken): Span {
  const line = token.startLine ?? 1;
  const column = token.startColumn ?? 1;
  return {
    line,
    column,
    endLine: token.endLine ?? line,
    endColumn: (token.endColumn ?? column) + 1,
  };
}

/** From the start of `first` to the end of `last`. */
export function joinSpans(first: Span, last: Span): Span {
  return { line: first.line, column: first.column, endLine: last.endLine, endColumn: last.endColumn };
}

/** The zero-width span just after a token: where something missing should have been. */
export function spanAfter(token: IToken): Span {
  const end = tokenSpan(token);
  return { line: end.endLine, column: end.endColumn, endLine: end.endLine, endColumn: end.endColumn };
}

/** The position after the last character of the source, for errors at the end of the file. */
export function endOfSource(source: string): Span {
  const lines = source.split(/\r\n|\r|\n/);
  const line = lines.length;
  const column = (lines[line - 1] ?? '').length + 1;
  return { line, column, endLine: line, endColumn: column };
}
