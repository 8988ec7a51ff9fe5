/**
 * AST → IR. Runs only on programs the checker passed, so it may assume every name resolves,
 * every loop variable is bound and every literal is valid. It resolves what the IR leaves
 * to the compiler: durations become milliseconds, `for` loops are unrolled with their
 * variable substituted into strings and values, and every step gets an id from its position.
 */
import type * as A from './ast.js';
import { assertNever } from './assert-never.js';
import {
  IR_VERSION,
  type BroadcastIR,
  type ComparisonIR,
  type ConditionIR,
  type ConsentIR,
  type JourneyIR,
  type MessageKind,
  type Millis,
  type OnExitStepIR,
  type ProgramIR,
  type PropConditionIR,
  type ReentryIR,
  type Scalar,
  type SegmentIR,
  type StepIR,
  type TriggerIR,
} from './ir.js';
import { durationMs, formatTime, ratePerSecond } from './literals.js';
import { referencedSegments } from './walk.js';

/** Loop variables in scope while lowering the body of a `for`. */
type Env = ReadonlyMap<string, number>;
const NO_VARIABLES: Env = new Map();

export function lower(program: A.Program): ProgramIR {
  const ir: ProgramIR = { irVersion: IR_VERSION, consents: [], segments: [], journeys: [] };
  for (const decl of program.declarations) {
    switch (decl.kind) {
      case 'consent':
        ir.consents.push(lowerConsent(decl));
        break;
      case 'segment':
        ir.segments.push(lowerSegment(decl));
        break;
      case 'journey':
        ir.journeys.push(lowerJourney(decl));
        break;
      case 'broadcast':
        (ir.broadcasts ??= []).push(lowerBroadcast(decl));
        break;
      case 'recovered':
        throw new Error('internal error: lowering a program with syntax errors');
      default:
        assertNever(decl, 'declaration');
    }
  }
  return ir;
}

function withTitle<T extends object>(base: T, title: A.StringLit | undefined): T & { title?: string } {
  return title ? { ...base, title: title.value } : base;
}

function lowerConsent(decl: A.ConsentDecl): ConsentIR {
  const consent: ConsentIR = withTitle({ name: decl.name.text }, decl.title);
  for (const clause of decl.clauses) {
    switch (clause.kind) {
      case 'expires':
        consent.expiresAfterMs = durationMs(clause.duration);
        break;
      case 'remind':
        consent.remindBeforeMs = durationMs(clause.duration);
        break;
      case 'categories':
        consent.categories = withoutRepeats([...(consent.categories ?? []), ...clause.categories.map((category) => category.text)]);
        break;
      case 'confirm':
        consent.confirmTemplate = clause.template.value;
        break;
      default:
        assertNever(clause, 'consent clause');
    }
  }
  return consent;
}

/** In order, each category once: the first spelling of those equal ignoring case (as they are matched). */
function withoutRepeats(categories: string[]): string[] {
  const seen = new Set<string>();
  return categories.filter((category) => {
    const key = category.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function lowerSegment(decl: A.SegmentDecl): SegmentIR {
  return {
    ...withTitle({ name: decl.name.text }, decl.title),
    condition: lowerCondition(decl.condition, NO_VARIABLES),
    dependsOn: referencedSegments(decl.condition),
  };
}

function lowerJourney(decl: A.JourneyDecl): JourneyIR {
  let trigger: TriggerIR | undefined;
  const requiresConsent: string[] = [];
  let reentry: ReentryIR = { kind: 'never' };
  const exitOn: JourneyIR['exitOn'] = [];
  const exitWhen: ConditionIR[] = [];
  let quietHours: JourneyIR['quietHours'];
  let operational = false;
  let onExit: A.Block | undefined;
  const steps: A.Step[] = [];

  for (const item of decl.items) {
    switch (item.kind) {
      case 'trigger':
        trigger = lowerTrigger(item.trigger);
        break;
      case 'requiresConsent':
        if (!requiresConsent.includes(item.purpose.text)) requiresConsent.push(item.purpose.text);
        break;
      case 'reentry':
        reentry = lowerReentry(item.policy);
        break;
      case 'exitOn':
        exitOn.push(eventMatch(item.event, item.where, NO_VARIABLES));
        break;
      case 'exitWhen':
        exitWhen.push(lowerCondition(item.condition, NO_VARIABLES));
        break;
      case 'quietHours':
        quietHours = { start: formatTime(item.start), end: formatTime(item.end) };
        break;
      case 'operational':
        operational = true;
        break;
      case 'onExit':
        onExit = item.body;
        break;
      default:
        steps.push(item);
    }
  }
  if (!trigger) throw new Error(`internal error: journey '${decl.name.text}' has no trigger`);

  const journey: JourneyIR = {
    ...withTitle({ name: decl.name.text }, decl.title),
    trigger,
    requiresConsent,
    messages: messageKind(operational, requiresConsent),
    reentry,
    exitOn,
    steps: lowerSteps(steps, '', NO_VARIABLES),
  };
  if (onExit) journey.onExit = lowerOnExit(onExit);
  // Several `exit when` headers: the run ends when any of them holds.
  if (exitWhen.length === 1) journey.exitWhen = exitWhen[0];
  if (exitWhen.length > 1) journey.exitWhen = { kind: 'or', any: exitWhen };
  if (quietHours) journey.quietHours = quietHours;
  return journey;
}

/**
 * Written out for every journey and broadcast, so the send path reads it rather than infer
 * it. A journey that sends no e-mail and says nothing (webhooks, tags) is operational: its
 * webhooks are sent as they always were.
 */
function messageKind(operational: boolean, requiresConsent: string[]): MessageKind {
  return !operational && requiresConsent.length > 0 ? 'marketing' : 'operational';
}

/** Step ids `onExit.0`, `onExit.0@3.0`: apart from the steps', for the funnel's counts. */
function lowerOnExit(block: A.Block): OnExitStepIR[] {
  return lowerSteps(block.steps, 'onExit', NO_VARIABLES).map((step) => {
    if (step.kind !== 'tag' && step.kind !== 'untag' && step.kind !== 'setTrait') {
      throw new Error(`internal error: '${step.kind}' in on exit`);
    }
    return step;
  });
}

function lowerBroadcast(decl: A.BroadcastDecl): BroadcastIR {
  let segment: string | undefined;
  let send: Extract<A.Step, { kind: 'sendEmail' }> | undefined;
  let operational = false;
  const requiresConsent: string[] = [];
  const optional: Pick<BroadcastIR, 'ratePerSecond' | 'quietHours'> = {};
  for (const clause of decl.clauses) {
    switch (clause.kind) {
      case 'audience':
        segment = clause.segment.text;
        break;
      case 'requiresConsent':
        if (!requiresConsent.includes(clause.purpose.text)) requiresConsent.push(clause.purpose.text);
        break;
      case 'operational':
        operational = true;
        break;
      case 'quietHours':
        optional.quietHours = { start: formatTime(clause.start), end: formatTime(clause.end) };
        break;
      case 'rate':
        optional.ratePerSecond = ratePerSecond(clause.count.value, clause.per);
        break;
      case 'send':
        if (clause.send.kind === 'sendEmail') send = clause.send;
        break;
      default:
        assertNever(clause, 'broadcast clause');
    }
  }
  if (segment === undefined || !send) throw new Error(`internal error: broadcast '${decl.name.text}' has no audience or no send`);
  return {
    ...withTitle({ name: decl.name.text }, decl.title),
    segment,
    requiresConsent,
    messages: messageKind(operational, requiresConsent),
    ...optional,
    template: send.template.value,
    with: lowerWith(send.with, NO_VARIABLES),
  };
}

function lowerTrigger(trigger: A.Trigger): TriggerIR {
  switch (trigger.kind) {
    case 'performed':
      return { kind: 'performed', ...eventMatch(trigger.event, trigger.where, NO_VARIABLES) };
    case 'entersSegment':
      return {
        kind: 'entersSegment',
        segment: trigger.segment.text,
        ...(trigger.includeCurrentMembers ? { includeCurrentMembers: true as const } : {}),
      };
    case 'exitsSegment':
      return { kind: 'exitsSegment', segment: trigger.segment.text };
    default:
      return assertNever(trigger, 'trigger');
  }
}

function lowerReentry(policy: A.ReentryPolicy): ReentryIR {
  if (policy === 'never' || policy === 'always') return { kind: policy };
  return { kind: 'after', ms: durationMs(policy) };
}

function eventMatch(event: A.StringLit, where: A.PropCondition | undefined, env: Env): { event: string; where?: PropConditionIR } {
  const match: { event: string; where?: PropConditionIR } = { event: interpolate(event.value, env) };
  if (where) match.where = lowerPropCondition(where, env);
  return match;
}

// ------------------------------------------------------------------- steps

/**
 * Step ids are position paths: `3` is the fourth step of the journey, `3.then.0` the first
 * step of its `then` block, `2@4.1` the second step of the body of the `for` at `2` in the
 * iteration where the variable is 4. Editing comments or whitespace keeps them; so does
 * changing a step in place.
 */
function lowerSteps(steps: A.Step[], prefix: string, env: Env): StepIR[] {
  return steps.flatMap((step, index) => lowerStep(step, prefix === '' ? String(index) : `${prefix}.${index}`, env));
}

function lowerStep(step: A.Step, id: string, env: Env): StepIR[] {
  switch (step.kind) {
    case 'tag':
      return [{ kind: 'tag', id, tag: interpolate(step.tag.value, env) }];
    case 'untag':
      return [{ kind: 'untag', id, tag: interpolate(step.tag.value, env) }];
    case 'setTrait':
      return [{ kind: 'setTrait', id, path: step.path.segments.join('.'), value: lowerValue(step.value, env) }];
    case 'sendEmail':
      return [{ kind: 'sendEmail', id, template: interpolate(step.template.value, env), with: lowerWith(step.with, env) }];
    case 'sendWebhook':
      return [{ kind: 'sendWebhook', id, name: interpolate(step.name.value, env), with: lowerWith(step.with, env) }];
    case 'wait':
      return [{ kind: 'wait', id, ms: durationMs(step.duration) }];
    case 'waitUntil':
      return [{ kind: 'waitUntil', id, time: formatTime(step.time) }];
    case 'waitFor':
      return [
        {
          kind: 'waitFor',
          id,
          ...eventMatch(step.event, step.where, env),
          timeoutMs: durationMs(step.timeout),
          then: lowerSteps(step.then?.steps ?? [], `${id}.then`, env),
          otherwise: lowerSteps(step.otherwise?.steps ?? [], `${id}.otherwise`, env),
        },
      ];
    case 'if':
      return [
        {
          kind: 'if',
          id,
          condition: lowerCondition(step.condition, env),
          then: lowerSteps(step.then.steps, `${id}.then`, env),
          else: lowerSteps(step.else?.steps ?? [], `${id}.else`, env),
        },
      ];
    case 'split':
      return [
        {
          kind: 'split',
          id,
          branches: step.branches.map((branch, k) => ({
            percent: branch.share.value,
            steps: lowerSteps(branch.body.steps, `${id}.b${k}`, env),
          })),
        },
      ];
    case 'for': {
      const unrolled: StepIR[] = [];
      for (let i = step.from.value; i <= step.to.value; i++) {
        const inner = new Map(env).set(step.variable.text, i);
        unrolled.push(...lowerSteps(step.body.steps, `${id}@${i}`, inner));
      }
      return unrolled;
    }
    case 'exit':
      return [{ kind: 'exit', id }];
    default:
      return assertNever(step, 'step');
  }
}

function lowerWith(entries: A.WithEntry[], env: Env): Record<string, Scalar> {
  const map: Record<string, Scalar> = {};
  for (const entry of entries) map[entry.key.text] = lowerValue(entry.value, env);
  return map;
}

// ------------------------------------------------------------------- values

/** Replaces `{name}` by the value of loop variable `name`; other braces stay as written. */
export function interpolate(text: string, env: Env): string {
  if (env.size === 0 || !text.includes('{')) return text;
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    const value = env.get(name);
    return value === undefined ? whole : String(value);
  });
}

function lowerValue(value: A.Value, env: Env): Scalar {
  switch (value.kind) {
    case 'string':
      return interpolate(value.value, env);
    case 'number':
    case 'boolean':
      return value.value;
    case 'null':
      return null;
    case 'date':
      return value.text;
    case 'time':
      return formatTime(value);
    case 'variable': {
      const bound = env.get(value.name);
      if (bound === undefined) throw new Error(`internal error: unbound variable '${value.name}'`);
      return bound;
    }
    default:
      return assertNever(value, 'value');
  }
}

// ------------------------------------------------------------------- conditions

function lowerComparison(comparison: A.Comparison, env: Env): ComparisonIR {
  switch (comparison.kind) {
    case 'compare': {
      const value = lowerValue(comparison.value, env);
      if (comparison.op === 'eq' || comparison.op === 'ne') return { op: comparison.op, value };
      if (typeof value !== 'number' && typeof value !== 'string') {
        throw new Error('internal error: ordering comparison with a non-number, non-string value');
      }
      return { op: comparison.op, value };
    }
    case 'in':
      return { op: comparison.negated ? 'notIn' : 'in', values: comparison.values.map((v) => lowerValue(v, env)) };
    case 'contains':
    case 'startsWith':
      return { op: comparison.kind, value: String(lowerValue(comparison.value, env)) };
    case 'exists':
      return { op: 'exists' };
    case 'missing':
      return { op: 'missing' };
    default:
      return assertNever(comparison, 'comparison');
  }
}

function lowerPropCondition(condition: A.PropCondition, env: Env): PropConditionIR {
  switch (condition.kind) {
    case 'and':
      return { kind: 'and', all: condition.operands.map((c) => lowerPropCondition(c, env)) };
    case 'or':
      return { kind: 'or', any: condition.operands.map((c) => lowerPropCondition(c, env)) };
    case 'not':
      return { kind: 'not', condition: lowerPropCondition(condition.operand, env) };
    case 'prop':
      return { kind: 'prop', path: condition.path.segments.join('.'), cmp: lowerComparison(condition.comparison, env) };
    default:
      return assertNever(condition, 'property condition');
  }
}

function lowerCondition(condition: A.Condition, env: Env): ConditionIR {
  switch (condition.kind) {
    case 'and':
      return { kind: 'and', all: condition.operands.map((c) => lowerCondition(c, env)) };
    case 'or':
      return { kind: 'or', any: condition.operands.map((c) => lowerCondition(c, env)) };
    case 'not':
      return { kind: 'not', condition: lowerCondition(condition.operand, env) };
    case 'trait':
      return { kind: 'trait', path: condition.path.segments.join('.'), cmp: lowerComparison(condition.comparison, env) };
    case 'tagged':
      return condition.like
        ? { kind: 'taggedLike', glob: interpolate(condition.tag.value, env) }
        : { kind: 'tagged', tag: interpolate(condition.tag.value, env) };
    case 'inSegment':
      return { kind: 'inSegment', segment: condition.segment.text };
    case 'consentIs':
      return { kind: 'consent', purpose: condition.purpose.text, state: condition.state };
    case 'performed': {
      const performed: Extract<ConditionIR, { kind: 'performed' }> = {
        kind: 'performed',
        ...eventMatch(condition.event, condition.where, env),
        count: { op: 'atLeast', n: 1 },
      };
      for (const clause of condition.clauses) {
        if (clause.kind === 'count') performed.count = { op: clause.op, n: clause.n.value };
        else performed.withinMs = durationMs(clause.duration);
      }
      return performed;
    }
    case 'aggregate': {
      const aggregate: Extract<ConditionIR, { kind: 'aggregate' }> = {
        kind: 'aggregate',
        fn: condition.fn,
        property: interpolate(condition.property.value, env),
        event: interpolate(condition.event.value, env),
        op: condition.op,
        value: condition.value.value,
      };
      if (condition.within) aggregate.withinMs = durationMs(condition.within);
      return aggregate;
    }
    case 'seen':
      return { kind: 'seen', which: condition.which, relation: condition.relation, ms: durationMs(condition.duration) satisfies Millis };
    default:
      return assertNever(condition, 'condition');
  }
}
