/**
 * The rule-language compiler: source text in, IR and diagnostics out. Each phase is its own
 * module and returns its problems as values; this function only chains them.
 */
import type { Program } from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import type { ProgramIR } from './ir.js';
import { check } from './check.js';
import { lower } from './lower.js';
import { lex, parseChunks } from './parse.js';
import { compareDiagnostics, sourceClamp } from './positions.js';
import { toDeclarations } from './to-ast.js';

export interface CompileResult {
  /** Present exactly when no diagnostic is an error. */
  ir?: ProgramIR;
  diagnostics: Diagnostic[];
}

export function compile(source: string): CompileResult {
  const parsed = parseProgram(source);
  const diagnostics = [...parsed.diagnostics, ...check(parsed.program)].map(sourceClamp(source)).sort(compareDiagnostics);
  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { diagnostics };
  return { ir: lower(parsed.program), diagnostics };
}

/**
 * Lexing, parsing and CST → AST, chunk by chunk: each chunk's CST becomes AST before the
 * next chunk is parsed, so only one CST is alive at a time.
 */
export function parseProgram(source: string): { program: Program; diagnostics: Diagnostic[] } {
  const lexed = lex(source);
  const diagnostics = [...lexed.diagnostics];
  const program: Program = { declarations: [] };
  for (const chunk of parseChunks(source, lexed.tokens)) {
    diagnostics.push(...chunk.diagnostics);
    program.declarations.push(...toDeclarations(chunk));
  }
  return { program, diagnostics };
}

export type { Diagnostic, Severity } from './diagnostics.js';
export type { ProgramIR } from './ir.js';
