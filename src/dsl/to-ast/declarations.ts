/** Builders for the declarations: consents, segments and journeys. */
import type { IToken } from 'chevrotain';
import type * as A from '../ast.js';
import type {
  ConsentClauseCstChildren,
  ConsentDeclCstChildren,
  DeclarationsCstChildren,
  JourneyDeclCstChildren,
  SegmentDeclCstChildren,
} from '../cst.js';
import { joinSpans, tokenSpan } from '../spans.js';
import { first, inSourceOrder } from './children.js';
import { broadcastDecl } from './broadcasts.js';
import { orCondition } from './conditions.js';
import { journeyItem } from './journeys.js';
import { nameOf, stringLit, stringText } from './leaves.js';
import { duration } from './values.js';

export function declarations(ctx: DeclarationsCstChildren): A.Declaration[] {
  return inSourceOrder<A.Declaration>([
    ...(ctx.consentDecl?.map((node) => consentDecl(node.children)) ?? []),
    ...(ctx.segmentDecl?.map((node) => segmentDecl(node.children)) ?? []),
    ...(ctx.journeyDecl?.map((node) => journeyDecl(node.children)) ?? []),
    ...(ctx.broadcastDecl?.map((node) => broadcastDecl(node.children)) ?? []),
  ]);
}

/** The optional `"<title>"` after a declaration's name. */
function title(titles: IToken[] | undefined): A.StringLit | undefined {
  const tok = titles?.[0];
  return tok ? stringLit(tok) : undefined;
}

export function consentDecl(ctx: ConsentDeclCstChildren): A.ConsentDecl {
  return {
    kind: 'consent',
    name: nameOf(first(ctx.name)),
    title: title(ctx.StringLiteral),
    clauses: ctx.consentClause?.map((clause) => consentClause(clause.children)) ?? [],
    span: joinSpans(tokenSpan(first(ctx.Consent)), tokenSpan(first(ctx.RCurly))),
  };
}

export function consentClause(ctx: ConsentClauseCstChildren): A.ConsentClause {
  const categoriesKeyword = ctx.Categories?.[0];
  if (categoriesKeyword) {
    const categories = (ctx.StringLiteral ?? []).map((tok) => ({ text: stringText(tok), span: tokenSpan(tok) }));
    const end = categories.at(-1)?.span ?? tokenSpan(categoriesKeyword);
    return { kind: 'categories', categories, span: joinSpans(tokenSpan(categoriesKeyword), end) };
  }
  const confirm = ctx.Confirm?.[0];
  if (confirm) {
    const template = stringLit(first(ctx.StringLiteral));
    return { kind: 'confirm', template, span: joinSpans(tokenSpan(confirm), template.span) };
  }
  const period = duration(first(ctx.duration).children);
  const expires = ctx.Expires?.[0];
  if (expires) return { kind: 'expires', duration: period, span: joinSpans(tokenSpan(expires), period.span) };
  return { kind: 'remind', duration: period, span: joinSpans(tokenSpan(first(ctx.Remind)), tokenSpan(first(ctx.Expiry))) };
}

export function segmentDecl(ctx: SegmentDeclCstChildren): A.SegmentDecl {
  return {
    kind: 'segment',
    name: nameOf(first(ctx.name)),
    title: title(ctx.StringLiteral),
    condition: orCondition(first(ctx.orCondition).children),
    span: joinSpans(tokenSpan(first(ctx.Segment)), tokenSpan(first(ctx.RCurly))),
  };
}

export function journeyDecl(ctx: JourneyDeclCstChildren): A.JourneyDecl {
  return {
    kind: 'journey',
    name: nameOf(first(ctx.name)),
    title: title(ctx.StringLiteral),
    items: ctx.journeyItem?.map((item) => journeyItem(item.children)) ?? [],
    span: joinSpans(tokenSpan(first(ctx.Journey)), tokenSpan(first(ctx.RCurly))),
  };
}
