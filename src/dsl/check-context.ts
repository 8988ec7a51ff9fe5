/**
 * What every checker needs: the declared names and a place to put diagnostics. One context
 * is made per `check` call, so no diagnostic outlives its compilation.
 */
import type { Diagnostic } from './diagnostics.js';
import type { Name, Span } from './ast.js';
import { Diagnostics, report, type DiagnosticDef } from './codes.js';
import { closestName } from './suggest.js';

/** Loop variables visible at a point in a journey, by name. */
export type Scope = ReadonlyMap<string, Name>;
export const EMPTY_SCOPE: Scope = new Map();

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  /** Declared consents and segments by name (the first declaration of each). */
  readonly consents = new Map<string, Name>();
  readonly segments = new Map<string, Name>();

  add<Args extends unknown[]>(definition: DiagnosticDef<Args>, span: Span, ...args: Args): void {
    this.diagnostics.push(report(definition, span, ...args));
  }

  /**
   * "Did you mean" answers by unknown name: a misspelt name is often used many times, and
   * each answer compares it with every declared name.
   */
  private readonly segmentSuggestions = new Map<string, string | undefined>();
  private readonly consentSuggestions = new Map<string, string | undefined>();

  resolveSegment(name: Name): void {
    if (!this.segments.has(name.text)) {
      this.add(Diagnostics.unknownSegment, name.span, name.text, suggestion(name.text, this.segments, this.segmentSuggestions));
    }
  }

  resolveConsent(name: Name): void {
    if (!this.consents.has(name.text)) {
      this.add(Diagnostics.unknownConsent, name.span, name.text, suggestion(name.text, this.consents, this.consentSuggestions));
    }
  }
}

/** The declared name closest to `unknown`, remembered in `answers`. (Names are all declared before any is resolved.) */
function suggestion(unknown: string, declared: ReadonlyMap<string, Name>, answers: Map<string, string | undefined>): string | undefined {
  if (!answers.has(unknown)) answers.set(unknown, closestName(unknown, declared.keys()));
  return answers.get(unknown);
}
