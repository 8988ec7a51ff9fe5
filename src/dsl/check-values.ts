/** Checks of literals and values: durations, times, dates, strings and their `{var}` placeholders. */
import type { Comparison, Duration, StringLit, TimeLit, Value } from './ast.js';
import { assertNever } from './assert-never.js';
import type { CheckContext, Scope } from './check-context.js';
import { Diagnostics } from './codes.js';
import { durationMs, durationText, isValidDate, isValidTime, MAX_DURATION_MS } from './literals.js';
import { closestName } from './suggest.js';

export function checkDuration(ctx: CheckContext, duration: Duration): void {
  if (duration.amount <= 0 || durationMs(duration) <= 0) ctx.add(Diagnostics.nonPositiveDuration, duration.span, durationText(duration));
  else if (durationMs(duration) > MAX_DURATION_MS) ctx.add(Diagnostics.durationTooLong, duration.span, durationText(duration));
}

export function checkTime(ctx: CheckContext, time: TimeLit): void {
  if (!isValidTime(time)) ctx.add(Diagnostics.invalidTime, time.span, `${time.hours}:${String(time.minutes).padStart(2, '0')}`);
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A string: `{name}` must name a loop variable in scope (else it stays literal, with a warning). */
export function checkString(ctx: CheckContext, text: StringLit, scope: Scope): void {
  if (!text.value.includes('{')) return; // most strings: no iterator to build
  for (const match of text.value.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!scope.has(name)) ctx.add(Diagnostics.unknownPlaceholder, text.span, name);
  }
}

/** A string that names something (a tag, an event, a template) and so must not be empty. */
export function checkNonEmpty(ctx: CheckContext, text: StringLit, scope: Scope, what: string): void {
  if (text.value.trim() === '') ctx.add(Diagnostics.emptyText, text.span, what);
  checkString(ctx, text, scope);
}

export function checkValue(ctx: CheckContext, value: Value, scope: Scope): void {
  switch (value.kind) {
    case 'string':
      checkString(ctx, value, scope);
      return;
    case 'date':
      if (!isValidDate(value.text)) ctx.add(Diagnostics.invalidDate, value.span, value.text);
      return;
    case 'time':
      checkTime(ctx, value);
      return;
    case 'variable':
      if (!scope.has(value.name)) ctx.add(Diagnostics.unknownVariable, value.span, value.name, closestName(value.name, scope.keys()));
      return;
    case 'number':
    case 'boolean':
    case 'null':
      return;
    default:
      assertNever(value, 'value');
  }
}

const OPERATOR_TEXT = { eq: '=', ne: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

export function checkComparison(ctx: CheckContext, comparison: Comparison, scope: Scope): void {
  switch (comparison.kind) {
    case 'compare': {
      checkValue(ctx, comparison.value, scope);
      const ordering = comparison.op !== 'eq' && comparison.op !== 'ne';
      if (ordering && (comparison.value.kind === 'boolean' || comparison.value.kind === 'null')) {
        ctx.add(Diagnostics.orderingNeedsNumberOrText, comparison.span, OPERATOR_TEXT[comparison.op]);
      }
      return;
    }
    case 'in':
      if (comparison.values.length === 0) ctx.add(Diagnostics.emptyList, comparison.span, comparison.negated);
      for (const value of comparison.values) checkValue(ctx, value, scope);
      return;
    case 'contains':
    case 'startsWith': {
      const textual = comparison.value.kind === 'string' || comparison.value.kind === 'date' || comparison.value.kind === 'time';
      if (!textual) ctx.add(Diagnostics.needsText, comparison.value.span, comparison.kind === 'contains' ? 'contains' : 'starts with');
      else checkValue(ctx, comparison.value, scope);
      return;
    }
    case 'exists':
    case 'missing':
      return;
    default:
      assertNever(comparison, 'comparison');
  }
}
