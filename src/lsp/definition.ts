/** Go to definition: from a segment's or a consent's name to its declaration's name. */
import type { Location, Position } from 'vscode-languageserver';
import type { Analysis } from './analysis.js';
import { nameAt } from './names.js';
import { rangeOf } from './ranges.js';

export function definition(analysis: Analysis, uri: string, lineText: string, position: Position): Location | null {
  const found = nameAt(analysis, lineText, position);
  return found ? { uri, range: rangeOf(found.declared.name.span) } : null;
}
