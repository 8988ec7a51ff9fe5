/** Messages between the editor and its compile worker (./compile-worker.ts). */
import type { Diagnostic } from '../../../src/dsl/diagnostics.js';

export interface CompileRequest {
  id: number;
  source: string;
}

/** What a program declares, for completion. */
export interface DeclaredNames {
  consents: string[];
  segments: string[];
  journeys: string[];
  /** Templates the program sends (`send email "…"`), beside the server's own list. */
  templates: string[];
}

export interface CompileAnswer {
  id: number;
  diagnostics: Diagnostic[];
  declared: DeclaredNames;
  /** How long the compiler took, in ms: shown to developers, measured by the bench. */
  compileMs: number;
}

export type { Diagnostic };
