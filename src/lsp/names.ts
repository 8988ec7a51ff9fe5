/**
 * Which declared segment or consent the cursor is on, for hover and go to definition. The
 * word before a name says which kind it is (`in segment x`, `requires consent x`, and the
 * declaration's own `segment x {`); a name without one is looked up as a segment first.
 */
import type { Position } from 'vscode-languageserver';
import type { ConsentDecl, SegmentDecl } from '../dsl/ast.js';
import type { Analysis, Declared } from './analysis.js';

export type NameAtCursor =
  { kind: 'segment'; name: string; declared: Declared<SegmentDecl> } | { kind: 'consent'; name: string; declared: Declared<ConsentDecl> };

/** The word the cursor is in or just after, with its start (0-based, on the line). */
function wordAt(lineText: string, character: number): { word: string; start: number } | undefined {
  const before = /\w*$/.exec(lineText.slice(0, character))![0];
  const after = /^\w*/.exec(lineText.slice(character))![0];
  const word = before + after;
  return /^[A-Za-z_]/.test(word) ? { word, start: character - before.length } : undefined;
}

export function nameAt(analysis: Analysis, lineText: string, position: Position): NameAtCursor | undefined {
  const found = wordAt(lineText, position.character);
  if (!found) return undefined;
  const said = /\b(segment|consent)\s+$/.exec(lineText.slice(0, found.start))?.[1];
  const segment = said !== 'consent' ? analysis.segments.get(found.word) : undefined;
  if (segment) return { kind: 'segment', name: found.word, declared: segment };
  const consent = said !== 'segment' ? analysis.consents.get(found.word) : undefined;
  if (consent) return { kind: 'consent', name: found.word, declared: consent };
  return undefined;
}
