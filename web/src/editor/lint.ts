/**
 * Diagnostics as you type: the program goes to the compile worker a moment after the last
 * key, its diagnostics come back underlined in place (@codemirror/lint) and are handed to
 * the page, which lists them below the editor.
 */
import { linter, type Diagnostic as EditorDiagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import type { CompileAnswer, Diagnostic } from './compile-protocol';
import type { CompilerClient } from './compiler-client';

/**
 * The pause after the last key before compiling. Short, since the compile runs in a worker
 * and typing never waits for it; long enough that a burst of keys compiles once.
 */
export const LINT_DELAY_MS = 60;

/** A 1-based line:column of the compiler as an offset in the document, kept inside it. */
export function offsetOf(doc: Text, line: number, column: number): number {
  const clampedLine = Math.min(Math.max(line, 1), doc.lines);
  const lineInfo = doc.line(clampedLine);
  return Math.min(lineInfo.from + Math.max(column - 1, 0), lineInfo.to);
}

function toEditorDiagnostic(doc: Text, diagnostic: Diagnostic): EditorDiagnostic {
  const from = offsetOf(doc, diagnostic.line, diagnostic.column);
  const to = Math.max(from, offsetOf(doc, diagnostic.endLine, diagnostic.endColumn));
  return {
    from,
    // An empty range (a missing token at the end of a line) still needs something to underline.
    to: to === from ? Math.min(from + 1, doc.length) : to,
    severity: diagnostic.severity,
    source: diagnostic.code,
    message: diagnostic.message,
  };
}

export function compilerLinter(compiler: CompilerClient, onAnswer: (answer: CompileAnswer, doc: Text) => void) {
  return linter(
    async (view) => {
      const doc = view.state.doc;
      const answer = await compiler.check(doc.toString());
      // A newer program was sent meanwhile: its own answer updates the page.
      if (view.state.doc !== doc) return [];
      onAnswer(answer, doc);
      return answer.diagnostics.map((diagnostic) => toEditorDiagnostic(doc, diagnostic));
    },
    { delay: LINT_DELAY_MS },
  );
}
