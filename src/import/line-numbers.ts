/**
 * Line numbers as an editor shows them, for records that may span lines.
 *
 * csv-parse's `info.lines` is the line on which a record ends, but it counts every "\r"
 * and every "\n" inside a quoted field as a line of its own, so a field holding "\r\n"
 * moves every later number one too far. This tracker corrects for that and gives each
 * record the line it starts on.
 */
export interface RecordLines {
  /** The line the record starts on, 1-based, as an editor counts. */
  start: number;
  /** The line the record ends on, 1-based, as an editor counts. */
  end: number;
}

export interface BreakCount {
  /** "\r" and "\n" characters: what csv-parse counts. */
  chars: number;
  /** "\r\n" pairs: counted twice by csv-parse, once by an editor. */
  pairs: number;
}

export function breaksIn(record: readonly string[]): BreakCount {
  const count = { chars: 0, pairs: 0 };
  for (const field of record) {
    // Most fields have no line break; two indexOf calls are cheaper than a character loop.
    if (field.indexOf('\n') === -1 && field.indexOf('\r') === -1) continue;
    for (let i = 0; i < field.length; i++) {
      const code = field.charCodeAt(i);
      if (code === 10) count.chars++;
      else if (code === 13) {
        count.chars++;
        if (field.charCodeAt(i + 1) === 10) count.pairs++;
      }
    }
  }
  return count;
}

export class LineTracker {
  /** How far csv-parse's line count has run ahead of the true one so far. */
  private overcount = 0;
  /** The first line after the last record or error seen. */
  private after = 1;

  /** Where csv-parse thinks a record starts, to order its skip errors among the records. */
  static parserStart(breaks: BreakCount, parserEndLine: number): number {
    return parserEndLine - breaks.chars;
  }

  /** Call once per record, in order, after the errors before it, with `info.lines` of that record. */
  record(breaks: BreakCount, parserEndLine: number): RecordLines {
    this.overcount += breaks.pairs;
    const end = parserEndLine - this.overcount;
    this.after = end + 1;
    return { start: end - (breaks.chars - breaks.pairs), end };
  }

  /** The true line of a csv-parse error at `parserLine`, once the records before it are counted. */
  error(parserLine: number): number {
    const line = parserLine - this.overcount;
    this.after = line + 1;
    return line;
  }

  /** The first line not yet covered by a record or an error. */
  get nextLine(): number {
    return this.after;
  }
}
