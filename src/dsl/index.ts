/**
 * The rule-language compiler: source text in, IR and diagnostics out. Each phase is its own
 * module and returns its problems as values; this function only chains them.
 */
import type { Diagnostic } from './diagnostics.js';
import type { ProgramIR } from './ir.js';
import { check } from './check.js';
import { lower } from './lower.js';
import { parse } from './parse.js';
import { clampToSource, compareDiagnostics } from './positions.js';
import { toAst } from './to-ast.js';

export interface CompileResult {
  /** Present exactly when no diagnostic is an error. */
  ir?: ProgramIR;
  diagnostics: Diagnostic[];
}

export function compile(source: string): CompileResult {
  const parsed = parse(source);
  const program = toAst(parsed.chunks);
  const diagnostics = [...parsed.diagnostics, ...check(program)]
    .map((diagnostic) => clampToSource(diagnostic, source))
    .sort(compareDiagnostics);
  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { diagnostics };
  return { ir: lower(program), diagnostics };
}

export type { Diagnostic, Severity } from './diagnostics.js';
export type { ProgramIR } from './ir.js';
