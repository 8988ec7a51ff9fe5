/**
 * The checker: every problem a program's AST has that the grammar cannot see. Names are
 * collected first (so declarations may come in any order), then each declaration is checked,
 * then the segment dependency graph. All problems are reported, none stops the others.
 */
import type { ConsentDecl, Declaration, Name, Program, SegmentDecl } from './ast.js';
import { assertNever } from './assert-never.js';
import { CheckContext, EMPTY_SCOPE } from './check-context.js';
import { checkCondition } from './check-conditions.js';
import { checkJourney } from './check-journeys.js';
import { checkDuration, checkString } from './check-values.js';
import type { Diagnostic } from './diagnostics.js';
import { Diagnostics } from './codes.js';
import { durationMs } from './literals.js';
import { atomsOf } from './walk.js';

export function check(program: Program): Diagnostic[] {
  const ctx = new CheckContext();
  declareNames(ctx, program.declarations);
  for (const decl of program.declarations) {
    switch (decl.kind) {
      case 'consent':
        checkConsent(ctx, decl);
        break;
      case 'segment':
        checkCondition(ctx, decl.condition, EMPTY_SCOPE);
        break;
      case 'journey':
        checkJourney(ctx, decl);
        break;
      case 'recovered':
        break;
      default:
        assertNever(decl, 'declaration');
    }
    if (decl.kind !== 'recovered' && decl.title) checkString(ctx, decl.title, EMPTY_SCOPE);
  }
  checkSegmentCycles(ctx, program.declarations.filter((d): d is SegmentDecl => d.kind === 'segment'));
  return ctx.diagnostics;
}

function declareNames(ctx: CheckContext, declarations: Declaration[]): void {
  const journeys = new Map<string, Name>();
  for (const decl of declarations) {
    const kind = decl.kind === 'recovered' ? decl.declares : decl.kind;
    const name = decl.name;
    if (!kind || !name) continue;
    if (name.text !== name.text.toLowerCase()) ctx.add(Diagnostics.uppercaseName, name.span, name.text);
    const [table, duplicate] =
      kind === 'consent'
        ? [ctx.consents, Diagnostics.duplicateConsent]
        : kind === 'segment'
          ? [ctx.segments, Diagnostics.duplicateSegment]
          : [journeys, Diagnostics.duplicateJourney];
    const earlier = table.get(name.text);
    if (earlier) ctx.add(duplicate, name.span, name.text, earlier.span.line);
    else table.set(name.text, name);
  }
}

function checkConsent(ctx: CheckContext, consent: ConsentDecl): void {
  const expires = consent.clauses.filter((clause) => clause.kind === 'expires');
  const reminds = consent.clauses.filter((clause) => clause.kind === 'remind');
  for (const clause of consent.clauses) checkDuration(ctx, clause.duration);
  for (const extra of expires.slice(1)) ctx.add(Diagnostics.duplicateConsentClause, extra.span, 'expires after', expires[0]!.span.line);
  for (const extra of reminds.slice(1)) ctx.add(Diagnostics.duplicateConsentClause, extra.span, 'remind … before expiry', reminds[0]!.span.line);
  const [expiry] = expires;
  const [reminder] = reminds;
  if (reminder && !expiry) ctx.add(Diagnostics.reminderWithoutExpiry, reminder.span);
  if (reminder && expiry && durationMs(reminder.duration) >= durationMs(expiry.duration) && durationMs(expiry.duration) > 0) {
    ctx.add(Diagnostics.reminderNotBeforeExpiry, reminder.span);
  }
}

/**
 * A segment may not depend on itself, directly or through others: membership would have no
 * meaning. Each cycle is reported once, at the `in segment` that closes it.
 */
function checkSegmentCycles(ctx: CheckContext, segments: SegmentDecl[]): void {
  const byName = new Map(segments.map((segment) => [segment.name.text, segment]));
  const references = (segment: SegmentDecl) =>
    atomsOf(segment.condition).flatMap((atom) => (atom.kind === 'inSegment' && byName.has(atom.segment.text) ? [atom.segment] : []));
  const state = new Map<string, 'visiting' | 'done'>();
  const inCycle = new Set<string>();
  const path: string[] = [];

  const visit = (segment: SegmentDecl): void => {
    const name = segment.name.text;
    state.set(name, 'visiting');
    path.push(name);
    for (const reference of references(segment)) {
      const target = reference.text;
      if (state.get(target) === 'visiting') {
        const cycle = [...path.slice(path.indexOf(target)), target];
        if (!cycle.some((member) => inCycle.has(member))) ctx.add(Diagnostics.segmentCycle, reference.span, cycle);
        cycle.forEach((member) => inCycle.add(member));
      } else if (!state.has(target)) {
        visit(byName.get(target)!);
      }
    }
    path.pop();
    state.set(name, 'done');
  };
  for (const segment of segments) if (!state.has(segment.name.text)) visit(segment);
}
