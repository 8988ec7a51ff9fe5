/** Builders for `where <prop-condition>`: conditions over an event's properties. */
import type * as A from '../ast.js';
import type { PropAndCstChildren, PropNotCstChildren, PropOrCstChildren, WhereClauseCstChildren, WhereClauseCstNode } from '../cst.js';
import { joinSpans, tokenSpan } from '../spans.js';
import { combine } from './bool-expr.js';
import { first } from './children.js';
import { comparison, path } from './values.js';

export function whereClause(ctx: WhereClauseCstChildren): A.PropCondition {
  return propOr(first(ctx.propOr).children);
}

/** The condition of a `where` that may follow an event name, if there is one. */
export function optionalWhere(nodes: WhereClauseCstNode[] | undefined): A.PropCondition | undefined {
  const where = nodes?.[0];
  return where ? whereClause(where.children) : undefined;
}

export function propOr(ctx: PropOrCstChildren): A.PropCondition {
  const operands = ctx.propAnd.map((node) => propAnd(node.children));
  return combine('or', operands);
}

export function propAnd(ctx: PropAndCstChildren): A.PropCondition {
  const operands = ctx.propNot.map((node) => propNot(node.children));
  return combine('and', operands);
}

export function propNot(ctx: PropNotCstChildren): A.PropCondition {
  const not = ctx.Not?.[0];
  if (not) {
    const operand = propNot(first(ctx.propNot).children);
    return { kind: 'not', operand, span: joinSpans(tokenSpan(not), operand.span) };
  }
  const grouped = ctx.propOr?.[0];
  if (grouped) {
    // Parentheses widen the span of what they hold.
    const inner = propOr(grouped.children);
    return { ...inner, span: joinSpans(tokenSpan(first(ctx.LParen)), tokenSpan(first(ctx.RParen))) };
  }
  const property = path(first(ctx.path).children);
  const compared = comparison(first(ctx.comparison).children);
  return { kind: 'prop', path: property, comparison: compared, span: joinSpans(property.span, compared.span) };
}
