/**
 * Stored membership through the real path: events in over HTTP, membership out of the API,
 * on the real servers. A deploy computes its segments over people already there; events,
 * traits, tags written by a journey, a merge and an erasure move people in and out; a
 * window closes with nobody writing; a redeploy recomputes only what it changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const WINDOW_MS = 4_000;

const RULES_V1 = `
segment buyers "Bought something" {
  performed "Order Completed"
}
segment big_spenders {
  sum "revenue" of "Order Completed" >= 100
}
segment vip_buyers {
  in segment buyers and trait plan = "vip"
}
segment recent_viewers {
  performed "Product Viewed" within 4 seconds
}
segment reviewers {
  tagged "reviewer"
}
journey thank_reviewers {
  when performed "Review Written"
  reentry always
  tag "reviewer"
}
`;

/** v2 changes big_spenders, adds viewers (a condition no rule counted before) and keeps the rest. */
const RULES_V2 =
  RULES_V1.replace('>= 100', '>= 50') +
  `
segment viewers {
  performed "Product Viewed" at least 2 times
}
`;

let itinera: TestItinera;

beforeAll(async () => {
  itinera = await startTestItinera('segments');
});
afterAll(async () => {
  await itinera?.close();
});

interface Membership {
  name: string;
  since: string;
}
interface Change {
  id: string;
  segment: string;
  change: 'entered' | 'exited';
  at: string;
  reason: { kind: string; eventId?: string; version?: number; profileId?: string };
  initial?: boolean;
}

const track = async (
  who: Record<string, string>,
  event: string,
  properties: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => {
  const answer = await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { ...who, event, properties, ...extra } });
  expect(answer.status).toBe(200);
};
const identify = async (who: Record<string, string>, traits: Record<string, unknown>) => {
  expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { ...writer, json: { ...who, traits } })).status).toBe(200);
};
const profileOf = async (userId: string) => {
  const answer = await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin);
  expect(answer.status).toBe(200);
  return answer.body as { id: string; segments: Membership[] };
};
const segmentNames = async (userId: string) => (await profileOf(userId)).segments.map((segment) => segment.name);
const historyOf = async (profileId: string) =>
  (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/segments/history`, admin)).body.changes as Change[];
const catalog = async () =>
  (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body as {
    version: number;
    segments: { name: string; size: number; state: string; computedAt: string | null }[];
  };
const deploy = async (rules: string) => {
  const answer = await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: rules });
  expect(answer.status).toBe(200);
  expect(answer.body.segments).toEqual({ recompute: 'started' });
  await eventually(async () => {
    const { version, segments } = await catalog();
    return version === answer.body.version && segments.every((segment) => segment.state === 'ready');
  }, 60_000);
  return answer.body.version as number;
};
const sizeOf = async (name: string) => (await catalog()).segments.find((segment) => segment.name === name)?.size;
const membersOf = async (name: string) => {
  const answer = await send(itinera.baseUrl, 'GET', `/v1/segments/${name}/members?limit=1000`, admin);
  expect(answer.status).toBe(200);
  return (answer.body.members as { profileId: string }[]).map((member) => member.profileId).sort();
};

describe('stored segment membership', () => {
  let before: { id: string; segments: Membership[] };

  it('a deploy computes its segments over the people already there, as members from before', async () => {
    await track({ userId: 'seg-early' }, 'Order Completed', { revenue: 150 });
    // Viewed a minute ago: outside recent_viewers' window by the time it is computed.
    await track({ userId: 'seg-early' }, 'Product Viewed', {}, { timestamp: new Date(Date.now() - 60_000).toISOString() });
    await itinera.runtime.writer.drain();
    await deploy(RULES_V1);
    before = await profileOf('seg-early');
    expect(before.segments.map((segment) => segment.name)).toEqual(['big_spenders', 'buyers']);
    const entries = await historyOf(before.id);
    expect(entries.map((change) => [change.segment, change.change, change.reason.kind, change.initial]).sort()).toEqual([
      ['big_spenders', 'entered', 'rules deployed', true],
      ['buyers', 'entered', 'rules deployed', true],
    ]);
    const { segments } = await catalog();
    expect(segments.map((segment) => [segment.name, segment.size, segment.state])).toEqual([
      ['buyers', 1, 'ready'],
      ['big_spenders', 1, 'ready'],
      ['vip_buyers', 0, 'ready'],
      ['recent_viewers', 0, 'ready'],
      ['reviewers', 0, 'ready'],
    ]);
  });

  it('an event brings a person in, and the history names it; traits and later events move them on', async () => {
    await track({ userId: 'seg-1' }, 'Order Completed', { revenue: 40 });
    expect(await segmentNames('seg-1')).toEqual(['buyers']);
    const person = await profileOf('seg-1');
    const [entered] = await historyOf(person.id);
    expect(entered).toMatchObject({ segment: 'buyers', change: 'entered', reason: { kind: 'event' } });
    const events = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${person.id}/events?event=Order%20Completed`, admin)).body.events as {
      id: string;
    }[];
    expect(entered!.reason.eventId).toBe(events[0]!.id);

    await identify({ userId: 'seg-1' }, { plan: 'vip' });
    expect(await segmentNames('seg-1')).toEqual(['buyers', 'vip_buyers']);
    await track({ userId: 'seg-1' }, 'Order Completed', { revenue: 70 });
    expect(await segmentNames('seg-1')).toEqual(['big_spenders', 'buyers', 'vip_buyers']);
    await identify({ userId: 'seg-1' }, { plan: 'basic' });
    expect(await segmentNames('seg-1')).toEqual(['big_spenders', 'buyers']);
    expect((await historyOf(person.id)).map((change) => `${change.change} ${change.segment}`)).toEqual([
      'exited vip_buyers',
      'entered big_spenders',
      'entered vip_buyers',
      'entered buyers',
    ]);
    expect(await membersOf('buyers')).toEqual([before.id, person.id].sort());
  });

  it('a window closes with no event: the person leaves when it does, not before', async () => {
    await track({ userId: 'seg-window' }, 'Product Viewed');
    const person = await profileOf('seg-window');
    expect(person.segments.map((segment) => segment.name)).toEqual(['recent_viewers']);
    const viewedAt = Date.parse((await send(itinera.baseUrl, 'GET', `/v1/profiles/${person.id}/events`, admin)).body.events[0].timestamp);
    const exit = await eventually(async () => (await historyOf(person.id)).find((change) => change.change === 'exited'), 30_000);
    expect(exit).toMatchObject({ segment: 'recent_viewers', reason: { kind: 'time window' } });
    expect(Date.parse(exit.at)).toBeGreaterThanOrEqual(viewedAt + WINDOW_MS);
    expect(await segmentNames('seg-window')).toEqual([]);
    expect(await membersOf('recent_viewers')).toEqual([]);
  });

  it('a tag written by a journey brings a person in', async () => {
    await track({ userId: 'seg-reviewer' }, 'Review Written');
    const person = await profileOf('seg-reviewer');
    await eventually(async () => (await segmentNames('seg-reviewer')).includes('reviewers'));
    expect((await historyOf(person.id))[0]).toMatchObject({ segment: 'reviewers', change: 'entered', reason: { kind: 'profile update' } });
  });

  it('a merge brings someone in: a buyer known only by device becomes the vip they signed in as', async () => {
    await identify({ userId: 'seg-merge' }, { plan: 'vip' });
    await track({ anonymousId: 'seg-merge-device' }, 'Order Completed', { revenue: 5 });
    expect(await segmentNames('seg-merge')).toEqual([]);
    await identify({ userId: 'seg-merge', anonymousId: 'seg-merge-device' }, {});
    expect(await segmentNames('seg-merge')).toEqual(['buyers', 'vip_buyers']);
    const survivor = await profileOf('seg-merge');
    const changes = await historyOf(survivor.id);
    expect(
      changes
        .filter((change) => change.reason.kind === 'merge')
        .map((change) => `${change.change} ${change.segment}`)
        .sort(),
    ).toEqual(expect.arrayContaining(['entered vip_buyers']));
    // Whichever profile survived, buyers lists the person once.
    expect((await membersOf('buyers')).filter((id) => id === survivor.id)).toHaveLength(1);
    expect(await sizeOf('buyers')).toBe((await membersOf('buyers')).length);
  });

  it('an erasure takes a person out of every segment', async () => {
    const person = await profileOf('seg-1');
    const sizeBefore = await sizeOf('buyers');
    const request = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', { ...admin, json: { userId: 'seg-1' } });
    expect(request.status).toBe(202);
    await eventually(
      async () => (await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${request.body.id}`, admin)).body.status === 'completed',
    );
    const done = (await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${request.body.id}`, admin)).body;
    expect(done.removed).toMatchObject({ segmentMemberships: 2, segmentHistory: 4 });
    expect(await membersOf('buyers')).not.toContain(person.id);
    expect(await membersOf('big_spenders')).not.toContain(person.id);
    expect(await sizeOf('buyers')).toBe(sizeBefore! - 1);
  });

  it('a redeploy recomputes what it changed and leaves the rest, since included, alone', async () => {
    await track({ userId: 'seg-late' }, 'Order Completed', { revenue: 60 });
    await track({ userId: 'seg-late' }, 'Product Viewed');
    await track({ userId: 'seg-late' }, 'Product Viewed');
    expect(await segmentNames('seg-late')).toEqual(['buyers', 'recent_viewers']);
    await itinera.runtime.writer.drain();
    const buyersBefore = (await profileOf('seg-early')).segments.find((segment) => segment.name === 'buyers');
    const computedBefore = (await catalog()).segments.find((segment) => segment.name === 'buyers')!.computedAt;

    const version = await deploy(RULES_V2);
    const late = await profileOf('seg-late');
    expect(late.segments.map((segment) => segment.name)).toEqual(expect.arrayContaining(['big_spenders', 'buyers', 'viewers']));
    const reasons = (await historyOf(late.id)).filter((change) => change.reason.kind === 'rules deployed');
    expect(reasons.map((change) => [change.segment, change.reason.version, change.initial ?? false]).sort()).toEqual([
      ['big_spenders', version, false],
      ['viewers', version, true],
    ]);
    // buyers did not change: same since, not computed again.
    expect((await profileOf('seg-early')).segments.find((segment) => segment.name === 'buyers')).toEqual(buyersBefore);
    expect((await catalog()).segments.find((segment) => segment.name === 'buyers')!.computedAt).toBe(computedBefore);
    // viewers counts events stored before it was deployed (backfilled) and after (live).
    expect(await membersOf('viewers')).toEqual([late.id]);
    await track({ userId: 'seg-early' }, 'Product Viewed');
    expect(await segmentNames('seg-early')).toEqual(expect.arrayContaining(['viewers']));
  });

  it('lists members page by page and as CSV, and tells entries and exits per day', async () => {
    const all = await membersOf('buyers');
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = (await send(itinera.baseUrl, 'GET', `/v1/segments/buyers/members?limit=1${query}`, admin)).body as {
        members: { profileId: string }[];
        nextCursor: string | null;
      };
      pages.push(...page.members.map((member) => member.profileId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.sort()).toEqual(all);

    const csv = await fetch(`${itinera.baseUrl}/v1/segments/buyers/members`, {
      headers: { authorization: bearer(ADMIN_KEY), accept: 'text/csv' },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe('profile_id,since,user_ids,emails,anonymous_ids');
    expect(
      rows
        .slice(1)
        .map((row) => row.split(',')[0])
        .sort(),
    ).toEqual(all);
    expect(rows.some((row) => row.includes('seg-early'))).toBe(true);

    const history = (await send(itinera.baseUrl, 'GET', '/v1/segments/buyers/history', admin)).body;
    const today = history.points.at(-1);
    expect(today.size).toBe(all.length);
    expect(today.entered - today.exited).toBe(all.length);
    expect((await send(itinera.baseUrl, 'GET', '/v1/segments/nope/members', admin)).status).toBe(404);
    expect((await send(itinera.baseUrl, 'GET', '/v1/segments/buyers/members?cursor=zz', admin)).status).toBe(400);
  });
});
