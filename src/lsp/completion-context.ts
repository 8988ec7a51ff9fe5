/**
 * What is being completed, from the text of the line before the cursor: the same reading
 * of the words before the cursor as the console's editor (web/src/editor/completion.ts),
 * in plain strings so that it does not depend on an editor. `from` is the column where
 * the completed text starts (0-based, on the cursor's line).
 */
export type CompletionSite =
  /** Inside the string after `send email` or `confirm with email`. */
  | { kind: 'template'; from: number }
  /** Inside the string after `performed`, `wait for`, `exit on` or `of`. */
  | { kind: 'event'; from: number }
  /** After `"<event>" where …`: a property path of that event. */
  | { kind: 'property'; event: string; from: number }
  /** After `trait` (a condition, or `set trait`). */
  | { kind: 'trait'; from: number }
  /** After `segment` or `consent` that refers to one (not a declaration's own keyword). */
  | { kind: 'segment' | 'consent'; from: number }
  /** Anywhere else: a keyword or a declared name. */
  | { kind: 'word'; from: number };

const PATH_BEFORE = /[\w.]*$/;
const WORD_BEFORE = /\w*$/;

/** Where the string the cursor is in starts, when it follows one of the `opener` words. */
function stringAfter(before: string, opener: RegExp): number | undefined {
  const match = opener.exec(before);
  return match ? match.index + match[0].indexOf('"') + 1 : undefined;
}

export function completionSite(before: string): CompletionSite {
  const template = stringAfter(before, /email\s+"[^"]*$/);
  if (template !== undefined) return { kind: 'template', from: template };
  const event = stringAfter(before, /(?:performed|for|on|of)\s+"[^"]*$/);
  if (event !== undefined) return { kind: 'event', from: event };
  const pathFrom = before.length - PATH_BEFORE.exec(before)![0].length;
  const clause = /"([^"]+)"\s+where\s+(?:[^"]|"[^"]*")*$/.exec(before);
  if (clause) return { kind: 'property', event: clause[1]!, from: pathFrom };
  if (/\btrait\s+[\w.]*$/.test(before)) return { kind: 'trait', from: pathFrom };
  const wordFrom = before.length - WORD_BEFORE.exec(before)![0].length;
  const reference = /\b(segment|consent)\s+\w*$/.exec(before);
  // At the start of a line the word declares a new one: nothing of its kind to offer.
  if (reference && before.slice(0, reference.index).trim() !== '') return { kind: reference[1] as 'segment' | 'consent', from: wordFrom };
  return { kind: 'word', from: wordFrom };
}
