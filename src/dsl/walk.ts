/** Small traversals of the AST shared by the checker and the lowering. */
import type { BoolExpr, Condition, ConditionAtom } from './ast.js';

/** Every atom of a boolean expression, left to right. */
export function atomsOf<Atom>(expr: BoolExpr<Atom>): Atom[] {
  const atoms: Atom[] = [];
  collectAtoms(expr, atoms);
  return atoms;
}

/** Into one array: flattening an array per `and`/`or` node showed in profiles of large programs. */
function collectAtoms<Atom>(expr: BoolExpr<Atom>, atoms: Atom[]): void {
  const node = expr as BoolExpr<Atom> & { kind: string };
  if (node.kind === 'and' || node.kind === 'or') {
    for (const operand of (node as { operands: BoolExpr<Atom>[] }).operands) collectAtoms(operand, atoms);
  } else if (node.kind === 'not') {
    collectAtoms((node as { operand: BoolExpr<Atom> }).operand, atoms);
  } else {
    atoms.push(expr as Atom);
  }
}

/** The segments a condition refers to with `in segment`, each once, in order of appearance. */
export function referencedSegments(condition: Condition): string[] {
  const names = atomsOf<ConditionAtom>(condition)
    .filter((atom): atom is Extract<ConditionAtom, { kind: 'inSegment' }> => atom.kind === 'inSegment')
    .map((atom) => atom.segment.text);
  return [...new Set(names)];
}
