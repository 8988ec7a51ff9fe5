/**
 * The checker: every problem a program's AST has that the grammar cannot see. Names are
 * collected first (so declarations may come in any order), then each declaration is checked,
 * then the segment dependency graph. All problems are reported, none stops the others.
 */
import type { ConsentClause, ConsentDecl, Declaration, Name, Program, SegmentDecl, Span } from './ast.js';
import { assertNever } from './assert-never.js';
import { CheckContext, EMPTY_SCOPE } from './check-context.js';
import { checkBroadcast } from './check-broadcasts.js';
import { checkCondition } from './check-conditions.js';
import { checkJourney } from './check-journeys.js';
import { checkDuration, checkNonEmpty, checkString } from './check-values.js';
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
      case 'broadcast':
        checkBroadcast(ctx, decl);
        break;
      case 'recovered':
        break;
      default:
        assertNever(decl, 'declaration');
    }
    if (decl.kind !== 'recovered' && decl.title) checkString(ctx, decl.title, EMPTY_SCOPE);
  }
  checkSegmentCycles(
    ctx,
    program.declarations.filter((d): d is SegmentDecl => d.kind === 'segment'),
  );
  return ctx.diagnostics;
}

function declareNames(ctx: CheckContext, declarations: Declaration[]): void {
  const journeys = new Map<string, Name>();
  const broadcasts = new Map<string, Name>();
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
          : kind === 'journey'
            ? [journeys, Diagnostics.duplicateJourney]
            : [broadcasts, Diagnostics.duplicateBroadcast];
    const earlier = table.get(name.text);
    if (earlier) ctx.add(duplicate, name.span, name.text, earlier.span.line);
    else table.set(name.text, name);
  }
}

/** How each consent clause is written, for "already given" messages. */
const CONSENT_CLAUSE_TEXT: Record<ConsentClause['kind'], string> = {
  expires: 'expires after',
  remind: 'remind … before expiry',
  categories: 'categories',
  confirm: 'confirm with email',
};

function checkConsent(ctx: CheckContext, consent: ConsentDecl): void {
  const firstOfKind = new Map<ConsentClause['kind'], ConsentClause>();
  for (const clause of consent.clauses) {
    const first = firstOfKind.get(clause.kind);
    if (first) ctx.add(Diagnostics.duplicateConsentClause, clause.span, CONSENT_CLAUSE_TEXT[clause.kind], first.span.line);
    else firstOfKind.set(clause.kind, clause);
    if (clause.kind === 'expires' || clause.kind === 'remind') checkDuration(ctx, clause.duration);
    if (clause.kind === 'confirm') checkNonEmpty(ctx, clause.template, EMPTY_SCOPE, 'a template name');
  }
  checkCategories(
    ctx,
    consent.clauses.flatMap((clause) => (clause.kind === 'categories' ? clause.categories : [])),
  );
  const expiry = firstOfKind.get('expires');
  const reminder = firstOfKind.get('remind');
  if (reminder && !expiry) ctx.add(Diagnostics.reminderWithoutExpiry, reminder.span);
  if (reminder?.kind === 'remind' && expiry?.kind === 'expires') {
    const expiryMs = durationMs(expiry.duration);
    if (durationMs(reminder.duration) >= expiryMs && expiryMs > 0) ctx.add(Diagnostics.reminderNotBeforeExpiry, reminder.span);
  }
}

/**
 * The categories one consent lists: none empty, none twice. Categories match ignoring case
 * (consent/categories.ts), so "Email" after "email" is a repetition.
 */
function checkCategories(ctx: CheckContext, categories: { text: string; span: Span }[]): void {
  const seen = new Map<string, string>();
  for (const category of categories) {
    if (category.text.trim() === '') {
      ctx.add(Diagnostics.emptyCategory, category.span);
      continue;
    }
    checkString(ctx, { kind: 'string', value: category.text, span: category.span }, EMPTY_SCOPE);
    const key = category.text.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) ctx.add(Diagnostics.duplicateCategory, category.span, category.text, first);
    else seen.set(key, category.text);
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
