/**
 * CST → AST. A Chevrotain visitor (one method per grammar rule, checked by
 * `validateVisitor()`) that turns the parser's generic trees into the typed plain-data AST
 * of ast.ts. It only ever sees chunks that parsed without errors, so every mandatory child
 * is present; chunks with syntax errors become `RecoveredDecl`s holding just their name.
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import type { ParsedChunk } from './parse.js';
import { itineraParser } from './parser.js';
import { declarationStarts } from './parse.js';
import { joinSpans, tokenSpan } from './spans.js';
import * as T from './tokens.js';

type Children = Record<string, CstElement[] | undefined>;

const BaseVisitor = itineraParser.getBaseCstVisitorConstructor();

/*
 * Reading children. In the CST a key holds only tokens (a token type's name or a CONSUME
 * label) or only nodes (a rule's name or a SUBRULE label): this grammar never gives a label
 * the name of something of the other kind. So the helpers below read a key's array as it
 * is, without filtering a copy of it: they run for nearly every token of a program.
 */
const NO_ELEMENTS: CstElement[] = [];

function isToken(element: CstElement): element is IToken {
  return 'image' in element;
}

function tokens(ctx: Children, name: string): IToken[] {
  return (ctx[name] ?? NO_ELEMENTS) as IToken[];
}

function token(ctx: Children, name: string): IToken | undefined {
  return tokens(ctx, name)[0];
}

/** A token the grammar makes mandatory; its absence in an error-free tree is a bug. */
function required(ctx: Children, name: string, index = 0): IToken {
  const found = ctx[name]?.[index];
  if (!found || !isToken(found)) throw new Error(`internal error: CST without token ${name}`);
  return found;
}

function nodes(ctx: Children, name: string): CstNode[] {
  return (ctx[name] ?? NO_ELEMENTS) as CstNode[];
}

function requiredNode(ctx: Children, name: string): CstNode {
  const found = ctx[name]?.[0];
  if (!found || isToken(found)) throw new Error(`internal error: CST without node ${name}`);
  return found;
}

/** The node of a rule whose only child is one of several subrules (`step`, `header`, …). */
function onlyNode(ctx: Children, rule: string): CstNode {
  for (const key in ctx) {
    const first = ctx[key]?.[0];
    if (first && !isToken(first)) return first;
  }
  throw new Error(`internal error: empty ${rule}`);
}

/**
 * Where a rule that begins with a token (`segment …`, `within …`) starts: its earliest own
 * token. The parser does not track node locations, which made parsing a third slower.
 */
function startOffset(node: CstNode): number {
  let start = Infinity;
  for (const key in node.children) {
    const first = node.children[key]?.[0];
    if (first && isToken(first)) start = Math.min(start, first.startOffset);
  }
  return start;
}

/** The first token among all the children (for rules whose alternatives are single tokens). */
function firstToken(ctx: Children, rule: string): IToken {
  for (const key in ctx) {
    const first = ctx[key]?.[0];
    if (first && isToken(first)) return first;
  }
  throw new Error(`internal error: empty ${rule}`);
}

/** The text of a string token, escapes resolved (a lone `\x` keeps `x`; the lexer phase reported it). */
function stringText(tok: IToken): string {
  const closed = tok.tokenType === T.StringLiteral;
  const body = tok.image.slice(1, closed ? -1 : undefined);
  return body.includes('\\') ? body.replace(/\\(.?)/g, '$1') : body;
}

function stringLit(tok: IToken): A.StringLit {
  return { kind: 'string', value: stringText(tok), span: tokenSpan(tok) };
}

function nameOf(tok: IToken): A.Name {
  return { text: tok.image, span: tokenSpan(tok) };
}

function timeLit(tok: IToken): A.TimeLit {
  const [hours, minutes] = tok.image.split(':').map(Number);
  return { kind: 'time', hours: hours ?? 0, minutes: minutes ?? 0, span: tokenSpan(tok) };
}

const COMPARE_OPERATORS = new Map<unknown, A.CompareOperator>([
  [T.Equal, 'eq'],
  [T.NotEqual, 'ne'],
  [T.Less, 'lt'],
  [T.LessEq, 'lte'],
  [T.Greater, 'gt'],
  [T.GreaterEq, 'gte'],
]);

const DURATION_UNITS = new Map<unknown, A.DurationUnit>([
  [T.Seconds, 'second'],
  [T.Minutes, 'minute'],
  [T.Hours, 'hour'],
  [T.Days, 'day'],
  [T.Weeks, 'week'],
]);

const AGGREGATES = new Map<unknown, 'sum' | 'average' | 'min' | 'max'>([
  [T.Sum, 'sum'],
  [T.Average, 'average'],
  [T.Min, 'min'],
  [T.Max, 'max'],
]);

function lookup<V>(table: Map<unknown, V>, tok: IToken): V {
  const found = table.get(tok.tokenType);
  if (found === undefined) throw new Error(`internal error: unexpected token ${tok.tokenType.name}`);
  return found;
}

class AstBuilder extends BaseVisitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  // Typed entry points: `visit` returns `any`, these say what each rule yields.
  private cond(node: CstNode): A.Condition {
    return this.visit(node) as A.Condition;
  }
  private prop(node: CstNode): A.PropCondition {
    return this.visit(node) as A.PropCondition;
  }
  private blockOf(node: CstNode): A.Block {
    return this.visit(node) as A.Block;
  }
  private durationOf(node: CstNode): A.Duration {
    return this.visit(node) as A.Duration;
  }
  private numberOf(node: CstNode): A.NumberLit {
    return this.visit(node) as A.NumberLit;
  }
  private valueFrom(node: CstNode): A.Value {
    return this.visit(node) as A.Value;
  }
  private pathOf(node: CstNode): A.Path {
    return this.visit(node) as A.Path;
  }
  private optionalWhere(ctx: Children): A.PropCondition | undefined {
    const where = nodes(ctx, 'whereClause')[0];
    return where ? this.prop(where) : undefined;
  }
  private title(ctx: Children): A.StringLit | undefined {
    const tok = token(ctx, 'StringLiteral');
    return tok ? stringLit(tok) : undefined;
  }

  // ----------------------------------------------------------------- declarations

  declarations(ctx: Children): A.Declaration[] {
    const decls = [...nodes(ctx, 'consentDecl'), ...nodes(ctx, 'segmentDecl'), ...nodes(ctx, 'journeyDecl')];
    decls.sort((a, b) => startOffset(a) - startOffset(b));
    return decls.map((node) => this.visit(node) as A.Declaration);
  }

  consentDecl(ctx: Children): A.ConsentDecl {
    return {
      kind: 'consent',
      name: nameOf(required(ctx, 'name')),
      title: this.title(ctx),
      clauses: nodes(ctx, 'consentClause').map((clause) => this.visit(clause) as A.ConsentClause),
      span: joinSpans(tokenSpan(required(ctx, 'Consent')), tokenSpan(required(ctx, 'RCurly'))),
    };
  }

  consentClause(ctx: Children): A.ConsentClause {
    const categoriesKeyword = token(ctx, 'Categories');
    if (categoriesKeyword) {
      const categories = tokens(ctx, 'StringLiteral').map((tok) => ({ text: stringText(tok), span: tokenSpan(tok) }));
      const last = categories.at(-1)?.span ?? tokenSpan(categoriesKeyword);
      return { kind: 'categories', categories, span: joinSpans(tokenSpan(categoriesKeyword), last) };
    }
    const confirm = token(ctx, 'Confirm');
    if (confirm) {
      const template = stringLit(required(ctx, 'StringLiteral'));
      return { kind: 'confirm', template, span: joinSpans(tokenSpan(confirm), template.span) };
    }
    const duration = this.durationOf(requiredNode(ctx, 'duration'));
    const expires = token(ctx, 'Expires');
    if (expires) return { kind: 'expires', duration, span: joinSpans(tokenSpan(expires), duration.span) };
    return {
      kind: 'remind',
      duration,
      span: joinSpans(tokenSpan(required(ctx, 'Remind')), tokenSpan(required(ctx, 'Expiry'))),
    };
  }

  segmentDecl(ctx: Children): A.SegmentDecl {
    return {
      kind: 'segment',
      name: nameOf(required(ctx, 'name')),
      title: this.title(ctx),
      condition: this.cond(requiredNode(ctx, 'orCondition')),
      span: joinSpans(tokenSpan(required(ctx, 'Segment')), tokenSpan(required(ctx, 'RCurly'))),
    };
  }

  journeyDecl(ctx: Children): A.JourneyDecl {
    return {
      kind: 'journey',
      name: nameOf(required(ctx, 'name')),
      title: this.title(ctx),
      items: nodes(ctx, 'journeyItem').map((item) => this.visit(item) as A.Header | A.Step),
      span: joinSpans(tokenSpan(required(ctx, 'Journey')), tokenSpan(required(ctx, 'RCurly'))),
    };
  }

  journeyItem(ctx: Children): A.Header | A.Step {
    return this.visit(nodes(ctx, 'header')[0] ?? requiredNode(ctx, 'step')) as A.Header | A.Step;
  }

  // ----------------------------------------------------------------- headers

  header(ctx: Children): A.Header {
    return this.visit(onlyNode(ctx, 'header')) as A.Header;
  }

  triggerHeader(ctx: Children): A.Header {
    const when = required(ctx, 'When');
    let trigger: A.Trigger;
    const segment = token(ctx, 'name');
    if (token(ctx, 'Performed')) {
      const event = stringLit(required(ctx, 'StringLiteral'));
      const where = this.optionalWhere(ctx);
      trigger = { kind: 'performed', event, where, span: joinSpans(event.span, where?.span ?? event.span) };
    } else {
      const name = nameOf(segment!);
      const first = token(ctx, 'Enters') ?? token(ctx, 'In') ?? required(ctx, 'Exits');
      const span = joinSpans(tokenSpan(first), name.span);
      trigger = token(ctx, 'Exits')
        ? { kind: 'exitsSegment', segment: name, span }
        : { kind: 'entersSegment', segment: name, ...(token(ctx, 'In') ? { includeCurrentMembers: true as const } : {}), span };
    }
    return { kind: 'trigger', trigger, span: joinSpans(tokenSpan(when), trigger.span) };
  }

  requiresHeader(ctx: Children): A.Header {
    const purpose = nameOf(required(ctx, 'name'));
    return { kind: 'requiresConsent', purpose, span: joinSpans(tokenSpan(required(ctx, 'Requires')), purpose.span) };
  }

  reentryHeader(ctx: Children): A.Header {
    const start = tokenSpan(required(ctx, 'Reentry'));
    const durationNode = nodes(ctx, 'duration')[0];
    if (durationNode) {
      const duration = this.durationOf(durationNode);
      return { kind: 'reentry', policy: duration, span: joinSpans(start, duration.span) };
    }
    const word = token(ctx, 'Never') ?? required(ctx, 'Always');
    const policy = word.tokenType === T.Never ? 'never' : 'always';
    return { kind: 'reentry', policy, span: joinSpans(start, tokenSpan(word)) };
  }

  exitOnHeader(ctx: Children): A.Header {
    const event = stringLit(required(ctx, 'StringLiteral'));
    const where = this.optionalWhere(ctx);
    return { kind: 'exitOn', event, where, span: joinSpans(tokenSpan(required(ctx, 'Exit')), where?.span ?? event.span) };
  }

  exitWhenHeader(ctx: Children): A.Header {
    const condition = this.cond(requiredNode(ctx, 'orCondition'));
    return { kind: 'exitWhen', condition, span: joinSpans(tokenSpan(required(ctx, 'Exit')), condition.span) };
  }

  quietHoursHeader(ctx: Children): A.Header {
    const start = timeLit(required(ctx, 'TimeLiteral', 0));
    const end = timeLit(required(ctx, 'TimeLiteral', 1));
    return { kind: 'quietHours', start, end, span: joinSpans(tokenSpan(required(ctx, 'Quiet')), end.span) };
  }

  // ----------------------------------------------------------------- steps

  step(ctx: Children): A.Step {
    return this.visit(onlyNode(ctx, 'step')) as A.Step;
  }

  tagStep(ctx: Children): A.Step {
    const tag = stringLit(required(ctx, 'StringLiteral'));
    const keyword = token(ctx, 'Tag') ?? required(ctx, 'Untag');
    return { kind: keyword.tokenType === T.Tag ? 'tag' : 'untag', tag, span: joinSpans(tokenSpan(keyword), tag.span) };
  }

  setTraitStep(ctx: Children): A.Step {
    const value = this.valueFrom(requiredNode(ctx, 'value'));
    return {
      kind: 'setTrait',
      path: this.pathOf(requiredNode(ctx, 'path')),
      value,
      span: joinSpans(tokenSpan(required(ctx, 'Set')), value.span),
    };
  }

  sendStep(ctx: Children): A.Step {
    const target = stringLit(required(ctx, 'StringLiteral'));
    const withNode = nodes(ctx, 'withMap')[0];
    const entries = withNode ? (this.visit(withNode) as { entries: A.WithEntry[]; span: A.Span }) : undefined;
    const span = joinSpans(tokenSpan(required(ctx, 'Send')), entries?.span ?? target.span);
    const withEntries = entries?.entries ?? [];
    return token(ctx, 'Email')
      ? { kind: 'sendEmail', template: target, with: withEntries, span }
      : { kind: 'sendWebhook', name: target, with: withEntries, span };
  }

  withMap(ctx: Children): { entries: A.WithEntry[]; span: A.Span } {
    return {
      entries: nodes(ctx, 'withEntry').map((entry) => this.visit(entry) as A.WithEntry),
      span: joinSpans(tokenSpan(required(ctx, 'With')), tokenSpan(required(ctx, 'RCurly'))),
    };
  }

  withEntry(ctx: Children): A.WithEntry {
    const keyToken = token(ctx, 'Name') ?? required(ctx, 'StringLiteral');
    const key: A.Name = keyToken.tokenType === T.StringLiteral || keyToken.tokenType === T.UnterminatedString
      ? { text: stringText(keyToken), span: tokenSpan(keyToken) }
      : nameOf(keyToken);
    const value = this.valueFrom(requiredNode(ctx, 'value'));
    return { key, value, span: joinSpans(key.span, value.span) };
  }

  waitStep(ctx: Children): A.Step {
    const wait = tokenSpan(required(ctx, 'Wait'));
    const until = token(ctx, 'Until');
    if (until) {
      const time = timeLit(required(ctx, 'TimeLiteral'));
      return { kind: 'waitUntil', time, span: joinSpans(wait, time.span) };
    }
    const durationNode = requiredNode(ctx, 'duration');
    if (!token(ctx, 'For')) {
      const duration = this.durationOf(durationNode);
      return { kind: 'wait', duration, span: joinSpans(wait, duration.span) };
    }
    const timeout = this.durationOf(durationNode);
    const thenNode = nodes(ctx, 'thenBlock')[0];
    const otherwiseNode = nodes(ctx, 'otherwiseBlock')[0];
    const thenBlock = thenNode ? this.blockOf(thenNode) : undefined;
    const otherwise = otherwiseNode ? this.blockOf(otherwiseNode) : undefined;
    return {
      kind: 'waitFor',
      event: stringLit(required(ctx, 'StringLiteral')),
      where: this.optionalWhere(ctx),
      timeout,
      then: thenBlock,
      otherwise,
      span: joinSpans(wait, (otherwise ?? thenBlock ?? timeout).span),
    };
  }

  ifStep(ctx: Children): A.Step {
    const thenBlock = this.blockOf(requiredNode(ctx, 'thenBlock'));
    const elseNode = nodes(ctx, 'elseBlock')[0];
    const elseIfNode = nodes(ctx, 'elseIf')[0];
    let elseBlock: A.Block | undefined;
    if (elseNode) elseBlock = this.blockOf(elseNode);
    else if (elseIfNode) {
      const nested = this.visit(elseIfNode) as A.Step;
      elseBlock = { steps: [nested], span: nested.span };
    }
    return {
      kind: 'if',
      condition: this.cond(requiredNode(ctx, 'orCondition')),
      then: thenBlock,
      else: elseBlock,
      span: joinSpans(tokenSpan(required(ctx, 'If')), (elseBlock ?? thenBlock).span),
    };
  }

  splitStep(ctx: Children): A.Step {
    return {
      kind: 'split',
      branches: nodes(ctx, 'splitBranch').map((branch) => this.visit(branch) as A.SplitBranch),
      span: joinSpans(tokenSpan(required(ctx, 'Split')), tokenSpan(required(ctx, 'RCurly'))),
    };
  }

  splitBranch(ctx: Children): A.SplitBranch {
    const percent = required(ctx, 'PercentLiteral');
    const body = this.blockOf(requiredNode(ctx, 'block'));
    const share: A.PercentLit = { kind: 'percent', value: Number(percent.image.slice(0, -1)), span: tokenSpan(percent) };
    return { share, body, span: joinSpans(share.span, body.span) };
  }

  forStep(ctx: Children): A.Step {
    const body = this.blockOf(requiredNode(ctx, 'block'));
    return {
      kind: 'for',
      variable: nameOf(required(ctx, 'variable')),
      from: this.numberOf(requiredNode(ctx, 'from')),
      to: this.numberOf(requiredNode(ctx, 'to')),
      body,
      span: joinSpans(tokenSpan(required(ctx, 'For')), body.span),
    };
  }

  exitStep(ctx: Children): A.Step {
    return { kind: 'exit', span: tokenSpan(required(ctx, 'Exit')) };
  }

  block(ctx: Children): A.Block {
    return {
      steps: nodes(ctx, 'step').map((step) => this.visit(step) as A.Step),
      span: joinSpans(tokenSpan(required(ctx, 'LCurly')), tokenSpan(required(ctx, 'RCurly'))),
    };
  }

  // ----------------------------------------------------------------- conditions

  orCondition(ctx: Children): A.Condition {
    const operands = nodes(ctx, 'andCondition').map((node) => this.cond(node));
    return combine('or', operands);
  }

  andCondition(ctx: Children): A.Condition {
    const operands = nodes(ctx, 'notCondition').map((node) => this.cond(node));
    return combine('and', operands);
  }

  notCondition(ctx: Children): A.Condition {
    const not = token(ctx, 'Not');
    if (not) {
      const operand = this.cond(requiredNode(ctx, 'notCondition'));
      return { kind: 'not', operand, span: joinSpans(tokenSpan(not), operand.span) };
    }
    const grouped = nodes(ctx, 'orCondition')[0];
    if (grouped) {
      const inner = this.cond(grouped);
      return { ...inner, span: joinSpans(tokenSpan(required(ctx, 'LParen')), tokenSpan(required(ctx, 'RParen'))) };
    }
    return this.cond(requiredNode(ctx, 'conditionAtom'));
  }

  conditionAtom(ctx: Children): A.Condition {
    return this.visit(onlyNode(ctx, 'condition')) as A.Condition;
  }

  traitAtom(ctx: Children): A.ConditionAtom {
    const comparison = this.visit(requiredNode(ctx, 'comparison')) as A.Comparison;
    return {
      kind: 'trait',
      path: this.pathOf(requiredNode(ctx, 'path')),
      comparison,
      span: joinSpans(tokenSpan(required(ctx, 'Trait')), comparison.span),
    };
  }

  taggedAtom(ctx: Children): A.ConditionAtom {
    const tag = stringLit(required(ctx, 'StringLiteral'));
    return { kind: 'tagged', tag, like: token(ctx, 'Like') !== undefined, span: joinSpans(tokenSpan(required(ctx, 'Tagged')), tag.span) };
  }

  inSegmentAtom(ctx: Children): A.ConditionAtom {
    const segment = nameOf(required(ctx, 'name'));
    return { kind: 'inSegment', segment, span: joinSpans(tokenSpan(required(ctx, 'In')), segment.span) };
  }

  consentAtom(ctx: Children): A.ConditionAtom {
    const stateToken = token(ctx, 'Granted') ?? token(ctx, 'Denied') ?? token(ctx, 'Revoked') ?? token(ctx, 'Pending') ?? required(ctx, 'Missing');
    return {
      kind: 'consentIs',
      purpose: nameOf(required(ctx, 'name')),
      state: stateToken.image as A.ConsentStateWord,
      span: joinSpans(tokenSpan(required(ctx, 'Consent')), tokenSpan(stateToken)),
    };
  }

  performedAtom(ctx: Children): A.ConditionAtom {
    const event = stringLit(required(ctx, 'StringLiteral'));
    const where = this.optionalWhere(ctx);
    const clauses = [...nodes(ctx, 'countClause'), ...nodes(ctx, 'withinClause')]
      .sort((a, b) => startOffset(a) - startOffset(b))
      .map((node) => this.visit(node) as A.CountClause | A.WithinClause);
    const last = clauses.at(-1)?.span ?? where?.span ?? event.span;
    return { kind: 'performed', event, where, clauses, span: joinSpans(tokenSpan(required(ctx, 'Performed')), last) };
  }

  countClause(ctx: Children): A.CountClause {
    const op = token(ctx, 'Least') ? 'atLeast' : token(ctx, 'Most') ? 'atMost' : 'exactly';
    const first = token(ctx, 'At') ?? required(ctx, 'Exactly');
    return {
      kind: 'count',
      op,
      n: this.numberOf(requiredNode(ctx, 'signedNumber')),
      span: joinSpans(tokenSpan(first), tokenSpan(required(ctx, 'Time'))),
    };
  }

  withinClause(ctx: Children): A.WithinClause {
    const duration = this.durationOf(requiredNode(ctx, 'duration'));
    return { kind: 'within', duration, span: joinSpans(tokenSpan(required(ctx, 'Within')), duration.span) };
  }

  aggregateAtom(ctx: Children): A.ConditionAtom {
    const fnToken = required(ctx, 'AggregateFn');
    const within = nodes(ctx, 'withinClause')[0];
    const value = this.numberOf(requiredNode(ctx, 'signedNumber'));
    return {
      kind: 'aggregate',
      fn: lookup(AGGREGATES, fnToken),
      property: stringLit(required(ctx, 'property')),
      event: stringLit(required(ctx, 'event')),
      within: within ? (this.visit(within) as A.WithinClause).duration : undefined,
      op: lookup(COMPARE_OPERATORS, required(ctx, 'CompareOp')),
      value,
      span: joinSpans(tokenSpan(fnToken), value.span),
    };
  }

  seenAtom(ctx: Children): A.ConditionAtom {
    const which = token(ctx, 'First') ? 'first' : 'last';
    const duration = this.durationOf(requiredNode(ctx, 'duration'));
    const relation = token(ctx, 'Within') ? 'within' : 'moreThanAgo';
    const end = token(ctx, 'Ago');
    const first = token(ctx, 'First') ?? required(ctx, 'Last');
    return { kind: 'seen', which, relation, duration, span: joinSpans(tokenSpan(first), end ? tokenSpan(end) : duration.span) };
  }

  // ----------------------------------------------------------------- where clauses

  whereClause(ctx: Children): A.PropCondition {
    return this.prop(requiredNode(ctx, 'propOr'));
  }

  propOr(ctx: Children): A.PropCondition {
    return combine('or', nodes(ctx, 'propAnd').map((node) => this.prop(node)));
  }

  propAnd(ctx: Children): A.PropCondition {
    return combine('and', nodes(ctx, 'propNot').map((node) => this.prop(node)));
  }

  propNot(ctx: Children): A.PropCondition {
    const not = token(ctx, 'Not');
    if (not) {
      const operand = this.prop(requiredNode(ctx, 'propNot'));
      return { kind: 'not', operand, span: joinSpans(tokenSpan(not), operand.span) };
    }
    const grouped = nodes(ctx, 'propOr')[0];
    if (grouped) {
      const inner = this.prop(grouped);
      return { ...inner, span: joinSpans(tokenSpan(required(ctx, 'LParen')), tokenSpan(required(ctx, 'RParen'))) };
    }
    const path = this.pathOf(requiredNode(ctx, 'path'));
    const comparison = this.visit(requiredNode(ctx, 'comparison')) as A.Comparison;
    return { kind: 'prop', path, comparison, span: joinSpans(path.span, comparison.span) };
  }

  // ----------------------------------------------------------------- comparisons and values

  comparison(ctx: Children): A.Comparison {
    const op = token(ctx, 'CompareOp');
    const valueNode = nodes(ctx, 'value')[0];
    const list = nodes(ctx, 'valueList')[0];
    if (op && valueNode) {
      const value = this.valueFrom(valueNode);
      return { kind: 'compare', op: lookup(COMPARE_OPERATORS, op), value, span: joinSpans(tokenSpan(op), value.span) };
    }
    if (list) {
      const { values, span } = this.visit(list) as { values: A.Value[]; span: A.Span };
      const first = token(ctx, 'Not') ?? required(ctx, 'In');
      return { kind: 'in', negated: token(ctx, 'Not') !== undefined, values, span: joinSpans(tokenSpan(first), span) };
    }
    const contains = token(ctx, 'Contains');
    const starts = token(ctx, 'Starts');
    if ((contains ?? starts) && valueNode) {
      const value = this.valueFrom(valueNode);
      const span = joinSpans(tokenSpan((contains ?? starts)!), value.span);
      return contains ? { kind: 'contains', value, span } : { kind: 'startsWith', value, span };
    }
    const exists = token(ctx, 'Exists');
    if (exists) return { kind: 'exists', span: tokenSpan(exists) };
    const is = required(ctx, 'Is');
    const missing = required(ctx, 'Missing');
    const span = joinSpans(tokenSpan(is), tokenSpan(missing));
    return token(ctx, 'Not') ? { kind: 'exists', span } : { kind: 'missing', span };
  }

  valueList(ctx: Children): { values: A.Value[]; span: A.Span } {
    return {
      values: nodes(ctx, 'value').map((node) => this.valueFrom(node)),
      span: joinSpans(tokenSpan(required(ctx, 'LSquare')), tokenSpan(required(ctx, 'RSquare'))),
    };
  }

  value(ctx: Children): A.Value {
    const numberNode = nodes(ctx, 'signedNumber')[0];
    if (numberNode) return this.numberOf(numberNode);
    const variable = token(ctx, 'variable');
    if (variable) return { kind: 'variable', name: variable.image, span: tokenSpan(variable) };
    const tok = firstToken(ctx, 'value');
    const span = tokenSpan(tok);
    switch (tok.tokenType) {
      case T.True:
        return { kind: 'boolean', value: true, span };
      case T.False:
        return { kind: 'boolean', value: false, span };
      case T.Null:
        return { kind: 'null', span };
      case T.DateLiteral:
        return { kind: 'date', text: tok.image, span };
      case T.TimeLiteral:
        return timeLit(tok);
      default:
        return stringLit(tok);
    }
  }

  signedNumber(ctx: Children): A.NumberLit {
    const digits = required(ctx, 'NumberLiteral');
    const minus = token(ctx, 'Minus');
    const magnitude = Number(digits.image);
    return {
      kind: 'number',
      value: minus ? -magnitude : magnitude,
      span: joinSpans(tokenSpan(minus ?? digits), tokenSpan(digits)),
    };
  }

  duration(ctx: Children): A.Duration {
    const amount = this.numberOf(requiredNode(ctx, 'signedNumber'));
    const unit = required(ctx, 'TimeUnit');
    return { amount: amount.value, unit: lookup(DURATION_UNITS, unit), span: joinSpans(amount.span, tokenSpan(unit)) };
  }

  path(ctx: Children): A.Path {
    const names = tokens(ctx, 'Name');
    return {
      segments: names.map((name) => name.image),
      span: joinSpans(tokenSpan(names[0]!), tokenSpan(names.at(-1)!)),
    };
  }
}

/** One operand stays itself; several become an `and`/`or` node spanning them all. */
function combine<Atom>(kind: 'and' | 'or', operands: A.BoolExpr<Atom>[]): A.BoolExpr<Atom> {
  const [first] = operands;
  if (!first) throw new Error(`internal error: empty ${kind}`);
  if (operands.length === 1) return first;
  const span = joinSpans(spanOf(first), spanOf(operands.at(-1)!));
  return { kind, operands, span };
}

function spanOf<Atom>(expr: A.BoolExpr<Atom>): A.Span {
  return (expr as { span: A.Span }).span;
}

const builder = new AstBuilder();

/** The declarations of one chunk the parse phase produced. */
export function toDeclarations(chunk: ParsedChunk): A.Declaration[] {
  return chunk.cst ? (builder.visit(chunk.cst) as A.Declaration[]) : recoveredDeclarations(chunk.tokens);
}

/** Just the kinds and names of the declarations in a chunk that did not parse. */
function recoveredDeclarations(chunkTokens: IToken[]): A.RecoveredDecl[] {
  return declarationStarts(chunkTokens).map((i) => {
    const keyword = chunkTokens[i]!;
    const name = chunkTokens[i + 1]!;
    return {
      kind: 'recovered',
      declares: keyword.image as 'consent' | 'segment' | 'journey',
      name: nameOf(name),
      span: joinSpans(tokenSpan(keyword), tokenSpan(name)),
    };
  });
}
