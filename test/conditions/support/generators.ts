/**
 * Random worlds (profiles, their events, segment membership) and random conditions for
 * the differential test. Values come from small pools on purpose: conditions then hit
 * the data often, and the pools hold the awkward cases (type mismatches, null, arrays,
 * unicode above U+FFFF, regex characters, instants exactly at window edges).
 */
import type { ComparisonIR, ConditionIR, ConsentState, CountBoundIR, PropConditionIR, Scalar } from '../../../src/dsl/ir.js';
import type { Random } from './random.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

export const BASE_NOW = new Date('2026-03-01T12:00:00.000Z');
/** Conditions are evaluated at one of these instants; edges are generated around both. */
export const NOWS: readonly Date[] = [BASE_NOW, new Date(BASE_NOW.getTime() + DAY)];
export const WINDOWS_MS: readonly number[] = [HOUR, DAY, 7 * DAY, 30 * DAY];

const NUMBERS: readonly number[] = [-3, -1, -0.5, 0, 0.5, 1, 2, 2.5, 3, 5, 10, 300, 1_000_000];
const STRINGS: readonly string[] = [
  '',
  'a',
  'ab',
  'abc',
  'b',
  'PL',
  'pl',
  'DE',
  '5',
  '10',
  'e',
  'é',
  '😀',
  '𝔸',
  '\uFF21',
  '\uFFFD',
  'a.b',
  'a*',
  'x\ny',
  'x\n',
  'Kraków',
];
const TAGS: readonly string[] = ['vip', '1rozdz1ebook', '2rozdz1ebook', 'ebook', 'a.b', 'a*b', 'axb', 'x\n', 'tag?', 'é', '😀', ''];
const GLOBS: readonly string[] = [
  '*',
  '?',
  '',
  '**',
  '*ebook',
  '?rozdz1ebook',
  '*rozdz*',
  'ebook*',
  'a.b',
  'a*b',
  'a?b',
  'x',
  'x?',
  'tag?',
  '😀',
  '?',
  'vi?',
  '[a]*',
];
const TRAIT_KEYS: readonly string[] = ['age', 'country', 'plan', 'vip', 'interests', 'nickname', 'score'];
const TRAIT_PATHS: readonly string[] = [
  ...TRAIT_KEYS,
  'address',
  'address.city',
  'address.zip',
  'address.geo.lat',
  'constructor',
  'never_set',
];
export const EVENT_NAMES: readonly string[] = ['purchase', 'view', 'signup'];
const PROPERTY_PATHS: readonly string[] = ['amount', 'category', 'item', 'item.price', 'labels', 'never_set'];
/** Texts in the language: `.amount` and `$amount` are paths no query can name (they find nothing). */
const AGGREGATE_PROPERTIES: readonly string[] = ['amount', 'amount', 'item.price', 'category', 'never_set', '.amount', '$amount'];
export const SEGMENTS: readonly string[] = ['s1', 's2'];
const PURPOSES: readonly string[] = ['newsletter', 'sms'];

export interface GeneratedWorld {
  profiles: Record<string, unknown>[];
  events: Record<string, unknown>[];
  segmentMembers: Map<string, Set<string>>;
}

export function generateWorld(random: Random, profileCount: number): GeneratedWorld {
  const profiles: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const segmentMembers = new Map(SEGMENTS.map((segment) => [segment, new Set<string>()]));
  let serial = 0;
  for (let index = 0; index < profileCount; index++) {
    const id = `p${String(index).padStart(4, '0')}`;
    profiles.push(generateProfile(random, id));
    events.push(...random.many(random.int(0, 5), () => generateEvent(random, id, serial++)));
    for (const members of segmentMembers.values()) if (random.chance(0.4)) members.add(id);
  }
  // Erased profiles leave events and stale segment entries behind; they must never match.
  for (const ghost of ['ghost1', 'ghost2']) {
    events.push(...random.many(3, () => generateEvent(random, ghost, serial++)));
    for (const members of segmentMembers.values()) members.add(ghost);
  }
  return { profiles, events, segmentMembers };
}

/** An instant near the interesting edges: a window boundary (±1 ms), `now` itself, or anywhere. */
export function edgeInstant(random: Random): Date {
  const now = random.pick(NOWS).getTime();
  switch (random.int(0, 3)) {
    case 0:
    case 1:
      return new Date(now - random.pick(WINDOWS_MS) + random.pick([-1, 0, 1]));
    case 2:
      return new Date(now + random.pick([-1, 0, 1]));
    default:
      return new Date(now - random.int(0, 60 * DAY) + DAY);
  }
}

function generateProfile(random: Random, id: string): Record<string, unknown> {
  const traits: Record<string, unknown> = {};
  for (const key of TRAIT_KEYS) if (random.chance(0.7)) traits[key] = randomValue(random, 1);
  if (random.chance(0.7)) traits.address = randomAddress(random);
  const consents: Record<string, unknown> = {};
  for (const purpose of PURPOSES) if (random.chance(0.75)) consents[purpose] = randomConsent(random);
  const created = edgeInstant(random);
  return {
    _id: id,
    traits,
    tags: TAGS.filter(() => random.chance(0.2)),
    identities: {},
    consents,
    journeys: [],
    firstSeenAt: edgeInstant(random),
    lastSeenAt: edgeInstant(random),
    createdAt: created,
    updatedAt: created,
  };
}

function randomAddress(random: Random): unknown {
  const address = (): Record<string, unknown> => {
    const value: Record<string, unknown> = {};
    if (random.chance(0.7)) value.city = randomValue(random, 0);
    if (random.chance(0.5)) value.zip = randomValue(random, 0);
    if (random.chance(0.4)) value.geo = random.chance(0.8) ? { lat: randomValue(random, 0) } : randomScalar(random);
    return value;
  };
  const shape = random.int(0, 9);
  if (shape < 6) return address();
  if (shape < 8) return random.many(random.int(1, 2), address);
  return randomScalar(random);
}

function randomConsent(random: Random): Record<string, unknown> {
  const record: Record<string, unknown> = {
    state: random.pick(['granted', 'granted', 'granted', 'denied', 'revoked', 'pending', 'unknown']),
    at: edgeInstant(random),
  };
  if (random.chance(0.6)) record.expiresAt = edgeInstant(random);
  return record;
}

function generateEvent(random: Random, profileId: string, serial: number): Record<string, unknown> {
  const isTrack = random.chance(0.9);
  const properties: Record<string, unknown> = {};
  if (random.chance(0.85)) properties.amount = random.chance(0.7) ? random.pick(NUMBERS) : randomValue(random, 0);
  if (random.chance(0.5)) properties.category = randomValue(random, 0);
  if (random.chance(0.4)) properties.item = random.chance(0.7) ? { price: randomValue(random, 0) } : [{ price: random.pick(NUMBERS) }];
  if (random.chance(0.3)) properties.labels = random.many(random.int(0, 3), () => random.pick(STRINGS));
  // FerretDB stores an empty key; no path reaches it.
  if (random.chance(0.1)) properties[''] = { amount: random.pick(NUMBERS) };
  const id = `e${serial}-${profileId}`;
  const event: Record<string, unknown> = {
    _id: id,
    messageId: id,
    type: isTrack ? 'track' : 'identify',
    profileId,
    properties,
    context: {},
    timestamp: edgeInstant(random),
    receivedAt: BASE_NOW,
    dispatch: 'dispatched',
  };
  // An identify carrying a name must still not count as "performed".
  if (isTrack || random.chance(0.5)) event.event = random.pick(EVENT_NAMES);
  return event;
}

function randomScalar(random: Random): Scalar {
  switch (random.int(0, 9)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return random.pick(NUMBERS);
    case 4:
    case 5:
    case 6:
    case 7:
      return random.pick(STRINGS);
    case 8:
      return random.chance(0.5);
    default:
      return null;
  }
}

/**
 * A scalar most of the time; sometimes an array (holding nulls or objects, never arrays:
 * FerretDB v1 rejects nested arrays) or an object.
 */
function randomValue(random: Random, depth: number): unknown {
  const shape = random.int(0, 9);
  if (shape < 7 || depth > 1) return randomScalar(random);
  if (shape < 9) {
    return random.many(random.int(0, 3), () => (random.chance(0.15) ? { inner: random.pick(STRINGS) } : randomScalar(random)));
  }
  return { inner: randomScalar(random) };
}

// ---------------------------------------------------------------- conditions

export function randomCondition(random: Random, depth = 0): ConditionIR {
  if (depth < 3 && random.chance(depth === 0 ? 0.5 : 0.3)) {
    switch (random.int(0, 2)) {
      case 0:
        return { kind: 'and', all: random.many(random.int(1, 3), () => randomCondition(random, depth + 1)) };
      case 1:
        return { kind: 'or', any: random.many(random.int(1, 3), () => randomCondition(random, depth + 1)) };
      default:
        return { kind: 'not', condition: randomCondition(random, depth + 1) };
    }
  }
  return randomAtom(random);
}

function randomAtom(random: Random): ConditionIR {
  switch (random.int(0, 8)) {
    case 0:
    case 1:
      return { kind: 'trait', path: random.pick(TRAIT_PATHS), cmp: randomComparison(random) };
    case 2:
      return random.chance(0.5)
        ? { kind: 'tagged', tag: random.pick([...TAGS, 'nobody']) }
        : { kind: 'taggedLike', glob: random.pick(GLOBS) };
    case 3:
      return { kind: 'inSegment', segment: random.pick(SEGMENTS) };
    case 4:
      return {
        kind: 'consent',
        purpose: random.pick([...PURPOSES, 'never_asked']),
        state: random.pick<ConsentState>(['granted', 'denied', 'revoked', 'missing', 'pending']),
      };
    case 5:
    case 6: {
      const performed: ConditionIR = {
        kind: 'performed',
        event: random.pick([...EVENT_NAMES, 'never_happened']),
        count: randomCountBound(random),
      };
      if (random.chance(0.5)) performed.where = randomPropCondition(random, 0);
      if (random.chance(0.6)) performed.withinMs = random.pick(WINDOWS_MS);
      return performed;
    }
    case 7: {
      const aggregate: ConditionIR = {
        kind: 'aggregate',
        fn: random.pick(['sum', 'average', 'min', 'max'] as const),
        property: random.pick(AGGREGATE_PROPERTIES),
        event: random.pick([...EVENT_NAMES, 'never_happened']),
        op: random.pick(['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const),
        value: random.pick(NUMBERS),
      };
      if (random.chance(0.5)) aggregate.withinMs = random.pick(WINDOWS_MS);
      return aggregate;
    }
    default:
      return {
        kind: 'seen',
        which: random.pick(['first', 'last'] as const),
        relation: random.pick(['within', 'moreThanAgo'] as const),
        ms: random.pick(WINDOWS_MS),
      };
  }
}

function randomCountBound(random: Random): CountBoundIR {
  return { op: random.pick(['atLeast', 'atMost', 'exactly'] as const), n: random.pick([0, 1, 1, 2, 3]) };
}

function randomPropCondition(random: Random, depth: number): PropConditionIR {
  if (depth < 2 && random.chance(0.3)) {
    switch (random.int(0, 2)) {
      case 0:
        return { kind: 'and', all: random.many(random.int(1, 3), () => randomPropCondition(random, depth + 1)) };
      case 1:
        return { kind: 'or', any: random.many(random.int(1, 3), () => randomPropCondition(random, depth + 1)) };
      default:
        return { kind: 'not', condition: randomPropCondition(random, depth + 1) };
    }
  }
  return { kind: 'prop', path: random.pick(PROPERTY_PATHS), cmp: randomComparison(random) };
}

function randomComparison(random: Random): ComparisonIR {
  const op = random.pick(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'contains', 'startsWith', 'exists', 'missing'] as const);
  switch (op) {
    case 'eq':
    case 'ne':
      return { op, value: randomScalar(random) };
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return { op, value: random.chance(0.5) ? random.pick(NUMBERS) : random.pick(STRINGS) };
    case 'in':
    case 'notIn':
      return { op, values: random.many(random.int(0, 3), () => randomScalar(random)) };
    case 'contains':
    case 'startsWith':
      return { op, value: random.pick(STRINGS) };
    case 'exists':
    case 'missing':
      return { op };
  }
}
