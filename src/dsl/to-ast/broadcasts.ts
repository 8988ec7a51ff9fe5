/** Builders for broadcasts: the declaration and its clauses. */
import type * as A from '../ast.js';
import type { BroadcastClauseCstChildren, BroadcastDeclCstChildren } from '../cst.js';
import { joinSpans, tokenSpan } from '../spans.js';
import { first } from './children.js';
import { operationalHeader, quietHoursHeader, requiresHeader, sendStep } from './journeys.js';
import { nameOf, stringLit } from './leaves.js';
import { timeUnit } from './values.js';

export function broadcastDecl(ctx: BroadcastDeclCstChildren): A.BroadcastDecl {
  return {
    kind: 'broadcast',
    name: nameOf(first(ctx.name)),
    ...(ctx.StringLiteral?.[0] ? { title: stringLit(ctx.StringLiteral[0]) } : {}),
    clauses: ctx.broadcastClause?.map((clause) => broadcastClause(clause.children)) ?? [],
    span: joinSpans(tokenSpan(first(ctx.Broadcast)), tokenSpan(first(ctx.RCurly))),
  };
}

export function broadcastClause(ctx: BroadcastClauseCstChildren): A.BroadcastClause {
  if (ctx.To) {
    const segment = nameOf(first(ctx.name));
    return { kind: 'audience', segment, span: joinSpans(tokenSpan(first(ctx.To)), segment.span) };
  }
  // The journey's builders for what is written as in a journey: one meaning, one builder.
  if (ctx.requiresHeader) {
    const header = requiresHeader(first(ctx.requiresHeader).children);
    if (header.kind !== 'requiresConsent') throw new Error('internal error: requires built as another header');
    return header;
  }
  if (ctx.operationalHeader) {
    const header = operationalHeader(first(ctx.operationalHeader).children);
    if (header.kind !== 'operational') throw new Error('internal error: operational built as another header');
    return header;
  }
  if (ctx.quietHoursHeader) {
    const header = quietHoursHeader(first(ctx.quietHoursHeader).children);
    if (header.kind !== 'quietHours') throw new Error('internal error: quiet hours built as another header');
    return header;
  }
  if (ctx.At) {
    const number = first(ctx.NumberLiteral);
    const unit = first(ctx.TimeUnit);
    return {
      kind: 'rate',
      count: { kind: 'number', value: Number(number.image), span: tokenSpan(number) },
      per: timeUnit(unit),
      span: joinSpans(tokenSpan(first(ctx.At)), tokenSpan(unit)),
    };
  }
  const send = sendStep(first(ctx.sendStep).children);
  if (send.kind !== 'sendEmail' && send.kind !== 'sendWebhook') throw new Error('internal error: send built as another step');
  return { kind: 'send', send, span: send.span };
}
