/** Checks of journeys: their headers, and their steps with `for` scopes, splits and exits. */
import type { Block, Header, JourneyDecl, Span, Step, WithEntry } from './ast.js';
import { isHeader } from './ast.js';
import { assertNever } from './assert-never.js';
import type { CheckContext, Scope } from './check-context.js';
import { EMPTY_SCOPE } from './check-context.js';
import { checkCondition, checkPropCondition } from './check-conditions.js';
import { checkMessageKind, firstEmailSend } from './check-message-kind.js';
import { checkDuration, checkNonEmpty, checkTime, checkValue } from './check-values.js';
import { Diagnostics, MAX_FOR_ITERATIONS, MAX_STEPS_PER_JOURNEY } from './codes.js';
import { joinSpans } from './spans.js';

export function checkJourney(ctx: CheckContext, journey: JourneyDecl): void {
  const headers = journey.items.filter(isHeader);
  const steps = journey.items.filter((item): item is Step => !isHeader(item));
  let stepSeen = false;
  for (const item of journey.items) {
    if (!isHeader(item)) stepSeen = true;
    // `on exit` reads as well after the steps (what is done last) as before them.
    else if (stepSeen && item.kind !== 'onExit') ctx.add(Diagnostics.headerAfterSteps, item.span);
  }
  checkHeaders(ctx, journey, headers);
  if (steps.length === 0) ctx.add(Diagnostics.noSteps, journey.name.span, journey.name.text);
  checkSteps(ctx, steps, EMPTY_SCOPE);
  checkMessageKind(ctx, {
    declaration: `journey '${journey.name.text}'`,
    requires: headers.flatMap((header) => (header.kind === 'requiresConsent' ? [header] : [])),
    operational: headers.flatMap((header) => (header.kind === 'operational' ? [header.span] : [])),
    firstEmail: firstEmailSend(steps),
    warnWithoutEmail: true,
  });
  const onExit = headers.flatMap((header) => (header.kind === 'onExit' ? header.body.steps : []));
  const unrolled = unrolledSize(steps) + unrolledSize(onExit);
  if (unrolled > MAX_STEPS_PER_JOURNEY) ctx.add(Diagnostics.journeyTooLarge, journey.name.span, unrolled);
}

function checkHeaders(ctx: CheckContext, journey: JourneyDecl, headers: Header[]): void {
  const firstOfKind = new Map<string, Span>();
  const required = new Set<string>();
  const once = (header: Header, text: string): void => {
    const earlier = firstOfKind.get(header.kind);
    if (earlier) ctx.add(Diagnostics.duplicateHeader, header.span, text, earlier.line);
  };
  for (const header of headers) {
    switch (header.kind) {
      case 'trigger': {
        const earlier = firstOfKind.get('trigger');
        if (earlier) ctx.add(Diagnostics.secondTrigger, header.span, earlier.line);
        const trigger = header.trigger;
        if (trigger.kind === 'performed') {
          checkNonEmpty(ctx, trigger.event, EMPTY_SCOPE, 'an event name');
          if (trigger.where) checkPropCondition(ctx, trigger.where, EMPTY_SCOPE);
        } else {
          ctx.resolveSegment(trigger.segment);
        }
        break;
      }
      case 'requiresConsent':
        ctx.resolveConsent(header.purpose);
        if (required.has(header.purpose.text)) ctx.add(Diagnostics.duplicateRequiredConsent, header.span, header.purpose.text);
        required.add(header.purpose.text);
        break;
      case 'reentry':
        once(header, 'reentry');
        if (typeof header.policy === 'object') checkDuration(ctx, header.policy);
        break;
      case 'exitOn':
        checkNonEmpty(ctx, header.event, EMPTY_SCOPE, 'an event name');
        if (header.where) checkPropCondition(ctx, header.where, EMPTY_SCOPE);
        break;
      case 'exitWhen':
        checkCondition(ctx, header.condition, EMPTY_SCOPE);
        break;
      case 'operational':
        once(header, 'operational');
        break;
      case 'onExit':
        once(header, 'on exit');
        checkBlock(ctx, header.body, EMPTY_SCOPE, "'on exit'");
        checkOnExitSteps(ctx, header.body.steps);
        break;
      case 'quietHours':
        once(header, 'quiet hours');
        checkTime(ctx, header.start);
        checkTime(ctx, header.end);
        if (header.start.hours === header.end.hours && header.start.minutes === header.end.minutes) {
          ctx.add(Diagnostics.emptyQuietHours, header.span);
        }
        break;
      default:
        assertNever(header, 'journey header');
    }
    if (!firstOfKind.has(header.kind)) firstOfKind.set(header.kind, header.span);
  }
  if (!firstOfKind.has('trigger')) ctx.add(Diagnostics.missingTrigger, journey.name.span, journey.name.text);
}

/** Steps of one block: each checked, and those after a step that always exits reported once. */
function checkSteps(ctx: CheckContext, steps: Step[], scope: Scope): void {
  steps.forEach((step) => checkStep(ctx, step, scope));
  const exitAt = steps.findIndex(alwaysExits);
  const unreachable = steps.slice(exitAt + 1);
  if (exitAt >= 0 && unreachable.length > 0) {
    ctx.add(Diagnostics.unreachableStep, joinSpans(unreachable[0]!.span, unreachable.at(-1)!.span));
  }
}

function checkBlock(ctx: CheckContext, block: Block | undefined, scope: Scope, what: string): void {
  if (!block) return;
  if (block.steps.length === 0) ctx.add(Diagnostics.emptyBlock, block.span, what);
  checkSteps(ctx, block.steps, scope);
}

function checkStep(ctx: CheckContext, step: Step, scope: Scope): void {
  switch (step.kind) {
    case 'tag':
    case 'untag':
      checkNonEmpty(ctx, step.tag, scope, 'a tag');
      return;
    case 'setTrait':
      checkValue(ctx, step.value, scope);
      return;
    case 'sendEmail':
      checkNonEmpty(ctx, step.template, scope, 'a template name');
      checkWith(ctx, step.with, scope);
      return;
    case 'sendWebhook':
      checkNonEmpty(ctx, step.name, scope, 'a webhook name');
      checkWith(ctx, step.with, scope);
      return;
    case 'wait':
      checkDuration(ctx, step.duration);
      return;
    case 'waitUntil':
      checkTime(ctx, step.time);
      return;
    case 'waitFor':
      checkNonEmpty(ctx, step.event, scope, 'an event name');
      if (step.where) checkPropCondition(ctx, step.where, scope);
      checkDuration(ctx, step.timeout);
      checkBlock(ctx, step.then, scope, "'then'");
      checkBlock(ctx, step.otherwise, scope, "'otherwise'");
      return;
    case 'if':
      checkCondition(ctx, step.condition, scope);
      checkBlock(ctx, step.then, scope, "'if'");
      checkBlock(ctx, step.else, scope, "'else'");
      return;
    case 'split':
      checkSplit(ctx, step);
      for (const branch of step.branches) checkSteps(ctx, branch.body.steps, scope);
      return;
    case 'for':
      checkFor(ctx, step, scope);
      return;
    case 'exit':
      return;
    default:
      assertNever(step, 'step');
  }
}

export function checkWith(ctx: CheckContext, entries: WithEntry[], scope: Scope): void {
  const keys = new Set<string>();
  for (const entry of entries) {
    if (keys.has(entry.key.text)) ctx.add(Diagnostics.duplicateWithKey, entry.key.span, entry.key.text);
    keys.add(entry.key.text);
    checkValue(ctx, entry.value, scope);
  }
}

/** Shares are compared in hundredths of a percent, so 33.33% + 33.33% + 33.34% is exactly 100%. */
function checkSplit(ctx: CheckContext, split: Extract<Step, { kind: 'split' }>): void {
  let totalHundredths = 0;
  for (const branch of split.branches) {
    const share = branch.share.value;
    if (share <= 0 || share > 100) ctx.add(Diagnostics.invalidPercent, branch.share.span, `${share}%`);
    totalHundredths += Math.round(share * 100);
  }
  if (totalHundredths !== 10_000) ctx.add(Diagnostics.splitNot100, split.span, String(totalHundredths / 100));
  else if (split.branches.length === 1) ctx.add(Diagnostics.splitOneBranch, split.span);
}

function checkFor(ctx: CheckContext, loop: Extract<Step, { kind: 'for' }>, scope: Scope): void {
  const { variable, from, to } = loop;
  if (variable.text !== variable.text.toLowerCase()) ctx.add(Diagnostics.uppercaseName, variable.span, variable.text);
  if (scope.has(variable.text)) ctx.add(Diagnostics.shadowedLoopVariable, variable.span, variable.text);
  const whole = Number.isInteger(from.value) && Number.isInteger(to.value);
  if (!Number.isInteger(from.value)) ctx.add(Diagnostics.rangeNotWhole, from.span, String(from.value));
  if (!Number.isInteger(to.value)) ctx.add(Diagnostics.rangeNotWhole, to.span, String(to.value));
  const rangeSpan = joinSpans(from.span, to.span);
  if (whole && from.value > to.value) ctx.add(Diagnostics.emptyRange, rangeSpan, from.value, to.value);
  if (whole && to.value - from.value + 1 > MAX_FOR_ITERATIONS) ctx.add(Diagnostics.rangeTooLarge, rangeSpan, to.value - from.value + 1);
  if (loop.body.steps.length === 0) ctx.add(Diagnostics.emptyBlock, loop.body.span, "'for'");
  checkSteps(ctx, loop.body.steps, new Map(scope).set(variable.text, variable));
}

/** How each step that `on exit` refuses is written, for its message. */
const REFUSED_ON_EXIT: Partial<Record<Step['kind'], string>> = {
  sendEmail: 'send email',
  sendWebhook: 'send webhook',
  wait: 'wait',
  waitUntil: 'wait until',
  waitFor: 'wait for',
  if: 'if',
  split: 'split',
  exit: 'exit',
};

/**
 * `on exit` runs as the run ends, in one go that nothing may cancel: it edits the profile
 * (tags, traits) and nothing else. A wait would keep an ended run alive, a send would
 * reach a person who may just have withdrawn their consent.
 */
function checkOnExitSteps(ctx: CheckContext, steps: Step[]): void {
  for (const step of steps) {
    if (step.kind === 'for') checkOnExitSteps(ctx, step.body.steps);
    const refused = REFUSED_ON_EXIT[step.kind];
    if (refused) ctx.add(Diagnostics.onExitStep, step.span, refused);
  }
}

/** Whether running this step certainly ends the run (so nothing after it in its block runs). */
function alwaysExits(step: Step): boolean {
  switch (step.kind) {
    case 'exit':
      return true;
    case 'if':
      return step.else !== undefined && blockExits(step.then) && blockExits(step.else);
    case 'waitFor':
      return step.then !== undefined && step.otherwise !== undefined && blockExits(step.then) && blockExits(step.otherwise);
    case 'split':
      return step.branches.length > 0 && step.branches.every((branch) => blockExits(branch.body));
    case 'for':
      return step.from.value <= step.to.value && blockExits(step.body);
    default:
      return false;
  }
}

function blockExits(block: Block): boolean {
  return block.steps.some(alwaysExits);
}

/** How many IR steps the journey becomes once every `for` is unrolled. */
function unrolledSize(steps: Step[]): number {
  let total = 0;
  for (const step of steps) {
    switch (step.kind) {
      case 'for': {
        const iterations = Math.max(0, Math.floor(step.to.value) - Math.ceil(step.from.value) + 1);
        total += iterations * unrolledSize(step.body.steps);
        break;
      }
      case 'if':
        total += 1 + unrolledSize(step.then.steps) + unrolledSize(step.else?.steps ?? []);
        break;
      case 'waitFor':
        total += 1 + unrolledSize(step.then?.steps ?? []) + unrolledSize(step.otherwise?.steps ?? []);
        break;
      case 'split':
        total += 1 + step.branches.reduce((sum, branch) => sum + unrolledSize(branch.body.steps), 0);
        break;
      default:
        total += 1;
    }
  }
  return total;
}
