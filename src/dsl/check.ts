/** Placeholder: replaced by the full checker. */
import type { Program } from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { Diagnostics, report } from './codes.js';

export function check(program: Program): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const decl of program.declarations) {
    if (decl.kind !== 'journey') continue;
    if (!decl.items.some((item) => item.kind === 'trigger')) diagnostics.push(report(Diagnostics.missingTrigger, decl.name.span, decl.name.text));
  }
  return diagnostics;
}
