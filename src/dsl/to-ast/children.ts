/**
 * Reading a rule's children through the types generated into cst.ts. Each child is a list:
 * a token or subrule the grammar makes mandatory is typed as a list that is present, and it
 * is never empty in a tree that parsed without errors, the only trees to-ast sees. Optional
 * children are read as they are (`ctx.whereClause?.[0]`).
 */

/** The first of a rule's children that must be there (the only one, mostly). */
export function first<T>(children: readonly T[] | undefined): T {
  const found = children?.[0];
  if (found === undefined) throw new Error('internal error: a mandatory child is missing from the CST');
  return found;
}

/** The last of a rule's children that must be there (`quiet hours 22:00-07:00`: the end). */
export function last<T>(children: readonly T[] | undefined): T {
  const found = children?.at(-1);
  if (found === undefined) throw new Error('internal error: a mandatory child is missing from the CST');
  return found;
}

/**
 * Orders nodes built from different lists of one rule's children (a chunk's declarations,
 * a `performed` atom's count and `within` clauses): the CST groups children by rule, so
 * their order in the source is only in their spans.
 */
export function inSourceOrder<Node extends { span: { line: number; column: number } }>(nodes: Node[]): Node[] {
  return nodes.sort((a, b) => a.span.line - b.span.line || a.span.column - b.span.column);
}
