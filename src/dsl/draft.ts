/**
 * Compiling a draft of segments in the context of the deployed rules, for the preview:
 * the draft may refer to the rules' consents and segments, and a draft segment named like
 * a deployed one stands in for it. Diagnostics point into the draft.
 */
import type { Declaration } from './ast.js';
import { Diagnostics, report } from './codes.js';
import type { Diagnostic } from './diagnostics.js';
import { compile, parseProgram } from './index.js';
import type { ProgramIR } from './ir.js';

export interface DraftCompile {
  /** The deployed rules with the draft's segments in: present exactly when no diagnostic is an error. */
  ir?: ProgramIR;
  /** The segments the draft declares, in its order. */
  names: string[];
  diagnostics: Diagnostic[];
}

export function compileDraft(deployed: string, draft: string): DraftCompile {
  const parsed = parseProgram(draft);
  const own: Diagnostic[] = parsed.program.declarations
    .filter((declaration) => declaration.kind !== 'segment' && declaration.kind !== 'recovered')
    .map((declaration) => report(Diagnostics.previewTakesSegments, declaration.span, declaration.kind));
  const names = parsed.program.declarations.flatMap((declaration) => (declaration.kind === 'segment' ? [declaration.name.text] : []));
  if (names.length === 0 && parsed.diagnostics.length === 0 && own.length === 0) {
    own.push(report(Diagnostics.previewEmpty, { line: 1, column: 1, endLine: 1, endColumn: 1 }));
  }
  if (own.length > 0) return { names, diagnostics: [...parsed.diagnostics, ...own] };

  // The deployed declarations the draft replaces are blanked out, keeping every line where it was.
  const replaced = parseProgram(deployed).program.declarations.filter(
    (declaration) => declaration.kind === 'segment' && names.includes(declaration.name.text),
  );
  const context = blank(deployed, replaced);
  const lineOffset = context.split('\n').length;
  const { ir, diagnostics } = compile(`${context}\n${draft}`);
  const inDraft = diagnostics
    .filter((diagnostic) => diagnostic.line > lineOffset)
    .map((diagnostic) => ({ ...diagnostic, line: diagnostic.line - lineOffset, endLine: diagnostic.endLine - lineOffset }));
  // An error only the deployed part shows (the draft broke something there) is reported at the draft's start.
  const elsewhere = diagnostics
    .filter((diagnostic) => diagnostic.line <= lineOffset && diagnostic.severity === 'error')
    .map((diagnostic) => ({
      ...diagnostic,
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
      message: `in the deployed rules, line ${diagnostic.line}: ${diagnostic.message}`,
    }));
  return { ...(ir ? { ir } : {}), names, diagnostics: [...inDraft, ...elsewhere] };
}

function blank(source: string, declarations: readonly Declaration[]): string {
  const lines = source.split('\n');
  for (const { span } of declarations) {
    for (let line = span.line; line <= span.endLine; line++) {
      const text = lines[line - 1] ?? '';
      const from = line === span.line ? span.column - 1 : 0;
      const to = line === span.endLine ? span.endColumn - 1 : text.length;
      lines[line - 1] = text.slice(0, from) + ' '.repeat(Math.max(0, to - from)) + text.slice(to);
    }
  }
  return lines.join('\n');
}
