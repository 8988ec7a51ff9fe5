/** Messages between the editor and its compile worker (./compile-worker.ts). */
import type { CatalogSnapshot } from '../../../src/dsl/check-data.js';
import type { Diagnostic } from '../../../src/dsl/diagnostics.js';

export interface CompileRequest {
  id: number;
  source: string;
}

/**
 * What the server knows of the data (GET /v1/catalog): once it is sent, every compile adds
 * the data's warnings (an event never received, a template that does not exist…), as
 * `itinera check` and the deploy summary do.
 */
export interface DataFactsMessage {
  facts: { catalog: CatalogSnapshot; templates: string[] };
}

/** What a program declares, for completion. */
export interface DeclaredNames {
  consents: string[];
  segments: string[];
  journeys: string[];
  /** Templates the program sends (`send email "…"`), beside the server's own list. */
  templates: string[];
}

/** The worker's first message: it listens now. What is posted before may be lost, so the client waits for it. */
export interface WorkerReady {
  ready: true;
}

export interface CompileAnswer {
  id: number;
  diagnostics: Diagnostic[];
  declared: DeclaredNames;
  /** How long the compiler took, in ms: shown to developers, measured by the bench. */
  compileMs: number;
}

export type { Diagnostic };
