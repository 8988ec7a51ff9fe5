/** Builders for the smallest pieces: comparisons, values, numbers, durations and paths. */
import type { IToken, TokenType } from 'chevrotain';
import type * as A from '../ast.js';
import type {
  ComparisonCstChildren,
  DurationCstChildren,
  PathCstChildren,
  SignedNumberCstChildren,
  ValueCstChildren,
  ValueListCstChildren,
} from '../cst.js';
import { joinSpans, tokenSpan } from '../spans.js';
import * as T from '../tokens.js';
import { first, last } from './children.js';
import { compareOperator, lookup, stringLit, timeLit } from './leaves.js';

export function comparison(ctx: ComparisonCstChildren): A.Comparison {
  const operandNode = ctx.value?.[0];
  const op = ctx.CompareOp?.[0];
  if (op && operandNode) {
    const operand = value(operandNode.children);
    return { kind: 'compare', op: compareOperator(op), value: operand, span: joinSpans(tokenSpan(op), operand.span) };
  }
  const list = ctx.valueList?.[0];
  if (list) {
    // `in [..]` or `not in [..]`
    const { values, span } = valueList(list.children);
    const not = ctx.Not?.[0];
    return { kind: 'in', negated: not !== undefined, values, span: joinSpans(tokenSpan(not ?? first(ctx.In)), span) };
  }
  const keyword = ctx.Contains?.[0] ?? ctx.Starts?.[0];
  if (keyword && operandNode) {
    const operand = value(operandNode.children);
    const span = joinSpans(tokenSpan(keyword), operand.span);
    return ctx.Contains ? { kind: 'contains', value: operand, span } : { kind: 'startsWith', value: operand, span };
  }
  const exists = ctx.Exists?.[0];
  if (exists) return { kind: 'exists', span: tokenSpan(exists) };
  // `is missing`, or `is not missing`, which is `exists`.
  const span = joinSpans(tokenSpan(first(ctx.Is)), tokenSpan(first(ctx.Missing)));
  return ctx.Not ? { kind: 'exists', span } : { kind: 'missing', span };
}

export function valueList(ctx: ValueListCstChildren): { values: A.Value[]; span: A.Span } {
  return {
    values: ctx.value?.map((node) => value(node.children)) ?? [],
    span: joinSpans(tokenSpan(first(ctx.LSquare)), tokenSpan(first(ctx.RSquare))),
  };
}

export function value(ctx: ValueCstChildren): A.Value {
  if (ctx.StringLiteral) return stringLit(first(ctx.StringLiteral));
  if (ctx.signedNumber) return signedNumber(first(ctx.signedNumber).children);
  if (ctx.variable) {
    const variable = first(ctx.variable);
    return { kind: 'variable', name: variable.image, span: tokenSpan(variable) };
  }
  if (ctx.True) return { kind: 'boolean', value: true, span: tokenSpan(first(ctx.True)) };
  if (ctx.False) return { kind: 'boolean', value: false, span: tokenSpan(first(ctx.False)) };
  if (ctx.Null) return { kind: 'null', span: tokenSpan(first(ctx.Null)) };
  if (ctx.DateLiteral) {
    const date = first(ctx.DateLiteral);
    return { kind: 'date', text: date.image, span: tokenSpan(date) };
  }
  return timeLit(first(ctx.TimeLiteral));
}

export function signedNumber(ctx: SignedNumberCstChildren): A.NumberLit {
  const digits = first(ctx.NumberLiteral);
  const minus = ctx.Minus?.[0];
  const magnitude = Number(digits.image);
  return {
    kind: 'number',
    value: minus ? -magnitude : magnitude,
    span: joinSpans(tokenSpan(minus ?? digits), tokenSpan(digits)),
  };
}

const DURATION_UNITS: ReadonlyMap<TokenType, A.DurationUnit> = new Map([
  [T.Seconds, 'second'],
  [T.Minutes, 'minute'],
  [T.Hours, 'hour'],
  [T.Days, 'day'],
  [T.Weeks, 'week'],
]);

/** The unit a `TimeUnit` token names (`seconds` → `second`). */
export function timeUnit(tok: IToken): A.DurationUnit {
  return lookup(DURATION_UNITS, tok);
}

export function duration(ctx: DurationCstChildren): A.Duration {
  const amount = signedNumber(first(ctx.signedNumber).children);
  const unit = first(ctx.TimeUnit);
  return { amount: amount.value, unit: lookup(DURATION_UNITS, unit), span: joinSpans(amount.span, tokenSpan(unit)) };
}

export function path(ctx: PathCstChildren): A.Path {
  return {
    segments: ctx.Name.map((name) => name.image),
    span: joinSpans(tokenSpan(first(ctx.Name)), tokenSpan(last(ctx.Name))),
  };
}
