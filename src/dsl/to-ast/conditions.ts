/**
 * Builders for profile conditions (segments, `if`, `exit when`): the boolean algebra and
 * its atoms.
 */
import type { IToken, TokenType } from 'chevrotain';
import type * as A from '../ast.js';
import type {
  AggregateAtomCstChildren,
  AndConditionCstChildren,
  ConditionAtomCstChildren,
  ConsentAtomCstChildren,
  CountClauseCstChildren,
  InSegmentAtomCstChildren,
  NotConditionCstChildren,
  OrConditionCstChildren,
  PerformedAtomCstChildren,
  SeenAtomCstChildren,
  TaggedAtomCstChildren,
  TraitAtomCstChildren,
  WithinClauseCstChildren,
} from '../cst.js';
import { joinSpans, tokenSpan } from '../spans.js';
import * as T from '../tokens.js';
import { combine } from './bool-expr.js';
import { first, inSourceOrder } from './children.js';
import { compareOperator, lookup, nameOf, stringLit } from './leaves.js';
import { comparison, duration, path, signedNumber } from './values.js';
import { optionalWhere } from './where.js';

export function orCondition(ctx: OrConditionCstChildren): A.Condition {
  const operands = ctx.andCondition.map((node) => andCondition(node.children));
  return combine('or', operands);
}

export function andCondition(ctx: AndConditionCstChildren): A.Condition {
  const operands = ctx.notCondition.map((node) => notCondition(node.children));
  return combine('and', operands);
}

export function notCondition(ctx: NotConditionCstChildren): A.Condition {
  const not = ctx.Not?.[0];
  if (not) {
    const operand = notCondition(first(ctx.notCondition).children);
    return { kind: 'not', operand, span: joinSpans(tokenSpan(not), operand.span) };
  }
  const grouped = ctx.orCondition?.[0];
  if (grouped) {
    // Parentheses widen the span of what they hold.
    const inner = orCondition(grouped.children);
    return { ...inner, span: joinSpans(tokenSpan(first(ctx.LParen)), tokenSpan(first(ctx.RParen))) };
  }
  return conditionAtom(first(ctx.conditionAtom).children);
}

export function conditionAtom(ctx: ConditionAtomCstChildren): A.ConditionAtom {
  if (ctx.traitAtom) return traitAtom(first(ctx.traitAtom).children);
  if (ctx.taggedAtom) return taggedAtom(first(ctx.taggedAtom).children);
  if (ctx.inSegmentAtom) return inSegmentAtom(first(ctx.inSegmentAtom).children);
  if (ctx.consentAtom) return consentAtom(first(ctx.consentAtom).children);
  if (ctx.performedAtom) return performedAtom(first(ctx.performedAtom).children);
  if (ctx.aggregateAtom) return aggregateAtom(first(ctx.aggregateAtom).children);
  return seenAtom(first(ctx.seenAtom).children);
}

export function traitAtom(ctx: TraitAtomCstChildren): A.ConditionAtom {
  const compared = comparison(first(ctx.comparison).children);
  return {
    kind: 'trait',
    path: path(first(ctx.path).children),
    comparison: compared,
    span: joinSpans(tokenSpan(first(ctx.Trait)), compared.span),
  };
}

export function taggedAtom(ctx: TaggedAtomCstChildren): A.ConditionAtom {
  const tag = stringLit(first(ctx.StringLiteral));
  return { kind: 'tagged', tag, like: ctx.Like !== undefined, span: joinSpans(tokenSpan(first(ctx.Tagged)), tag.span) };
}

export function inSegmentAtom(ctx: InSegmentAtomCstChildren): A.ConditionAtom {
  const segment = nameOf(first(ctx.name));
  return { kind: 'inSegment', segment, span: joinSpans(tokenSpan(first(ctx.In)), segment.span) };
}

export function consentAtom(ctx: ConsentAtomCstChildren): A.ConditionAtom {
  const [state, stateToken] = consentState(ctx);
  return {
    kind: 'consentIs',
    purpose: nameOf(first(ctx.name)),
    state,
    span: joinSpans(tokenSpan(first(ctx.Consent)), tokenSpan(stateToken)),
  };
}

function consentState(ctx: ConsentAtomCstChildren): [A.ConsentStateWord, IToken] {
  if (ctx.Granted) return ['granted', first(ctx.Granted)];
  if (ctx.Denied) return ['denied', first(ctx.Denied)];
  if (ctx.Revoked) return ['revoked', first(ctx.Revoked)];
  if (ctx.Pending) return ['pending', first(ctx.Pending)];
  return ['missing', first(ctx.Missing)];
}

export function performedAtom(ctx: PerformedAtomCstChildren): A.ConditionAtom {
  const event = stringLit(first(ctx.StringLiteral));
  const where = optionalWhere(ctx.whereClause);
  const clauses = inSourceOrder<A.CountClause | A.WithinClause>([
    ...(ctx.countClause?.map((node) => countClause(node.children)) ?? []),
    ...(ctx.withinClause?.map((node) => withinClause(node.children)) ?? []),
  ]);
  const end = clauses.at(-1)?.span ?? where?.span ?? event.span;
  return { kind: 'performed', event, where, clauses, span: joinSpans(tokenSpan(first(ctx.Performed)), end) };
}

export function countClause(ctx: CountClauseCstChildren): A.CountClause {
  const op = ctx.Least ? 'atLeast' : ctx.Most ? 'atMost' : 'exactly';
  const start = ctx.At?.[0] ?? first(ctx.Exactly);
  return {
    kind: 'count',
    op,
    n: signedNumber(first(ctx.signedNumber).children),
    span: joinSpans(tokenSpan(start), tokenSpan(first(ctx.Time))),
  };
}

export function withinClause(ctx: WithinClauseCstChildren): A.WithinClause {
  const window = duration(first(ctx.duration).children);
  return { kind: 'within', duration: window, span: joinSpans(tokenSpan(first(ctx.Within)), window.span) };
}

const AGGREGATES: ReadonlyMap<TokenType, 'sum' | 'average' | 'min' | 'max'> = new Map([
  [T.Sum, 'sum'],
  [T.Average, 'average'],
  [T.Min, 'min'],
  [T.Max, 'max'],
]);

export function aggregateAtom(ctx: AggregateAtomCstChildren): A.ConditionAtom {
  const fn = first(ctx.AggregateFn);
  const within = ctx.withinClause?.[0];
  const bound = signedNumber(first(ctx.signedNumber).children);
  return {
    kind: 'aggregate',
    fn: lookup(AGGREGATES, fn),
    property: stringLit(first(ctx.property)),
    event: stringLit(first(ctx.event)),
    within: within ? withinClause(within.children).duration : undefined,
    op: compareOperator(first(ctx.CompareOp)),
    value: bound,
    span: joinSpans(tokenSpan(fn), bound.span),
  };
}

export function seenAtom(ctx: SeenAtomCstChildren): A.ConditionAtom {
  const period = duration(first(ctx.duration).children);
  const ago = ctx.Ago?.[0];
  return {
    kind: 'seen',
    which: ctx.First ? 'first' : 'last',
    relation: ctx.Within ? 'within' : 'moreThanAgo',
    duration: period,
    span: joinSpans(tokenSpan(ctx.First?.[0] ?? first(ctx.Last)), ago ? tokenSpan(ago) : period.span),
  };
}
