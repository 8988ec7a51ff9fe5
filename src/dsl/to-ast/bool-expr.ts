/** The `and`/`or` nodes shared by profile conditions and `where` clauses. */
import type * as A from '../ast.js';
import { joinSpans } from '../spans.js';

/** One operand stays itself; several become an `and`/`or` node spanning them all. */
export function combine<Atom extends { span: A.Span }>(kind: 'and' | 'or', operands: A.BoolExpr<Atom>[]): A.BoolExpr<Atom> {
  const [first] = operands;
  if (!first) throw new Error(`internal error: empty ${kind}`);
  if (operands.length === 1) return first;
  return { kind, operands, span: joinSpans(first.span, operands[operands.length - 1]!.span) };
}
