/**
 * What the language server knows of one open program: the compiler's diagnostics and the
 * consents and segments it declares, with where each is declared. Built once per version
 * of the document, read by every request on that version.
 */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Position } from 'vscode-languageserver';
import type { ConsentDecl, Name, Program, SegmentDecl, Span } from '../dsl/ast.js';
import { compile, parseProgram, type Diagnostic } from '../dsl/index.js';
import { sourceReader, type SourceReader } from '../dsl/source-text.js';
import { rangeOf } from './ranges.js';

/**
 * A declared name. `declaration` is absent when the parser recovered from a mistake in it:
 * while a marketer types, the name is still there to complete and to jump to.
 */
export interface Declared<D> {
  name: Name;
  span: Span;
  declaration?: D;
}

export interface Analysis {
  diagnostics: LspDiagnostic[];
  /** By name; the first declaration wins, as the checker reports the later ones as duplicates. */
  segments: Map<string, Declared<SegmentDecl>>;
  consents: Map<string, Declared<ConsentDecl>>;
  journeys: string[];
  /** Every declaration's kind, name and span, in source order. */
  outline: { kind?: string; name?: string; span: Span }[];
  reader: SourceReader;
}

/** Shown beside each diagnostic in editors that list where a problem came from. */
export const DIAGNOSTIC_SOURCE = 'itinera';

export function analyse(source: string): Analysis {
  // compile() parses too; parsing again costs a fraction of the check and keeps compile()
  // exactly as `itinera check` runs it.
  const { diagnostics } = compile(source);
  const { program } = parseProgram(source);
  return { diagnostics: diagnostics.map(toLsp), ...declared(program), reader: sourceReader(source) };
}

function toLsp(diagnostic: Diagnostic): LspDiagnostic {
  return {
    range: rangeOf(diagnostic),
    severity: diagnostic.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: diagnostic.code,
    source: DIAGNOSTIC_SOURCE,
    message: diagnostic.message,
  };
}

function declared(program: Program): Pick<Analysis, 'segments' | 'consents' | 'journeys' | 'outline'> {
  const segments = new Map<string, Declared<SegmentDecl>>();
  const consents = new Map<string, Declared<ConsentDecl>>();
  const journeys = new Set<string>();
  const outline: Analysis['outline'] = [];
  for (const declaration of program.declarations) {
    const kind = declaration.kind === 'recovered' ? declaration.declares : declaration.kind;
    const name = declaration.name;
    outline.push({ ...(kind ? { kind } : {}), ...(name ? { name: name.text } : {}), span: declaration.span });
    if (!name) continue;
    const entry = { name, span: declaration.span };
    if (kind === 'segment' && !segments.has(name.text))
      segments.set(name.text, declaration.kind === 'segment' ? { ...entry, declaration } : entry);
    if (kind === 'consent' && !consents.has(name.text))
      consents.set(name.text, declaration.kind === 'consent' ? { ...entry, declaration } : entry);
    if (kind === 'journey') journeys.add(name.text);
  }
  return { segments, consents, journeys: [...journeys], outline };
}

/**
 * The declaration the cursor is writing: the last one that starts before it. Not the one
 * whose span holds it, because a declaration the parser recovered from spans only its head.
 */
export function declarationAt(analysis: Analysis, position: Position): Analysis['outline'][number] | undefined {
  const line = position.line + 1;
  const column = position.character + 1;
  let writing: Analysis['outline'][number] | undefined;
  for (const entry of analysis.outline) {
    if (entry.span.line > line || (entry.span.line === line && entry.span.column >= column)) break;
    writing = entry;
  }
  return writing;
}
