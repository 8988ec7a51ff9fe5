/** Small traversals of the AST shared by the checker and the lowering. */
import type { BoolExpr, Condition, ConditionAtom } from './ast.js';

/** Every atom of a boolean expression, left to right. */
export function atomsOf<Atom>(expr: BoolExpr<Atom>): Atom[] {
  const e = expr as BoolExpr<Atom> & { kind: string };
  if (e.kind === 'and' || e.kind === 'or') return (e as { operands: BoolExpr<Atom>[] }).operands.flatMap(atomsOf);
  if (e.kind === 'not') return atomsOf((e as { operand: BoolExpr<Atom> }).operand);
  return [expr as Atom];
}

/** The segments a condition refers to with `in segment`, each once, in order of appearance. */
export function referencedSegments(condition: Condition): string[] {
  const names = atomsOf<ConditionAtom>(condition)
    .filter((atom): atom is Extract<ConditionAtom, { kind: 'inSegment' }> => atom.kind === 'inSegment')
    .map((atom) => atom.segment.text);
  return [...new Set(names)];
}
