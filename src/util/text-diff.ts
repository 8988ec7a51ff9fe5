/**
 * A line diff of two texts as a unified diff: the patch text (what `diff -u` prints, for
 * people and tools) and its hunks as data (for a side-by-side view).
 */
import { formatPatch, structuredPatch, type StructuredPatch } from 'diff';

export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Each line prefixed by ` ` (context), `-` (only in the old text) or `+` (only in the new). */
  lines: string[];
}

export interface TextDiff {
  patch: string;
  hunks: DiffHunk[];
}

/** Lines of context around each change, as `diff -u`. */
const CONTEXT = 3;
/**
 * Two programs of a megabyte that share nothing would keep the event loop busy for long:
 * beyond this many differing lines the diff is "everything removed, everything added".
 */
const MAX_EDIT_LENGTH = 20_000;

export function textDiff(oldName: string, newName: string, oldText: string, newText: string): TextDiff {
  const structured =
    structuredPatch(oldName, newName, oldText, newText, undefined, undefined, { context: CONTEXT, maxEditLength: MAX_EDIT_LENGTH }) ??
    replaceAll(oldName, newName, oldText, newText);
  return {
    patch:
      structured.hunks.length === 0
        ? ''
        : formatPatch(structured, { includeIndex: false, includeUnderline: false, includeFileHeaders: true }),
    // "\ No newline at end of file" marks belong to the patch text; the data keeps lines only.
    hunks: structured.hunks.map(({ oldStart, oldLines, newStart, newLines, lines }) => ({
      oldStart,
      oldLines,
      newStart,
      newLines,
      lines: lines.filter((line) => !line.startsWith('\\')),
    })),
  };
}

function replaceAll(oldName: string, newName: string, oldText: string, newText: string): StructuredPatch {
  const linesOf = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const removed = linesOf(oldText);
  const added = linesOf(newText);
  return {
    oldFileName: oldName,
    newFileName: newName,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: [
      {
        // As `diff -u` numbers an empty side: the line before the first, 0.
        oldStart: removed.length === 0 ? 0 : 1,
        oldLines: removed.length,
        newStart: added.length === 0 ? 0 : 1,
        newLines: added.length,
        lines: [...removed.map((line) => `-${line}`), ...added.map((line) => `+${line}`)],
      },
    ],
  };
}
