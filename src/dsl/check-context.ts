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

  resolveSegment(name: Name): void {
    if (!this.segments.has(name.text)) {
      this.add(Diagnostics.unknownSegment, name.span, name.text, closestName(name.text, this.segments.keys()));
    }
  }

  resolveConsent(name: Name): void {
    if (!this.consents.has(name.text)) {
      this.add(Diagnostics.unknownConsent, name.span, name.text, closestName(name.text, this.consents.keys()));
    }
  }
}
