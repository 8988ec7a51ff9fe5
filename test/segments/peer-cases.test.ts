/**
 * Segment cases of the peers' own test suites, translated to Itinera's rules: Dittofeed's
 * incremental computed-property tests (packages/backend-lib/src/computedProperties/
 * computePropertiesIncremental.test.ts) and Apache Unomi's segment tests (itests/…/SegmentIT.java).
 * Each case is a segment, the events of a few people and the membership the peer's test
 * expects. All the segments are deployed at once and the events sent right after, in one
 * batch: every membership must agree while the segments still compute (their leaves not
 * backfilled yet, which the test checks after reading), and again once they are ready (the
 * backfill neither undid nor doubled what was judged live). Some people also have history
 * sent before the deploy, which only the person's own share of the backfill can count then.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

/** A message of a case; `ago` (ms before it is sent) dates it. */
type Message =
  | { type: 'track'; user: string; event: string; properties?: Record<string, unknown>; ago?: number }
  | { type: 'identify'; user: string; traits: Record<string, unknown> };

interface PeerCase {
  peer: string;
  /** Segment name → its condition. */
  segments: Record<string, string>;
  /** Sent before the deploy (Unomi's past events). */
  history?: Message[];
  /** Sent right after the deploy. */
  events: Message[];
  /** Segment → user → member? */
  expect: Record<string, Record<string, boolean>>;
}

const track = (user: string, event: string, properties?: Record<string, unknown>, ago?: number): Message => ({
  type: 'track',
  user,
  event,
  ...(properties ? { properties } : {}),
  ...(ago === undefined ? {} : { ago }),
});
const identify = (user: string, traits: Record<string, unknown>): Message => ({ type: 'identify', user, traits });

const CASES: Record<string, PeerCase> = {
  d_performed: {
    peer: 'Dittofeed: performed segment (at least 2 times)',
    segments: { d_performed: 'performed "test" at least 2 times' },
    events: [
      track('u1', 'test', undefined, 150),
      track('u1', 'test', undefined, 100),
      identify('u1', { email: 'test1@email.com' }),
      track('u2', 'test', undefined, 100),
      identify('u2', { email: 'test2@email.com' }),
      track('u3', 'unrelated', undefined, 100),
      identify('u3', { email: 'test3@email.com' }),
    ],
    expect: { d_performed: { u1: true, u2: false, u3: false } },
  },
  d_numeric: {
    peer: 'Dittofeed: performed segments with numeric operators',
    segments: { d_numeric_old: 'performed "test" where age >= 20', d_numeric_young: 'performed "test" where age < 20' },
    events: [track('u1', 'test', { age: 15 }, 100), track('u2', 'test', { age: 25 }, 100)],
    expect: { d_numeric_old: { u1: false, u2: true }, d_numeric_young: { u1: true, u2: false } },
  },
  d_less_than_2: {
    peer: 'Dittofeed: when a performed segment checks less than 2',
    segments: { d_less_than_2: 'performed "test" at most 1 time' },
    events: [
      track('u1', 'unrelated', undefined, 100),
      track('u2', 'test', undefined, 100),
      track('u2', 'test', undefined, 150),
      track('u3', 'test', undefined, 100),
    ],
    expect: { d_less_than_2: { u1: true, u2: false, u3: true } },
  },
  d_properties: {
    peer: 'Dittofeed: performed segment with properties',
    segments: { d_properties: 'performed "test" where status = "active"' },
    events: [
      track('u1', 'test', { status: 'active' }, 100),
      track('u2', 'test', { status: 'inactive' }, 100),
      track('u3', 'test', undefined, 100),
      track('u4', 'unrelated', { status: 'active' }, 100),
    ],
    expect: { d_properties: { u1: true, u2: false, u3: false, u4: false } },
  },
  d_trait: {
    peer: 'Dittofeed: computes a trait segment',
    segments: { d_trait: 'trait env = "test"' },
    events: [identify('u1', { env: 'test' }), identify('u2', { env: 'prod' })],
    expect: { d_trait: { u1: true, u2: false } },
  },
  d_negative_trait: {
    peer: 'Dittofeed: computes a negative trait segment',
    segments: { d_negative_trait: 'trait env != "prod"' },
    events: [identify('u1', { env: 'test' }), identify('u2', { env: 'prod' }), identify('u3', {})],
    expect: { d_negative_trait: { u1: true, u2: false, u3: true } },
  },
  d_and: {
    peer: 'Dittofeed: computes an AND segment',
    segments: { d_and: 'trait env = "test" and trait status = "running"' },
    events: [identify('u1', { env: 'test', status: 'running' }), identify('u2', { env: 'test', status: 'stopped' })],
    expect: { d_and: { u1: true, u2: false } },
  },
  d_within: {
    // Seconds made minutes, so the window holds across both readings (window exits: exact-from-deploy.test.ts).
    peer: 'Dittofeed: when a performed segment has a within condition (first step)',
    segments: { d_within: 'performed "test" within 5 minutes' },
    events: [track('u1', 'test', undefined, 6 * MINUTE), track('u2', 'test', undefined, 6 * MINUTE), track('u2', 'test', undefined, 100)],
    expect: { d_within: { u1: false, u2: true } },
  },
  u_exists: {
    peer: 'Unomi: testProfileEngagedSegmentAddedRemoved (a property exists)',
    segments: { u_exists: 'trait age exists' },
    events: [identify('u1', { age: 42 }), identify('u2', { name: 'no age' })],
    expect: { u_exists: { u1: true, u2: false } },
  },
  u_past_event: {
    peer: 'Unomi: testSegmentWithPastEventCondition (an event 3 days ago, within 10 days)',
    segments: { u_past_event: 'performed "testEventType" within 10 days' },
    // u2's event was stored before the segment existed; its event after the deploy is too old to count alone.
    history: [track('u2', 'testEventType', undefined, 3 * DAY)],
    events: [track('u1', 'testEventType', undefined, 3 * DAY), track('u2', 'testEventType', undefined, 20 * DAY)],
    expect: { u_past_event: { u1: true, u2: true } },
  },
  u_negative_past_event: {
    peer: 'Unomi: testSegmentWithNegativePastEventCondition (no such event within 10 days)',
    segments: { u_negative_past_event: 'performed "negative-testEventType" exactly 0 times within 10 days' },
    history: [track('u3', 'negative-testEventType', undefined, 3 * DAY)],
    events: [
      identify('u1', { plan: 'none' }),
      track('u2', 'negative-testEventType', undefined, 3 * DAY),
      track('u3', 'negative-testEventType', undefined, 30 * DAY),
    ],
    expect: { u_negative_past_event: { u1: true, u2: false, u3: false } },
  },
  u_recalculation: {
    peer: 'Unomi: testSegmentPastEventRecalculation (an event 15 days ago is out of 10 days)',
    segments: { u_recalculation: 'performed "testEventType" within 10 days' },
    events: [track('u1', 'testEventType', undefined, 15 * DAY)],
    expect: { u_recalculation: { u1: false } },
  },
  u_count: {
    peer: 'Unomi: testScoringPastEventRecalculationMaximumEventCount (counted events: history and live, once each)',
    segments: { u_count: 'performed "count-event" exactly 2 times' },
    history: [track('u1', 'count-event', undefined, 2 * DAY), track('u2', 'count-event', undefined, 2 * DAY)],
    events: [track('u1', 'count-event', undefined, 100), track('u2', 'count-event', undefined, 100), track('u2', 'count-event')],
    expect: { u_count: { u1: true, u2: false } },
  },
};

const rules = Object.values(CASES)
  .flatMap((peerCase) => Object.entries(peerCase.segments).map(([name, condition]) => `segment ${name} {\n  ${condition}\n}\n`))
  .join('');
const userOf = (caseName: string, user: string) => `peer-${caseName}-${user}`;

function messagesOf(part: 'history' | 'events', at: number) {
  return Object.entries(CASES).flatMap(([caseName, peerCase]) =>
    (peerCase[part] ?? []).map((message) =>
      message.type === 'track'
        ? {
            type: 'track',
            userId: userOf(caseName, message.user),
            event: message.event,
            properties: message.properties ?? {},
            timestamp: new Date(at - (message.ago ?? 0)).toISOString(),
          }
        : { type: 'identify', userId: userOf(caseName, message.user), traits: message.traits },
    ),
  );
}

let itinera: TestItinera;
/** The warm-up rules' leaf, backfilled long before. */
const isWarmUp = (state: { leaf: unknown }) => (state.leaf as { event?: string }).event === 'Warm Up';
const deployAndWait = async (source: string) => {
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: source })).status).toBe(200);
  await eventually(
    async () =>
      (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments.every(
        (segment: { state: string }) => segment.state === 'ready',
      ),
    60_000,
  );
};
beforeAll(async () => {
  itinera = await startTestItinera('segment-peer-cases');
});
afterAll(async () => {
  await itinera?.close();
});

/** Each expectation the stored memberships disagree with; `memberOf` answers a user's segments. */
async function disagreements(memberOf: (userId: string) => Promise<Set<string>>): Promise<string[]> {
  const found: string[] = [];
  for (const [caseName, peerCase] of Object.entries(CASES))
    for (const [segment, users] of Object.entries(peerCase.expect))
      for (const [user, expected] of Object.entries(users)) {
        const member = (await memberOf(userOf(caseName, user))).has(segment);
        if (member !== expected) found.push(`${peerCase.peer}: ${user} ${expected ? 'missing from' : 'wrongly in'} ${segment}`);
      }
  return found;
}

/** As stored on the profiles, read at once (the API would wait for the batch held open below). */
async function storedMemberships(): Promise<(userId: string) => Promise<Set<string>>> {
  const profiles = await itinera.raw.profiles.find({}, { projection: { identities: 1, segments: 1 } }).toArray();
  const byUser = new Map(profiles.flatMap((profile) => (profile.identities.userId ?? []).map((userId) => [userId, profile] as const)));
  return async (userId) => new Set(Object.keys(byUser.get(userId)?.segments ?? {}));
}

/** As the API answers them. */
async function answeredMembership(userId: string): Promise<Set<string>> {
  const answer = await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin);
  expect(answer.status).toBe(200);
  return new Set((answer.body.segments as { name: string }[]).map((membership) => membership.name));
}

describe("the peers' segment cases, sent right after the deploy", () => {
  it('agree while the segments compute, and again once they are ready', async () => {
    // Rules with an event condition deployed before, as on any database in use (on the very
    // first such deploy the leaf states are first written by the recompute: src/segments/leaf-cutoffs.ts).
    await deployAndWait('segment warm_up {\n  performed "Warm Up"\n}\n');
    const history = messagesOf('history', Date.now());
    expect((await send(itinera.baseUrl, 'POST', '/v1/batch', { ...writer, json: { batch: history } })).status).toBe(200);
    await itinera.runtime.writer.drain();

    // A batch received before the cutoff and not yet applied (another process's, say) holds
    // the backfill back: the segments stay computing, for certain, while they are read. Opened
    // before the deploy, so it is dated before the cutoff (250 ms after the deploy starts) and
    // is there when the recompute first looks, however slow the machine.
    const holder = await itinera.runtime.stores.outbox.open([], new Date(), {
      owner: 'peer-cases-holder',
      until: new Date(Date.now() + 600_000),
    });
    try {
      const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: rules });
      expect(deployed.status).toBe(200);
      expect(
        (await send(itinera.baseUrl, 'POST', '/v1/batch', { ...writer, json: { batch: messagesOf('events', Date.now()) } })).status,
      ).toBe(200);
      await itinera.runtime.writer.settled();
      const whileComputing = await disagreements(await storedMemberships());
      const leaves = Object.values(await itinera.runtime.stores.segments.leaves());
      expect(leaves.length).toBeGreaterThan(0);
      expect(leaves.filter((state) => state.ready && !isWarmUp(state))).toEqual([]);
      expect(whileComputing).toEqual([]);
    } finally {
      await itinera.runtime.stores.outbox.close(holder);
    }

    await eventually(
      async () =>
        (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments.every(
          (segment: { state: string }) => segment.state === 'ready',
        ),
      60_000,
    );
    expect(await disagreements(answeredMembership)).toEqual([]);
  }, 120_000);
});
