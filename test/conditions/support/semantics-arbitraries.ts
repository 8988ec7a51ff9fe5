/**
 * fast-check arbitraries for the semantics property test: a population (profiles with
 * traits, tags, consents and seen instants; events whose timestamps sit on window edges)
 * and rule programs written as text, the way marketers write them, for the compiler to
 * turn into IR. Values come from small pools on purpose: conditions then hit the data
 * often, and the pools hold the awkward cases (types that do not mix, null, arrays and
 * objects where scalars are expected, characters above U+FFFF, regex syntax, quotes and
 * backslashes, instants exactly at a window's edge).
 */
import fc from 'fast-check';
import { CUTOFF_AHEAD_MS } from '../../../src/segments/recompute.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Conditions are evaluated at these instants; event and profile instants cluster around their window edges. */
export const NOW0 = Date.parse('2026-03-01T12:00:00.000Z');
export const NOWS: readonly number[] = [NOW0, NOW0 + DAY];
/** Every event is received by then, so the database holds at each evaluated instant what the engine has seen. */
export const RECEIVED_BY = NOW0 - 20 * SECOND;
/** Deploys: before every event (all folded live), in the middle (some backfilled), after all of them (all backfilled). */
export const DEPLOY_AT: readonly number[] = [NOW0 - 90 * DAY, NOW0 - 20 * DAY, NOW0 - 3 * DAY, NOW0 - 10 * SECOND];
/** When the sweeper's recovery rebuilds some people's facts: after every deploy's judging. */
export const REBUILD_AT = NOW0 - 2 * SECOND;

/** The windows conditions use, each with the ways a marketer may write it. */
const WINDOWS: readonly { ms: number; texts: readonly string[] }[] = [
  { ms: HOUR, texts: ['1 hour', '60 minutes', '3600 seconds'] },
  { ms: DAY, texts: ['1 day', '24 hours'] },
  { ms: 7 * DAY, texts: ['7 days', '1 week'] },
  { ms: 30 * DAY, texts: ['30 days'] },
];
const WINDOW_MS = WINDOWS.map((window) => window.ms);

const NUMBERS: readonly number[] = [-3, -1, -0.5, 0, 0.5, 1, 2, 2.5, 3, 5, 10, 300, 1_000_000, 2_000_000_000, 3_000_000_000];
// prettier-ignore
const STRINGS: readonly string[] = [
  '', 'a', 'ab', 'abc', 'b', 'PL', 'pl', 'DE', '5', '10', 'e', 'é', '😀', '𝔸', '\uFF21', '\uFFFD', 'a.b', 'a*', '^a',
  'a|b', '$x', 'x\ny', 'x\n', 'Kraków', 'say "hi"', 'back\\slash', 'true', 'null', '2026-01-01', '2025-12-31',
  '2026-01-01T00:00:00Z', '09:30', '9:30'
];
/** A literal in the language cannot hold a line break. */
const LITERAL_STRINGS = STRINGS.filter((text) => !/[\r\n]/.test(text));
const NUMBER_TEXTS: readonly string[] = [...NUMBERS.map(String), '-0', '2.50'];
const DATE_TEXTS: readonly string[] = ['2026-01-01', '2025-12-31', '2026-03-01'];
const TIME_TEXTS: readonly string[] = ['09:30', '9:30', '23:59'];

// prettier-ignore
const TAGS: readonly string[] = [
  'vip', 'VIP', '1rozdz1ebook', '2rozdz1ebook', 'ebook', 'a.b', 'a*b', 'axb', 'a\\b', 'x\n', 'tag?', 'é', '😀', ''
];
const TAG_LITERALS: readonly string[] = [...TAGS.filter((tag) => tag.trim() !== '' && !tag.includes('\n')), 'nobody'];
// prettier-ignore
const GLOBS: readonly string[] = [
  '*', '?', '**', '*ebook', '?rozdz1ebook', '*rozdz*', 'ebook*', 'a.b', 'a*b', 'a?b', 'a\\*', 'x?', 'tag?', '😀', '?',
  'vi?', '[a]*', 'VIP'
];
// prettier-ignore
const TRAIT_PATHS: readonly string[] = [
  'age', 'country', 'plan', 'vip', 'interests', 'nickname', 'score', 'since', 'opens', 'firstName', 'address',
  'address.city', 'address.zip', 'address.geo.lat', 'constructor', '__proto__', 'never_set'
];
/** Event names in the data; conditions also ask for one nobody performs. */
const EVENT_NAMES: readonly string[] = ['purchase', 'view', 'signup', 'Order Completed'];
const CONDITION_EVENTS: readonly string[] = [...EVENT_NAMES, 'never_happened'];
const PROPERTY_PATHS: readonly string[] = ['amount', 'Amount', 'category', 'item', 'item.price', 'labels', 'never_set', 'constructor'];
/** Besides `amount` and `item.price`: an aggregate's property is a text, so it may spell paths no `where` could. */
const AGGREGATE_PROPERTIES: readonly string[] = ['item', 'category', 'never_set', 'a..b', '$amount', 'amount.', '.amount'];
const PURPOSES: readonly string[] = ['newsletter', 'sms', 'constructor'];
const CONDITION_PURPOSES: readonly string[] = [...PURPOSES, 'never_asked'];
const CONSENT_STATES: readonly string[] = ['granted', 'denied', 'revoked', 'pending', 'missing'];

// ================================================================ the population

const edgeMs: fc.Arbitrary<number> = fc.oneof(
  // A window's edge, to the millisecond.
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...NOWS), fc.constantFrom(...WINDOW_MS), fc.constantFrom(-1, 0, 1))
      .map(([now, window, delta]) => now - window + delta),
  },
  // Now itself.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NOWS), fc.constantFrom(-1, 0, 1)).map(([now, delta]) => now + delta) },
  { weight: 2, arbitrary: fc.integer({ min: NOW0 - 60 * DAY, max: NOWS[1]! }) },
);
const edgeInstant = edgeMs.map((ms) => new Date(ms));

const scalar: fc.Arbitrary<string | number | boolean | null> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 4, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Mostly a scalar; sometimes an array (never of arrays: FerretDB v1 cannot store them), an object or a date. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 14, arbitrary: scalar },
  {
    weight: 3,
    arbitrary: fc.array(
      fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: fc.record({ inner: fc.constantFrom(...STRINGS) }) }),
      { maxLength: 3 },
    ),
  },
  { weight: 2, arbitrary: fc.record({ inner: scalar }) },
  { weight: 1, arbitrary: edgeInstant },
);

const place = fc.record({ city: value, zip: scalar, geo: fc.oneof(fc.record({ lat: scalar }), scalar) }, { requiredKeys: [] });

const traits = fc.record(
  {
    age: value,
    country: value,
    plan: value,
    vip: value,
    interests: value,
    nickname: value,
    score: value,
    since: value,
    opens: value,
    firstName: value,
    constructor: scalar,
    address: fc.oneof(
      { weight: 6, arbitrary: place },
      { weight: 2, arbitrary: fc.array(place, { minLength: 1, maxLength: 2 }) },
      { weight: 2, arbitrary: scalar },
    ),
  },
  { requiredKeys: [] },
);

const consentRecord = fc.record(
  {
    state: fc.constantFrom('granted', 'granted', 'granted', 'denied', 'revoked', 'pending', 'expired', 'unknown'),
    at: edgeInstant,
    // Now and then not a date (written by hand, say): such a grant never lapses.
    expiresAt: fc.oneof({ weight: 9, arbitrary: edgeInstant }, { weight: 1, arbitrary: edgeInstant.map((date) => date.toISOString()) }),
  },
  { requiredKeys: ['state', 'at'] },
);

const profileFields = fc.record({
  traits,
  tags: fc.subarray([...TAGS]),
  consents: fc.record(Object.fromEntries(PURPOSES.map((purpose) => [purpose, consentRecord])), { requiredKeys: [] }),
  firstSeenAt: fc.option(edgeInstant, { freq: 8 }),
  lastSeenAt: fc.option(edgeInstant, { freq: 8 }),
});

const properties = fc.record(
  {
    amount: fc.oneof({ weight: 7, arbitrary: fc.constantFrom(...NUMBERS) }, { weight: 3, arbitrary: value }),
    Amount: fc.constantFrom(...NUMBERS),
    category: value,
    item: fc.oneof(
      { weight: 7, arbitrary: fc.record({ price: value }) },
      { weight: 3, arbitrary: fc.array(fc.record({ price: fc.constantFrom(...NUMBERS) }), { minLength: 1, maxLength: 2 }) },
    ),
    labels: fc.array(fc.constantFrom(...STRINGS), { maxLength: 3 }),
    constructor: scalar,
    // FerretDB stores an empty key; no path reaches it (`.amount` names no field).
    '': fc.record({ amount: fc.constantFrom(...NUMBERS) }),
  },
  { requiredKeys: [] },
);

const eventFields = fc.record({
  // One in ten is an identify, named or not: it never counts as performing anything.
  track: fc.integer({ min: 0, max: 9 }).map((draw) => draw > 0),
  named: fc.boolean(),
  // Mostly one name, so that people often have several events a condition counts.
  event: fc.constantFrom(...EVENT_NAMES, 'purchase', 'purchase', 'purchase'),
  properties,
  timestamp: edgeMs,
  /** How long after its timestamp the event arrived (a phone offline for a day, an import); null: any time at all. */
  delay: fc.oneof(fc.constantFrom(0, 5 * SECOND, HOUR, 3 * DAY), fc.constant(null)),
  anyTime: fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: NOW0 - 62 * DAY, max: RECEIVED_BY }) },
    // At a deploy's cutoff, to the millisecond: backfilled up to it, folded live after it.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...DEPLOY_AT), fc.constantFrom(-1, 0, 1))
        .map(([deploy, delta]) => deploy + CUTOFF_AHEAD_MS + delta),
    },
  ),
});

type EventFields = typeof eventFields extends fc.Arbitrary<infer T> ? T : never;

export interface World {
  profiles: Record<string, unknown>[];
  events: Record<string, unknown>[];
}

const EVENTS_PER_PERSON = 10;

/** `count` profiles with up to EVENTS_PER_PERSON events each, and two erased people's leftover events. */
export function worldArbitrary(count: number): fc.Arbitrary<World> {
  const person = fc.tuple(profileFields, fc.array(eventFields, { maxLength: EVENTS_PER_PERSON }));
  const ghost = fc.array(eventFields, { minLength: 3, maxLength: 3 });
  return fc
    .tuple(fc.array(person, { minLength: count, maxLength: count }), fc.array(ghost, { minLength: 2, maxLength: 2 }))
    .map(([people, ghosts]) => {
      const profiles: Record<string, unknown>[] = [];
      const events: Record<string, unknown>[] = [];
      const addEvents = (profileId: string, drawn: EventFields[]) => {
        for (const fields of drawn) events.push(eventDoc(profileId, events.length, fields));
      };
      people.forEach(([fields, drawn], index) => {
        const id = `p${String(index).padStart(4, '0')}`;
        const created = new Date(NOW0 - 90 * DAY);
        const profile: Record<string, unknown> = {
          _id: id,
          traits: fields.traits,
          tags: fields.tags,
          identities: {},
          consents: fields.consents,
          createdAt: created,
          updatedAt: created,
        };
        if (fields.firstSeenAt) profile.firstSeenAt = fields.firstSeenAt;
        if (fields.lastSeenAt) profile.lastSeenAt = fields.lastSeenAt;
        profiles.push(profile);
        addEvents(id, drawn);
      });
      ghosts.forEach((drawn, index) => addEvents(`ghost${index}`, drawn));
      return { profiles, events };
    });
}

function eventDoc(profileId: string, serial: number, fields: EventFields): Record<string, unknown> {
  const id = `e${serial}-${profileId}`;
  const arrived = fields.delay === null ? fields.anyTime : fields.timestamp + fields.delay;
  const receivedAt = new Date(Math.min(Math.max(arrived, NOW0 - 62 * DAY), RECEIVED_BY));
  const event: Record<string, unknown> = {
    _id: id,
    messageId: id,
    type: fields.track ? 'track' : 'identify',
    source: 'test',
    profileId,
    properties: fields.properties,
    context: {},
    timestamp: new Date(fields.timestamp),
    receivedAt,
  };
  if (fields.track || fields.named) event.event = fields.event;
  return event;
}

// ================================================================ rule programs, as text

/** A string literal of the language. */
export function literal(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const windowText = fc.constantFrom(...WINDOWS.flatMap((window) => window.texts));
const numberText = fc.constantFrom(...NUMBER_TEXTS);
const stringText = fc.constantFrom(...LITERAL_STRINGS).map(literal);
const dateText = fc.constantFrom(...DATE_TEXTS);
const timeText = fc.constantFrom(...TIME_TEXTS);
const valueText = fc.oneof(
  { weight: 3, arbitrary: numberText },
  { weight: 3, arbitrary: stringText },
  { weight: 1, arbitrary: dateText },
  { weight: 1, arbitrary: timeText },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') },
);
const orderedText = fc.oneof({ weight: 3, arbitrary: numberText }, { weight: 3, arbitrary: stringText }, dateText, timeText);

const comparisonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('=', '!='), valueText).map(([op, operand]) => `${op} ${operand}`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('<', '<=', '>', '>='), orderedText).map(([op, operand]) => `${op} ${operand}`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('in', 'not in'), fc.array(valueText, { minLength: 1, maxLength: 3 }))
      .map(([op, values]) => `${op} [${values.join(', ')}]`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('contains', 'starts with'), fc.oneof({ weight: 4, arbitrary: stringText }, dateText, timeText))
      .map(([op, operand]) => `${op} ${operand}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('exists', 'is missing', 'is not missing') },
);

/** A `where` clause of depth up to `depth`. */
function whereText(depth: number): fc.Arbitrary<string> {
  const atom = fc.tuple(fc.constantFrom(...PROPERTY_PATHS), comparisonText).map(([path, comparison]) => `${path} ${comparison}`);
  if (depth === 0) return atom;
  const inner = whereText(depth - 1);
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 4, arbitrary: atom },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 2, maxLength: 3 }).map((parts) => `(${parts.join(' and ')})`) },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 2, maxLength: 3 }).map((parts) => `(${parts.join(' or ')})`) },
    { weight: 1, arbitrary: inner.map((part) => `(not ${part})`) },
  );
}

const countText = fc
  .tuple(fc.constantFrom('at least', 'at most', 'exactly'), fc.constantFrom(0, 1, 1, 2, 3))
  .map(([op, n]) => `${op} ${n} ${n === 1 ? 'time' : 'times'}`);

const performedText = fc
  .record({
    event: fc.constantFrom(...CONDITION_EVENTS),
    where: fc.option(whereText(2), { freq: 2 }),
    count: fc.option(countText, { freq: 4 }),
    within: fc.option(windowText, { freq: 3 }),
    windowFirst: fc.boolean(),
  })
  .map(({ event, where, count, within, windowFirst }) => {
    const clauses = [count, within === null ? null : `within ${within}`].filter((clause) => clause !== null);
    if (windowFirst) clauses.reverse();
    // Parenthesised: a `where` would otherwise take a following `and <property comparison>` for its own.
    return `(performed ${literal(event)}${where === null ? '' : ` where ${where}`}${clauses.map((clause) => ` ${clause}`).join('')})`;
  });

const aggregateText = fc
  .tuple(
    fc.constantFrom('sum', 'average', 'min', 'max'),
    fc.oneof(
      { weight: 6, arbitrary: fc.constant('amount') },
      { weight: 2, arbitrary: fc.constant('item.price') },
      { weight: 2, arbitrary: fc.constantFrom(...AGGREGATE_PROPERTIES) },
    ),
    fc.constantFrom(...CONDITION_EVENTS),
    fc.option(windowText, { freq: 2 }),
    fc.constantFrom('=', '!=', '<', '<=', '>', '>='),
    numberText,
  )
  .map(
    ([fn, property, event, within, op, operand]) =>
      `${fn} ${literal(property)} of ${literal(event)}${within === null ? '' : ` within ${within}`} ${op} ${operand}`,
  );

const seenText = fc
  .tuple(fc.constantFrom('first', 'last'), fc.boolean(), windowText)
  .map(([which, within, duration]) => (within ? `${which} seen within ${duration}` : `${which} seen more than ${duration} ago`));

/** `in segment` is written `in segment §k`: the k-th segment declared before this one (programText resolves it). */
const atomText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...TRAIT_PATHS), comparisonText).map(([path, comparison]) => `trait ${path} ${comparison}`),
  },
  { weight: 1, arbitrary: fc.constantFrom(...TAG_LITERALS).map((tag) => `tagged ${literal(tag)}`) },
  { weight: 1, arbitrary: fc.constantFrom(...GLOBS).map((glob) => `tagged like ${literal(glob)}`) },
  { weight: 1, arbitrary: fc.nat({ max: 3 }).map((k) => `in segment §${k}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...CONDITION_PURPOSES), fc.constantFrom(...CONSENT_STATES))
      .map(([purpose, state]) => `consent ${purpose} is ${state}`),
  },
  { weight: 4, arbitrary: performedText },
  { weight: 3, arbitrary: aggregateText },
  { weight: 1, arbitrary: seenText },
);

/** A condition of depth up to `depth`. */
export function conditionText(depth: number): fc.Arbitrary<string> {
  if (depth === 0) return atomText;
  const inner = conditionText(depth - 1);
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 4, arbitrary: atomText },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 2, maxLength: 3 }).map((parts) => `(${parts.join(' and ')})`) },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 2, maxLength: 3 }).map((parts) => `(${parts.join(' or ')})`) },
    { weight: 1, arbitrary: inner.map((part) => `(not ${part})`) },
  );
}

/** A few segments, each condition free to use the ones declared before it. */
export const programArbitrary: fc.Arbitrary<string[]> = fc.array(conditionText(3), { minLength: 1, maxLength: 4 });

/**
 * The program's text: the consents conditions may name, then the segments `s0`, `s1`…
 * In `s<i>`, `in segment §k` names `s<k mod i>`; in `s0`, the fixed segment `base`.
 */
export function programText(conditions: readonly string[]): string {
  const segments = conditions.map((text, index) => {
    const resolved = text.replace(/§(\d+)/g, (_, k: string) => (index === 0 ? 'base' : `s${Number(k) % index}`));
    return `segment s${index} {\n  ${resolved}\n}`;
  });
  const base = segments.some((segment) => /in segment base\b/.test(segment))
    ? [
        'segment base {\n  (performed "purchase" within 7 days) or (tagged "vip" and consent newsletter is granted) or last seen within 1 day\n}',
      ]
    : [];
  return [...CONDITION_PURPOSES.map((purpose) => `consent ${purpose} {}`), ...base, ...segments].join('\n');
}
