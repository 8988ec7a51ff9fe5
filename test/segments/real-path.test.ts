/**
 * The stored membership agrees with a from-scratch evaluation, through the real path:
 * random events in over HTTP for a few dozen people, segments of every kind of condition
 * deployed, and the membership read from the API compared, person by person, with the
 * whole-population query (src/dsl/query.ts) over the stored events and profiles at that
 * moment; then again once a short window has closed with nobody writing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMatchingProfileIds } from '../../src/conditions/query.js';
import type { SegmentIR } from '../../src/dsl/ir.js';
import { planOf } from '../../src/segments/plan.js';
import { Random } from '../conditions/support/random.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const PEOPLE = 40;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const RULES = `
consent news "News" {}
segment ordered_twice {
  performed "Order Completed" at least 2 times
}
segment ordered_eur {
  performed "Order Completed" where currency = "EUR"
}
segment ordered_week {
  performed "Order Completed" within 7 days
}
segment no_login_fortnight {
  performed "Login" exactly 0 times within 14 days
}
segment spent_200 {
  sum "revenue" of "Order Completed" >= 200
}
segment avg_basket {
  average "revenue" of "Order Completed" > 60
}
segment big_month {
  max "revenue" of "Order Completed" within 30 days >= 150
}
segment small_month {
  min "revenue" of "Order Completed" within 30 days < 20
}
segment month_spend {
  sum "revenue" of "Order Completed" within 30 days > 120
}
segment vip {
  trait plan = "vip"
}
segment tagged_news {
  consent news is granted
}
segment recent_login {
  performed "Login" within 6 seconds
}
segment loyal_vip {
  in segment vip and in segment ordered_twice and not in segment no_login_fortnight
}
`;

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('segment-real-path');
});
afterAll(async () => {
  await itinera?.close();
});

async function storedMembership(userIds: string[]): Promise<Map<string, Set<string>>> {
  const bySegment = new Map<string, Set<string>>();
  for (const userId of userIds) {
    const profile = (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body as {
      id: string;
      segments: { name: string }[];
    };
    for (const { name } of profile.segments) bySegment.set(name, (bySegment.get(name) ?? new Set()).add(profile.id));
  }
  return bySegment;
}

async function fromScratch(segments: SegmentIR[], now: Date): Promise<Map<string, Set<string>>> {
  const result = new Map<string, Set<string>>();
  const ordered = planOf({ irVersion: 1, consents: [], segments, journeys: [] }).segments;
  for (const segment of ordered) {
    const members = await findMatchingProfileIds(itinera.runtime.stores.population, segment.condition, now, {
      segmentMembers: async (name) => result.get(name) ?? new Set(),
    });
    result.set(segment.name, members);
  }
  return result;
}

function compare(stored: Map<string, Set<string>>, expected: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  for (const [segment, members] of expected) {
    const actual = stored.get(segment) ?? new Set<string>();
    for (const id of members) if (!actual.has(id)) problems.push(`${segment}: ${id} missing`);
    for (const id of actual) if (!members.has(id)) problems.push(`${segment}: ${id} extra`);
  }
  return problems;
}

describe('stored membership against a from-scratch evaluation', () => {
  it('agrees after random events over HTTP, and again after a window closed with nobody writing', async () => {
    const random = new Random(20261202);
    const now = Date.now();
    const userIds = Array.from({ length: PEOPLE }, (_, index) => `rp-${index}`);
    // Half the history before the deploy (backfilled), half after (folded live).
    const send1 = async (userId: string) => {
      for (let count = random.int(0, 5); count > 0; count--) {
        // Far from every window's edge (an hour or more), so nothing crosses one during the test.
        const ago = random.pick([2 * HOUR, 3 * DAY, 10 * DAY, 20 * DAY, 40 * DAY]);
        const properties = { revenue: random.pick([5, 15, 40, 80, 150, 300]), currency: random.pick(['EUR', 'PLN']) };
        expect(
          (
            await send(itinera.baseUrl, 'POST', '/v1/track', {
              ...writer,
              json: { userId, event: 'Order Completed', properties, timestamp: new Date(now - ago).toISOString() },
            })
          ).status,
        ).toBe(200);
      }
      if (random.chance(0.5)) {
        const ago = random.pick([2 * HOUR, 20 * DAY]);
        expect(
          (
            await send(itinera.baseUrl, 'POST', '/v1/track', {
              ...writer,
              json: { userId, event: 'Login', timestamp: new Date(now - ago).toISOString() },
            })
          ).status,
        ).toBe(200);
      }
      expect(
        (
          await send(itinera.baseUrl, 'POST', '/v1/identify', {
            ...writer,
            json: { userId, traits: { plan: random.pick(['vip', 'basic']) } },
          })
        ).status,
      ).toBe(200);
      if (random.chance(0.5)) {
        expect(
          (
            await send(itinera.baseUrl, 'POST', '/v1/consents', {
              ...writer,
              json: { userId, purpose: 'news', state: random.pick(['granted', 'denied']) },
            })
          ).status,
        ).toBe(200);
      }
    };
    const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES });
    expect(deployed.status).toBe(200);
    for (const userId of userIds.slice(0, PEOPLE / 2)) await send1(userId);
    await eventually(
      async () =>
        (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments.every(
          (segment: { state: string }) => segment.state === 'ready',
        ),
      60_000,
    );
    for (const userId of userIds.slice(PEOPLE / 2)) await send1(userId);
    // A few log in now: recent_login holds them for six seconds.
    const loggedIn = userIds.filter(() => random.chance(0.3));
    for (const userId of loggedIn)
      expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId, event: 'Login' } })).status).toBe(200);
    await itinera.runtime.writer.drain();

    const segments = (await itinera.runtime.stores.rules.active())!.ir.segments;
    const stored = await storedMembership(userIds);
    const expected = await fromScratch(segments, new Date());
    expect(compare(stored, expected)).toEqual([]);
    // Every segment has members and non-members: the comparison can fail.
    for (const segment of segments) expect(expected.get(segment.name)!.size, segment.name).toBeLessThan(PEOPLE);
    expect(segments.filter((segment) => expected.get(segment.name)!.size > 0).length).toBeGreaterThanOrEqual(segments.length - 1);
    expect(expected.get('recent_login')!.size).toBe(loggedIn.length);

    // Nobody writes; the six seconds pass; the clocks ring.
    await eventually(async () => ((await storedMembership(loggedIn)).get('recent_login')?.size ?? 0) === 0, 30_000);
    const after = await fromScratch(segments, new Date());
    expect(after.get('recent_login')!.size).toBe(0);
    expect(compare(await storedMembership(userIds), after)).toEqual([]);
  }, 180_000);
});
