/** Checks of profile conditions and `where` clauses. */
import type { BoolExpr, Condition, ConditionAtom, PropAtom, PropCondition } from './ast.js';
import { assertNever } from './assert-never.js';
import type { CheckContext, Scope } from './check-context.js';
import { checkComparison, checkDuration, checkNonEmpty } from './check-values.js';
import { Diagnostics } from './codes.js';

function checkBool<Atom>(expr: BoolExpr<Atom>, checkAtom: (atom: Atom) => void): void {
  const node = expr as BoolExpr<Atom> & { kind: string };
  if (node.kind === 'and' || node.kind === 'or') {
    for (const operand of (node as { operands: BoolExpr<Atom>[] }).operands) checkBool(operand, checkAtom);
  } else if (node.kind === 'not') {
    checkBool((node as { operand: BoolExpr<Atom> }).operand, checkAtom);
  } else {
    checkAtom(expr as Atom);
  }
}

export function checkPropCondition(ctx: CheckContext, condition: PropCondition, scope: Scope): void {
  checkBool<PropAtom>(condition, (atom) => checkComparison(ctx, atom.comparison, scope));
}

export function checkCondition(ctx: CheckContext, condition: Condition, scope: Scope): void {
  checkBool<ConditionAtom>(condition, (atom) => checkAtom(ctx, atom, scope));
}

function checkAtom(ctx: CheckContext, atom: ConditionAtom, scope: Scope): void {
  switch (atom.kind) {
    case 'trait':
      checkComparison(ctx, atom.comparison, scope);
      return;
    case 'tagged':
      checkNonEmpty(ctx, atom.tag, scope, 'a tag');
      if (atom.like && !/[*?]/.test(atom.tag.value)) ctx.add(Diagnostics.globWithoutWildcard, atom.tag.span, atom.tag.value);
      return;
    case 'inSegment':
      ctx.resolveSegment(atom.segment);
      return;
    case 'consentIs':
      ctx.resolveConsent(atom.purpose);
      return;
    case 'performed':
      checkPerformed(ctx, atom, scope);
      return;
    case 'aggregate':
      checkNonEmpty(ctx, atom.property, scope, 'a property name');
      checkNonEmpty(ctx, atom.event, scope, 'an event name');
      if (atom.within) checkDuration(ctx, atom.within);
      return;
    case 'seen':
      checkDuration(ctx, atom.duration);
      return;
    default:
      assertNever(atom, 'condition');
  }
}

function checkPerformed(ctx: CheckContext, atom: Extract<ConditionAtom, { kind: 'performed' }>, scope: Scope): void {
  checkNonEmpty(ctx, atom.event, scope, 'an event name');
  if (atom.where) checkPropCondition(ctx, atom.where, scope);
  let counted = false;
  let windowed = false;
  for (const clause of atom.clauses) {
    if (clause.kind === 'count') {
      if (counted) ctx.add(Diagnostics.duplicatePerformedClause, clause.span, "count ('at least', 'at most' or 'exactly')");
      counted = true;
      const n = clause.n.value;
      if (!Number.isInteger(n) || n < 0) ctx.add(Diagnostics.invalidCount, clause.n.span, String(n));
      else if (clause.op === 'atLeast' && n === 0) ctx.add(Diagnostics.alwaysTrueCount, clause.span);
    } else {
      if (windowed) ctx.add(Diagnostics.duplicatePerformedClause, clause.span, "'within'");
      windowed = true;
      checkDuration(ctx, clause.duration);
    }
  }
}
