/**
 * The tricky cases, by name: a handful of hand-made profiles and, for each condition, the
 * profiles it must select. Every case is checked against the three evaluations — the
 * in-memory predicate, the query on the real database, and the segment engine's facts —
 * so a table row documents the semantics (docs/conditions.md) and pins all three to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComparisonIR, ConditionIR } from '../../src/dsl/ir.js';
import { evaluateCondition } from '../../src/conditions/predicate.js';
import { findMatchingProfileIds } from '../../src/conditions/query.js';
import type { EventDoc } from '../../src/model.js';
import { factMeasure, foldEvent, leafKeyOf, type Facts } from '../../src/segments/facts.js';
import { eventConditionsOf, leafOf } from '../../src/segments/leaves.js';
import { PopulationStore } from '../../src/store/population.js';
import { freshDatabase } from '../support/servers.js';
import { loadWorld, segmentSource, subjectOf, type LoadedWorld } from './support/world.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function profile(id: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _id: id,
    traits: {},
    tags: [],
    identities: {},
    consents: {},
    journeys: [],
    firstSeenAt: ago(100 * DAY),
    lastSeenAt: ago(DAY),
    createdAt: ago(100 * DAY),
    updatedAt: NOW,
    ...fields,
  };
}

let serial = 0;
function track(profileId: string, event: string, properties: Record<string, unknown>, timestamp: Date): Record<string, unknown> {
  const id = `e${serial++}`;
  return {
    _id: id,
    messageId: id,
    type: 'track',
    event,
    profileId,
    properties,
    context: {},
    timestamp,
    receivedAt: NOW,
    dispatch: 'dispatched',
  };
}

const PROFILES = [
  profile('number5', { traits: { age: 5, address: { city: 'Kraków' } }, tags: ['1rozdz1ebook'] }),
  profile('string5', { traits: { age: '5', address: [{ city: 'Kraków' }] }, tags: ['a.b', 'x\n'] }),
  profile('array5', { traits: { age: [5, 7], interests: ['golf', 'chess'] }, tags: ['2rozdz1ebook', 'axb'] }),
  profile('nullAge', { traits: { age: null, interests: 'golfing', nickname: '😀' }, tags: ['a*b'] }),
  profile('noTraits', { traits: {}, tags: [], firstSeenAt: ago(30 * DAY), lastSeenAt: ago(30 * DAY) }),
  profile('consents', {
    traits: { nickname: '\uFF21' },
    consents: {
      live: { state: 'granted', at: ago(DAY), expiresAt: new Date(NOW.getTime() + 1) },
      expiredNow: { state: 'granted', at: ago(DAY), expiresAt: NOW },
      forever: { state: 'granted', at: ago(DAY) },
      denied: { state: 'denied', at: ago(DAY), expiresAt: ago(DAY) },
      odd: { state: 'paused', at: ago(DAY) },
    },
    firstSeenAt: new Date(ago(30 * DAY).getTime() + 1),
    lastSeenAt: new Date(ago(30 * DAY).getTime() - 1),
  }),
];

const EVENTS = [
  // number5: purchases exactly at, just inside and just outside the 30-day window.
  track('number5', 'purchase', { amount: 100 }, ago(30 * DAY)),
  track('number5', 'purchase', { amount: 300 }, new Date(ago(30 * DAY).getTime() + 1)),
  track('number5', 'purchase', { amount: 500 }, new Date(ago(30 * DAY).getTime() - 1)),
  // string5: amounts that are not numbers are ignored by aggregates, but the events count.
  track('string5', 'purchase', { amount: '400' }, ago(DAY)),
  track('string5', 'purchase', { amount: [400] }, ago(DAY)),
  // An empty key (FerretDB stores one): no path reaches it.
  track('string5', 'purchase', { amount: 50, item: { price: 2 }, '': { amount: 9 } }, ago(DAY)),
  // array5: an identify with an event name does not count as performing it.
  { ...track('array5', 'purchase', { amount: 1000 }, ago(DAY)), type: 'identify' },
  track('array5', 'view', { item: [{ price: 9 }] }, ago(DAY)),
  // An erased profile's leftovers.
  track('ghost', 'purchase', { amount: 100 }, ago(DAY)),
];

const ALL = PROFILES.map((doc) => String(doc._id));
const trait = (path: string, cmp: ComparisonIR): ConditionIR => ({ kind: 'trait', path, cmp });
const not = (condition: ConditionIR): ConditionIR => ({ kind: 'not', condition });
const except = (...ids: string[]) => ALL.filter((id) => !ids.includes(id));
const WITHIN_30_DAYS = 30 * DAY;

const CASES: [string, ConditionIR, string[]][] = [
  ['numbers compare numerically, never with strings or arrays', trait('age', { op: 'gt', value: 3 }), ['number5']],
  ['= on an array is not membership', trait('age', { op: 'eq', value: 5 }), ['number5']],
  ['a string compares with strings only', trait('age', { op: 'gte', value: '4' }), ['string5']],
  ['!= holds for missing, null and other types', trait('age', { op: 'ne', value: 5 }), except('number5')],
  ['not in holds for missing', trait('age', { op: 'notIn', values: [5, '5'] }), except('number5', 'string5')],
  ['= null means missing (null counts as missing)', trait('age', { op: 'eq', value: null }), ['nullAge', 'noTraits', 'consents']],
  ['in with null includes missing', trait('age', { op: 'in', values: [null, '5'] }), ['string5', 'nullAge', 'noTraits', 'consents']],
  ['exists: null is not a value', trait('age', { op: 'exists' }), ['number5', 'string5', 'array5']],
  ['is missing', trait('age', { op: 'missing' }), ['nullAge', 'noTraits', 'consents']],
  ['nested path into an object', trait('address.city', { op: 'eq', value: 'Kraków' }), ['number5']],
  ['a path through an array finds nothing', trait('address.city', { op: 'missing' }), except('number5')],
  ['contains on an array is membership', trait('interests', { op: 'contains', value: 'golf' }), ['array5', 'nullAge']],
  ['contains on a string is a substring', trait('interests', { op: 'contains', value: 'olf' }), ['nullAge']],
  ['startsWith is for strings', trait('interests', { op: 'startsWith', value: 'golf' }), ['nullAge']],
  ['strings order by code point (😀 U+1F600 after Ａ U+FF21)', trait('nickname', { op: 'gt', value: '\uFF21' }), ['nullAge']],
  ['a trait named like an Object property is just missing', trait('constructor', { op: 'exists' }), []],
  ['tagged like: * runs, anchored', { kind: 'taggedLike', glob: '*rozdz1ebook' }, ['number5', 'array5']],
  ['tagged like: ? is one character', { kind: 'taggedLike', glob: '?rozdz1ebook' }, ['number5', 'array5']],
  ['tagged like: regex characters are literal', { kind: 'taggedLike', glob: 'a.b' }, ['string5']],
  ['tagged like: * matches a literal star too', { kind: 'taggedLike', glob: 'a*b' }, ['string5', 'array5', 'nullAge']],
  ['tagged like: anchored at the very end, not before a newline', { kind: 'taggedLike', glob: 'x' }, []],
  ['tagged like: ? matches a newline', { kind: 'taggedLike', glob: 'x?' }, ['string5']],
  ['consent granted before its expiry', { kind: 'consent', purpose: 'live', state: 'granted' }, ['consents']],
  ['consent expiring exactly now is missing', { kind: 'consent', purpose: 'expiredNow', state: 'missing' }, ALL],
  ['consent without expiry stays granted', { kind: 'consent', purpose: 'forever', state: 'granted' }, ['consents']],
  ['denied does not expire', { kind: 'consent', purpose: 'denied', state: 'denied' }, ['consents']],
  ['an unknown state counts as missing', { kind: 'consent', purpose: 'odd', state: 'missing' }, ALL],
  [
    'performed: default at least once, all time',
    { kind: 'performed', event: 'purchase', count: { op: 'atLeast', n: 1 } },
    ['number5', 'string5'],
  ],
  [
    'within excludes the event exactly at the boundary',
    { kind: 'performed', event: 'purchase', count: { op: 'exactly', n: 1 }, withinMs: WITHIN_30_DAYS },
    ['number5'],
  ],
  [
    'exactly 0 times includes profiles without events',
    { kind: 'performed', event: 'purchase', count: { op: 'exactly', n: 0 } },
    except('number5', 'string5'),
  ],
  [
    'at most 2 includes profiles without events',
    { kind: 'performed', event: 'purchase', count: { op: 'atMost', n: 2 } },
    except('number5', 'string5'),
  ],
  [
    'where filters the counted events',
    {
      kind: 'performed',
      event: 'purchase',
      count: { op: 'atLeast', n: 1 },
      where: { kind: 'prop', path: 'item.price', cmp: { op: 'gte', value: 2 } },
    },
    ['string5'],
  ],
  [
    'where through an array of objects finds nothing',
    {
      kind: 'performed',
      event: 'view',
      count: { op: 'atLeast', n: 1 },
      where: { kind: 'prop', path: 'item.price', cmp: { op: 'exists' } },
    },
    [],
  ],
  ['sum ignores non-numbers', agg('sum', 'eq', 50), ['string5']],
  ['sum of nothing is 0', agg('sum', 'eq', 0), except('number5', 'string5')],
  ['sum in the window', agg('sum', 'eq', 300, WITHIN_30_DAYS), ['number5']],
  ['average of nothing never compares', agg('average', 'ne', 1), ['number5', 'string5']],
  ['average', agg('average', 'eq', 300), ['number5']],
  ['max > v: some value above', agg('max', 'gt', 300), ['number5']],
  ['max < v: values and none at or above', agg('max', 'lt', 500), ['string5']],
  ['max = v', agg('max', 'eq', 500), ['number5']],
  ['max != v needs values', agg('max', 'ne', 500), ['string5']],
  ['min >= v', agg('min', 'gte', 50), ['number5', 'string5']],
  ['min = v', agg('min', 'eq', 100), ['number5']],
  ['min < v', agg('min', 'lt', 100), ['string5']],
  // An aggregate's property is a text, so it may spell a path no query can name; the query used to throw.
  ['a property path with an empty part finds nothing', agg('sum', 'eq', 0, undefined, '.amount'), ALL],
  ['a property path starting with $ finds nothing', agg('max', 'ne', 1, undefined, '$amount'), []],
  [
    'first seen within: strictly after the boundary',
    { kind: 'seen', which: 'first', relation: 'within', ms: WITHIN_30_DAYS },
    ['consents'],
  ],
  [
    'last seen more than: strictly before the boundary',
    { kind: 'seen', which: 'last', relation: 'moreThanAgo', ms: WITHIN_30_DAYS },
    ['consents'],
  ],
  ['in segment ignores erased members', { kind: 'inSegment', segment: 'vips' }, ['number5']],
  [
    'not of an event condition is its complement',
    not({ kind: 'performed', event: 'view', count: { op: 'atLeast', n: 1 } }),
    except('array5'),
  ],
  [
    'empty and is true, empty or is false',
    {
      kind: 'or',
      any: [
        { kind: 'and', all: [] },
        { kind: 'or', any: [] },
      ],
    },
    ALL,
  ],
  [
    'profile and event parts combine',
    {
      kind: 'and',
      all: [
        trait('age', { op: 'exists' }),
        not({ kind: 'inSegment', segment: 'vips' }),
        { kind: 'performed', event: 'purchase', count: { op: 'atLeast', n: 1 } },
      ],
    },
    ['string5'],
  ],
];

type AggregateIR = Extract<ConditionIR, { kind: 'aggregate' }>;
function agg(fn: AggregateIR['fn'], op: AggregateIR['op'], value: number, withinMs?: number, property = 'amount'): AggregateIR {
  const condition: AggregateIR = { kind: 'aggregate', fn, property, event: 'purchase', op, value };
  if (withinMs !== undefined) condition.withinMs = withinMs;
  return condition;
}

const segments = new Map([['vips', new Set(['number5', 'ghost'])]]);

/** The facts the segment engine keeps for the condition's event parts, each event folded once as it arrives. */
function factsOf(condition: ConditionIR, events: readonly EventDoc[]): Facts {
  const facts: Facts = {};
  for (const part of eventConditionsOf(condition)) {
    const key = leafKeyOf(part);
    const leaf = leafOf(part);
    for (const event of events) {
      const next = foldEvent(leaf, facts[key], event, event.receivedAt);
      if (next) facts[key] = next;
    }
  }
  return facts;
}

describe('conditions: tricky cases in all three evaluations', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let world: LoadedWorld;

  beforeAll(async () => {
    database = await freshDatabase('conditioncases');
    world = await loadWorld(database.db, PROFILES, EVENTS);
  });
  afterAll(async () => database?.drop());

  it.each(CASES)('%s', async (_name, condition, expected) => {
    const byPredicate = world.profiles
      .filter((doc) => evaluateCondition(condition, subjectOf(world, doc, segments), NOW))
      .map((doc) => doc._id);
    const byQuery = await findMatchingProfileIds(new PopulationStore(database.db), condition, NOW, {
      segmentMembers: segmentSource(segments),
    });
    const byFacts = world.profiles
      .filter((doc) =>
        evaluateCondition(
          condition,
          { ...subjectOf(world, doc, segments), measure: factMeasure(factsOf(condition, world.eventsByProfile.get(doc._id) ?? [])) },
          NOW,
        ),
      )
      .map((doc) => doc._id);
    expect(byPredicate.sort(), 'predicate').toEqual([...expected].sort());
    expect([...byQuery].sort(), 'query').toEqual([...expected].sort());
    expect(byFacts.sort(), 'segment facts').toEqual([...expected].sort());
  });
});
