/** The pure parts: what a condition compiles to, and the shared helpers. No database here. */
import { describe, expect, it } from 'vitest';
import { compareCodePoints, globToRegexBody, valueAtPath, windowStart } from '../../src/conditions/condition-semantics.js';
import type { ConditionIR } from '../../src/dsl/ir.js';
import { compileCondition, trackEventFilter } from '../../src/conditions/query.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('compileCondition', () => {
  it('keeps a profile-only subtree in one filter, so the database combines it', () => {
    const condition: ConditionIR = {
      kind: 'or',
      any: [
        { kind: 'tagged', tag: 'vip' },
        { kind: 'not', condition: { kind: 'consent', purpose: 'newsletter', state: 'denied' } },
      ],
    };
    expect(compileCondition(condition, NOW)).toEqual({
      kind: 'profiles',
      filter: { $or: [{ tags: 'vip' }, { $nor: [{ 'consents.newsletter.state': 'denied' }] }] },
    });
  });

  it('combines profile and event parts by set algebra', () => {
    const plan = compileCondition(
      {
        kind: 'and',
        all: [
          { kind: 'tagged', tag: 'a' },
          { kind: 'tagged', tag: 'b' },
          { kind: 'performed', event: 'purchase', count: { op: 'atLeast', n: 2 }, withinMs: 1000 },
        ],
      },
      NOW,
    );
    expect(plan).toEqual({
      kind: 'and',
      all: [
        { kind: 'profiles', filter: { $and: [{ tags: 'a' }, { tags: 'b' }] } },
        { kind: 'eventCount', events: trackEventFilter('purchase', 1000, NOW), bound: { op: 'atLeast', n: 2 } },
      ],
    });
  });

  it('turns max > v into "some event above v" (FerretDB has no $max accumulator)', () => {
    const plan = compileCondition({ kind: 'aggregate', fn: 'max', property: 'amount', event: 'purchase', op: 'gt', value: 300 }, NOW);
    expect(plan.kind).toBe('eventsExist');
    expect(JSON.stringify(plan)).toContain('"properties.amount":{"$gt":300}');
  });

  it('turns min > v into "some value and none at or below v"', () => {
    const plan = compileCondition({ kind: 'aggregate', fn: 'min', property: 'amount', event: 'purchase', op: 'gt', value: 300 }, NOW);
    expect(plan).toMatchObject({ kind: 'and', all: [{ kind: 'eventsExist' }, { kind: 'not', plan: { kind: 'eventsExist' } }] });
    expect(JSON.stringify(plan)).toContain('"properties.amount":{"$lte":300}');
  });

  it('anchors tagged-like globs with \\z, which PCRE and RE2 read alike', () => {
    expect(compileCondition({ kind: 'taggedLike', glob: 'a.*' }, NOW)).toEqual({
      kind: 'profiles',
      filter: { tags: { $regex: '^a\\.[\\s\\S]*\\z' } },
    });
  });

  it('never names a path MongoDB would read as an operator or cannot name: such a path finds nothing', () => {
    const nobody = { kind: 'profiles', filter: { _id: { $in: [] } } };
    const everybody = { kind: 'profiles', filter: {} };
    expect(compileCondition({ kind: 'trait', path: '$where', cmp: { op: 'exists' } }, NOW)).toEqual(nobody);
    expect(compileCondition({ kind: 'trait', path: '$where', cmp: { op: 'ne', value: 1 } }, NOW)).toEqual(everybody);
    // An aggregate's property is a text: `sum "a..b" of "x" < 1` holds for everyone (the sum of no values is 0).
    expect(compileCondition({ kind: 'aggregate', fn: 'sum', property: 'a..b', event: 'x', op: 'lt', value: 1 }, NOW)).toEqual(everybody);
    expect(compileCondition({ kind: 'aggregate', fn: 'max', property: '$amount', event: 'x', op: 'ne', value: 1 }, NOW)).toEqual(nobody);
  });

  it('windows start exactly `within` before now, exclusive', () => {
    expect(trackEventFilter('x', 1000, NOW)).toEqual({ type: 'track', event: 'x', timestamp: { $gt: new Date(NOW.getTime() - 1000) } });
    expect(windowStart(NOW, 1000).getTime()).toBe(NOW.getTime() - 1000);
  });
});

describe('shared semantics', () => {
  it('escapes regex syntax in globs', () => {
    expect(globToRegexBody('a?b*c.(d)[e]{f}|g^h$i+j\\k')).toBe('a[\\s\\S]b[\\s\\S]*c\\.\\(d\\)\\[e\\]\\{f\\}\\|g\\^h\\$i\\+j\\\\k');
  });

  it('orders strings by code point like MongoDB, not by UTF-16 unit like <', () => {
    expect('😀' < '\uFF21').toBe(true);
    expect(compareCodePoints('😀', '\uFF21')).toBeGreaterThan(0);
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('abc', 'abc')).toBe(0);
  });

  it('finds values only through plain objects and own properties', () => {
    expect(valueAtPath({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(valueAtPath({ a: [{ b: 1 }] }, 'a.b')).toBeUndefined();
    expect(valueAtPath({ a: null }, 'a')).toBeUndefined();
    expect(valueAtPath({}, 'constructor')).toBeUndefined();
    expect(valueAtPath({ a: new Date(0) }, 'a.getTime')).toBeUndefined();
    // Paths a query cannot name find nothing here either (FerretDB stores an empty key; MongoDB, a `$` one).
    expect(valueAtPath({ '': { b: 1 } }, '.b')).toBeUndefined();
    expect(valueAtPath({ $amount: 1 }, '$amount')).toBeUndefined();
  });
});
