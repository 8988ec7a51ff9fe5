/** The text of the source that a span covers (spans are 1-based, end column exclusive: ast.ts). */
import type { Span } from './ast.js';

/** Where each line of `source` starts, as an offset (lines end at "\n", "\r\n" or "\r", as the lexer counts them). */
export function lineStarts(source: string): number[] {
  const starts = [0];
  for (let index = 0; index < source.length; index++) {
    const char = source[index];
    if (char === '\r' && source[index + 1] === '\n') index++;
    if (char === '\r' || char === '\n') starts.push(index + 1);
  }
  return starts;
}

/** Reads spans of one source: the line table is built once. */
export function sourceReader(source: string) {
  const starts = lineStarts(source);
  const offset = (line: number, column: number) => Math.min(source.length, (starts[line - 1] ?? source.length) + column - 1);
  return {
    /** The text from the start of `from` to the end of `to` (the same span when `to` is absent). */
    text(from: Span, to: Span = from): string {
      return source.slice(offset(from.line, from.column), offset(to.endLine, to.endColumn));
    },
    /** The same, on one line with runs of white space as one space: a label. */
    label(from: Span, to: Span = from): string {
      return this.text(from, to).replace(/\s+/g, ' ').trim();
    },
  };
}

export type SourceReader = ReturnType<typeof sourceReader>;
