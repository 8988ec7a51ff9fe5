/** Small traversals of the AST shared by the checker and the lowering. */
import type { BoolExpr, Condition, ConditionAtom } from './ast.js';

/** Every atom of a boolean expression, left to right. */
export function atomsOf<Atom>(expr: BoolExpr<Atom>): Atom[] {
  const atoms: Atom[] = [];
  // Into one array: flattening an array per `and`/`or` node showed in profiles of large programs.
  const collect = (e: BoolExpr<Atom>): void => {
    const node = e as BoolExpr<Atom> & { kind: string };
    if (node.kind === 'and' || node.kind === 'or') for (const operand of (node as { operands: BoolExpr<Atom>[] }).operands) collect(operand);
    else if (node.kind === 'not') collect((node as { operand: BoolExpr<Atom> }).operand);
    else atoms.push(e as Atom);
  };
  collect(expr);
  return atoms;
}

/** The segments a condition refers to with `in segment`, each once, in order of appearance. */
export function referencedSegments(condition: Condition): string[] {
  const names = atomsOf<ConditionAtom>(condition)
    .filter((atom): atom is Extract<ConditionAtom, { kind: 'inSegment' }> => atom.kind === 'inSegment')
    .map((atom) => atom.segment.text);
  return [...new Set(names)];
}
