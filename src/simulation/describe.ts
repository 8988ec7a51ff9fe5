/**
 * A condition of the IR back in the language's words, for the timeline's "why": the IR
 * keeps no source text, and a marketer reads `trait plan = "pro" held` faster than JSON.
 * Durations come back in the largest whole unit.
 */
import { assertNever } from '../dsl/assert-never.js';
import type { ComparisonIR, ConditionIR, PropConditionIR, Scalar } from '../dsl/ir.js';

const OPS = { eq: '=', ne: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;
const UNITS: [string, number][] = [
  ['week', 604_800_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];

export function describeDuration(ms: number): string {
  const [unit, size] = UNITS.find(([, size]) => ms % size === 0 && ms >= size) ?? ['second', 1_000];
  const amount = ms / size;
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

const scalar = (value: Scalar) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function comparison(cmp: ComparisonIR): string {
  switch (cmp.op) {
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return `${OPS[cmp.op]} ${scalar(cmp.value)}`;
    case 'in':
    case 'notIn':
      return `${cmp.op === 'in' ? 'in' : 'not in'} [${cmp.values.map(scalar).join(', ')}]`;
    case 'contains':
      return `contains ${scalar(cmp.value)}`;
    case 'startsWith':
      return `starts with ${scalar(cmp.value)}`;
    case 'exists':
      return 'exists';
    case 'missing':
      return 'is missing';
    default:
      return assertNever(cmp, 'comparison');
  }
}

export function describePropCondition(condition: PropConditionIR): string {
  switch (condition.kind) {
    case 'and':
      return condition.all.map((part) => grouped(describePropCondition(part), part.kind === 'or')).join(' and ');
    case 'or':
      return condition.any.map(describePropCondition).join(' or ');
    case 'not':
      return `not ${grouped(describePropCondition(condition.condition), condition.condition.kind !== 'prop')}`;
    case 'prop':
      return `${condition.path} ${comparison(condition.cmp)}`;
    default:
      return assertNever(condition, 'property condition');
  }
}

const grouped = (text: string, parenthesise: boolean) => (parenthesise ? `(${text})` : text);

export function describeCondition(condition: ConditionIR): string {
  switch (condition.kind) {
    case 'and':
      return condition.all.map((part) => grouped(describeCondition(part), part.kind === 'or')).join(' and ');
    case 'or':
      return condition.any.map(describeCondition).join(' or ');
    case 'not':
      return `not ${grouped(describeCondition(condition.condition), ['and', 'or'].includes(condition.condition.kind))}`;
    case 'trait':
      return `trait ${condition.path} ${comparison(condition.cmp)}`;
    case 'tagged':
      return `tagged ${JSON.stringify(condition.tag)}`;
    case 'taggedLike':
      return `tagged like ${JSON.stringify(condition.glob)}`;
    case 'inSegment':
      return `in segment ${condition.segment}`;
    case 'consent':
      return `consent ${condition.purpose} is ${condition.state}`;
    case 'performed': {
      const where = condition.where ? ` where ${describePropCondition(condition.where)}` : '';
      const count = condition.count.op === 'atLeast' && condition.count.n === 1 ? '' : ` ${countWords(condition.count)}`;
      const within = condition.withinMs === undefined ? '' : ` within ${describeDuration(condition.withinMs)}`;
      return `performed ${JSON.stringify(condition.event)}${where}${count}${within}`;
    }
    case 'aggregate': {
      const within = condition.withinMs === undefined ? '' : ` within ${describeDuration(condition.withinMs)}`;
      return `${condition.fn} ${JSON.stringify(condition.property)} of ${JSON.stringify(condition.event)}${within} ${OPS[condition.op]} ${condition.value}`;
    }
    case 'seen':
      return `${condition.which} seen ${condition.relation === 'within' ? 'within' : 'more than'} ${describeDuration(condition.ms)}${condition.relation === 'within' ? '' : ' ago'}`;
    default:
      return assertNever(condition, 'condition');
  }
}

function countWords({ op, n }: { op: 'atLeast' | 'atMost' | 'exactly'; n: number }): string {
  const words = { atLeast: 'at least', atMost: 'at most', exactly: 'exactly' }[op];
  return `${words} ${n} time${n === 1 ? '' : 's'}`;
}
