/** Builders for what a journey holds: its headers, its steps and their blocks. */
import type * as A from '../ast.js';
import type {
  BlockCstChildren,
  ExitOnHeaderCstChildren,
  ExitStepCstChildren,
  ExitWhenHeaderCstChildren,
  ForStepCstChildren,
  HeaderCstChildren,
  IfStepCstChildren,
  JourneyItemCstChildren,
  OnExitHeaderCstChildren,
  OperationalHeaderCstChildren,
  QuietHoursHeaderCstChildren,
  ReentryHeaderCstChildren,
  RequiresHeaderCstChildren,
  SendStepCstChildren,
  SetTraitStepCstChildren,
  SplitBranchCstChildren,
  SplitStepCstChildren,
  StepCstChildren,
  TagStepCstChildren,
  TriggerHeaderCstChildren,
  WaitStepCstChildren,
  WithEntryCstChildren,
  WithMapCstChildren,
} from '../cst.js';
import { joinSpans, tokenSpan } from '../spans.js';
import { first, last } from './children.js';
import { orCondition } from './conditions.js';
import { nameOf, stringLit, stringText, timeLit } from './leaves.js';
import { duration, path, signedNumber, value } from './values.js';
import { optionalWhere } from './where.js';

export function journeyItem(ctx: JourneyItemCstChildren): A.Header | A.Step {
  return ctx.header ? header(first(ctx.header).children) : step(first(ctx.step).children);
}

// ----------------------------------------------------------------- headers

export function header(ctx: HeaderCstChildren): A.Header {
  if (ctx.triggerHeader) return triggerHeader(first(ctx.triggerHeader).children);
  if (ctx.requiresHeader) return requiresHeader(first(ctx.requiresHeader).children);
  if (ctx.reentryHeader) return reentryHeader(first(ctx.reentryHeader).children);
  if (ctx.exitOnHeader) return exitOnHeader(first(ctx.exitOnHeader).children);
  if (ctx.exitWhenHeader) return exitWhenHeader(first(ctx.exitWhenHeader).children);
  if (ctx.operationalHeader) return operationalHeader(first(ctx.operationalHeader).children);
  if (ctx.onExitHeader) return onExitHeader(first(ctx.onExitHeader).children);
  return quietHoursHeader(first(ctx.quietHoursHeader).children);
}

export function triggerHeader(ctx: TriggerHeaderCstChildren): A.Header {
  const trigger = ctx.Performed ? performedTrigger(ctx) : segmentTrigger(ctx);
  return { kind: 'trigger', trigger, span: joinSpans(tokenSpan(first(ctx.When)), trigger.span) };
}

/** `when performed "<event>" [where …]` */
function performedTrigger(ctx: TriggerHeaderCstChildren): A.Trigger {
  const event = stringLit(first(ctx.StringLiteral));
  const where = optionalWhere(ctx.whereClause);
  return { kind: 'performed', event, where, span: joinSpans(event.span, where?.span ?? event.span) };
}

/** `when enters|exits|in segment <name>` */
function segmentTrigger(ctx: TriggerHeaderCstChildren): A.Trigger {
  const segment = nameOf(first(ctx.name));
  const span = joinSpans(tokenSpan(ctx.Enters?.[0] ?? ctx.In?.[0] ?? first(ctx.Exits)), segment.span);
  if (ctx.Exits) return { kind: 'exitsSegment', segment, span };
  return { kind: 'entersSegment', segment, ...(ctx.In ? { includeCurrentMembers: true as const } : {}), span };
}

export function requiresHeader(ctx: RequiresHeaderCstChildren): A.Header {
  const purpose = nameOf(first(ctx.name));
  return { kind: 'requiresConsent', purpose, span: joinSpans(tokenSpan(first(ctx.Requires)), purpose.span) };
}

export function reentryHeader(ctx: ReentryHeaderCstChildren): A.Header {
  const start = tokenSpan(first(ctx.Reentry));
  const wait = ctx.duration?.[0];
  if (wait) {
    const policy = duration(wait.children);
    return { kind: 'reentry', policy, span: joinSpans(start, policy.span) };
  }
  const word = ctx.Never?.[0] ?? first(ctx.Always);
  return { kind: 'reentry', policy: ctx.Never ? 'never' : 'always', span: joinSpans(start, tokenSpan(word)) };
}

export function exitOnHeader(ctx: ExitOnHeaderCstChildren): A.Header {
  const event = stringLit(first(ctx.StringLiteral));
  const where = optionalWhere(ctx.whereClause);
  return { kind: 'exitOn', event, where, span: joinSpans(tokenSpan(first(ctx.Exit)), where?.span ?? event.span) };
}

export function exitWhenHeader(ctx: ExitWhenHeaderCstChildren): A.Header {
  const condition = orCondition(first(ctx.orCondition).children);
  return { kind: 'exitWhen', condition, span: joinSpans(tokenSpan(first(ctx.Exit)), condition.span) };
}

export function quietHoursHeader(ctx: QuietHoursHeaderCstChildren): A.Header {
  const start = timeLit(first(ctx.TimeLiteral));
  const end = timeLit(last(ctx.TimeLiteral));
  return { kind: 'quietHours', start, end, span: joinSpans(tokenSpan(first(ctx.Quiet)), end.span) };
}

export function operationalHeader(ctx: OperationalHeaderCstChildren): A.Header {
  return { kind: 'operational', span: tokenSpan(first(ctx.Operational)) };
}

export function onExitHeader(ctx: OnExitHeaderCstChildren): A.Header {
  const body = block(first(ctx.block).children);
  return { kind: 'onExit', body, span: joinSpans(tokenSpan(first(ctx.On)), body.span) };
}

// ----------------------------------------------------------------- steps

export function step(ctx: StepCstChildren): A.Step {
  if (ctx.tagStep) return tagStep(first(ctx.tagStep).children);
  if (ctx.setTraitStep) return setTraitStep(first(ctx.setTraitStep).children);
  if (ctx.sendStep) return sendStep(first(ctx.sendStep).children);
  if (ctx.waitStep) return waitStep(first(ctx.waitStep).children);
  if (ctx.ifStep) return ifStep(first(ctx.ifStep).children);
  if (ctx.splitStep) return splitStep(first(ctx.splitStep).children);
  if (ctx.forStep) return forStep(first(ctx.forStep).children);
  return exitStep(first(ctx.exitStep).children);
}

export function tagStep(ctx: TagStepCstChildren): A.Step {
  const tag = stringLit(first(ctx.StringLiteral));
  const keyword = ctx.Tag?.[0] ?? first(ctx.Untag);
  return { kind: ctx.Tag ? 'tag' : 'untag', tag, span: joinSpans(tokenSpan(keyword), tag.span) };
}

export function setTraitStep(ctx: SetTraitStepCstChildren): A.Step {
  const assigned = value(first(ctx.value).children);
  return {
    kind: 'setTrait',
    path: path(first(ctx.path).children),
    value: assigned,
    span: joinSpans(tokenSpan(first(ctx.Set)), assigned.span),
  };
}

export function sendStep(ctx: SendStepCstChildren): A.Step {
  const target = stringLit(first(ctx.StringLiteral));
  const withNode = ctx.withMap?.[0];
  const entries = withNode ? withMap(withNode.children) : undefined;
  const span = joinSpans(tokenSpan(first(ctx.Send)), entries?.span ?? target.span);
  const withEntries = entries?.entries ?? [];
  return ctx.Email
    ? { kind: 'sendEmail', template: target, with: withEntries, span }
    : { kind: 'sendWebhook', name: target, with: withEntries, span };
}

export function withMap(ctx: WithMapCstChildren): { entries: A.WithEntry[]; span: A.Span } {
  return {
    entries: ctx.withEntry?.map((entry) => withEntry(entry.children)) ?? [],
    span: joinSpans(tokenSpan(first(ctx.With)), tokenSpan(first(ctx.RCurly))),
  };
}

export function withEntry(ctx: WithEntryCstChildren): A.WithEntry {
  const quoted = ctx.StringLiteral?.[0];
  const key: A.Name = quoted ? { text: stringText(quoted), span: tokenSpan(quoted) } : nameOf(first(ctx.Name));
  const entryValue = value(first(ctx.value).children);
  return { key, value: entryValue, span: joinSpans(key.span, entryValue.span) };
}

export function waitStep(ctx: WaitStepCstChildren): A.Step {
  const wait = tokenSpan(first(ctx.Wait));
  if (ctx.Until) {
    const time = timeLit(first(ctx.TimeLiteral));
    return { kind: 'waitUntil', time, span: joinSpans(wait, time.span) };
  }
  const period = duration(first(ctx.duration).children);
  if (!ctx.For) return { kind: 'wait', duration: period, span: joinSpans(wait, period.span) };
  // `wait for "<event>" [where …] up to <timeout> [then {…}] [otherwise {…}]`
  const thenNode = ctx.thenBlock?.[0];
  const otherwiseNode = ctx.otherwiseBlock?.[0];
  const thenBlock = thenNode ? block(thenNode.children) : undefined;
  const otherwise = otherwiseNode ? block(otherwiseNode.children) : undefined;
  return {
    kind: 'waitFor',
    event: stringLit(first(ctx.StringLiteral)),
    where: optionalWhere(ctx.whereClause),
    timeout: period,
    then: thenBlock,
    otherwise,
    span: joinSpans(wait, (otherwise ?? thenBlock ?? period).span),
  };
}

export function ifStep(ctx: IfStepCstChildren): A.Step {
  const thenBlock = block(first(ctx.thenBlock).children);
  const elseNode = ctx.elseBlock?.[0];
  const elseIfNode = ctx.elseIf?.[0];
  let elseBlock: A.Block | undefined;
  if (elseNode) elseBlock = block(elseNode.children);
  else if (elseIfNode) {
    // `else if …` is an else block holding just that `if`.
    const nested = ifStep(elseIfNode.children);
    elseBlock = { steps: [nested], span: nested.span };
  }
  return {
    kind: 'if',
    condition: orCondition(first(ctx.orCondition).children),
    then: thenBlock,
    else: elseBlock,
    span: joinSpans(tokenSpan(first(ctx.If)), (elseBlock ?? thenBlock).span),
  };
}

export function splitStep(ctx: SplitStepCstChildren): A.Step {
  return {
    kind: 'split',
    branches: ctx.splitBranch?.map((branch) => splitBranch(branch.children)) ?? [],
    span: joinSpans(tokenSpan(first(ctx.Split)), tokenSpan(first(ctx.RCurly))),
  };
}

export function splitBranch(ctx: SplitBranchCstChildren): A.SplitBranch {
  const percent = first(ctx.PercentLiteral);
  const body = block(first(ctx.block).children);
  const share: A.PercentLit = { kind: 'percent', value: Number(percent.image.slice(0, -1)), span: tokenSpan(percent) };
  return { share, body, span: joinSpans(share.span, body.span) };
}

export function forStep(ctx: ForStepCstChildren): A.Step {
  const body = block(first(ctx.block).children);
  return {
    kind: 'for',
    variable: nameOf(first(ctx.variable)),
    from: signedNumber(first(ctx.from).children),
    to: signedNumber(first(ctx.to).children),
    body,
    span: joinSpans(tokenSpan(first(ctx.For)), body.span),
  };
}

export function exitStep(ctx: ExitStepCstChildren): A.Step {
  return { kind: 'exit', span: tokenSpan(first(ctx.Exit)) };
}

export function block(ctx: BlockCstChildren): A.Block {
  return {
    steps: ctx.step?.map((node) => step(node.children)) ?? [],
    span: joinSpans(tokenSpan(first(ctx.LCurly)), tokenSpan(first(ctx.RCurly))),
  };
}
