/**
 * The People API on the real servers: finding a person by each kind of identifier, by a
 * trait (a bounded scan, continued by cursor) and by segment, paged; one person's 360°
 * view with the step their journey run waits at; a viewer's answers without personal
 * data, enforced by the server; the audit entry each opening leaves; bad input refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person as personSchema, searchAnswer, timelineEvent } from '../../src/server/openapi/paths/people.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const RULES = `
consent email_marketing {
  expires after 365 days
}

segment pros "On the pro plan" {
  trait plan = "pro"
}

journey welcome "Welcome" {
  when performed "Signed Up"
  requires consent email_marketing
  send email "welcome"
  wait 1 day
  tag "welcomed"
}
`;

let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);
const ids = new Map<string, string>();
let viewerCookie = '';
const asViewer = (path: string) => send(itinera.baseUrl, 'GET', path, { headers: { cookie: viewerCookie } });

beforeAll(async () => {
  itinera = await startTestItinera('people', { externalIdKinds: ['shopify_id'] });
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  expect((await api('PUT', '/v1/templates/welcome', { ...admin, json: { subject: 'Hello', html: '<p>Hello</p>' } })).status).toBeLessThan(
    300,
  );

  // Ada: every kind of identifier, on the pro plan, signed up (a journey run waiting a day).
  expect(
    (
      await api('POST', '/v1/identify', {
        ...write,
        json: {
          userId: 'ada',
          anonymousId: 'anon-ada',
          traits: { email: 'Ada@Example.com', phone: '+48 600 100 200', name: 'Ada Lovelace', plan: 'pro', address: { city: 'Kraków' } },
          context: { externalIds: [{ id: 'S-1', type: 'shopify_id', collection: 'users', encoding: 'none' }] },
        },
      })
    ).status,
  ).toBe(200);
  expect(
    (await api('POST', '/v1/consents', { ...write, json: { userId: 'ada', purpose: 'email_marketing', state: 'granted' } })).status,
  ).toBe(200);
  expect(
    (
      await api('POST', '/v1/page', {
        ...write,
        json: {
          userId: 'ada',
          name: 'Pricing',
          properties: { url: 'https://shop.example/pricing' },
          context: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120' },
        },
      })
    ).status,
  ).toBe(200);
  expect(
    (await api('POST', '/v1/track', { ...write, json: { userId: 'ada', event: 'Signed Up', properties: { plan: 'pro' } } })).status,
  ).toBe(200);
  // Five more people, three of them on the pro plan.
  for (const [n, plan] of [
    [1, 'pro'],
    [2, 'free'],
    [3, 'pro'],
    [4, 'free'],
    [5, 'pro'],
  ] as const) {
    expect(
      (await api('POST', '/v1/identify', { ...write, json: { userId: `p${n}`, traits: { email: `p${n}@example.com`, plan, visits: n } } }))
        .status,
    ).toBe(200);
  }
  for (const userId of ['ada', 'p1', 'p2', 'p3', 'p4', 'p5'])
    ids.set(userId, (await api('GET', `/v1/profiles/lookup?userId=${userId}`)).body.id);

  const password = 'a viewer password, long enough';
  expect((await api('POST', '/v1/users', { ...admin, json: { name: 'val', role: 'viewer', password } })).status).toBe(201);
  const signIn = await fetch(`${itinera.baseUrl}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'val', password }),
  });
  expect(signIn.status).toBe(200);
  viewerCookie = signIn.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ');
}, 120_000);

afterAll(async () => {
  await itinera?.close();
});

describe('finding people', () => {
  it('by each kind of identifier, by profile id, and by any kind at once', async () => {
    const ada = ids.get('ada')!;
    for (const [kind, value] of [
      ['userId', 'ada'],
      ['email', 'ada@example.com'],
      ['phone', '+48600100200'],
      ['anonymousId', 'anon-ada'],
      ['shopify_id', 'S-1'],
      ['profileId', ada],
    ]) {
      const found = await api('GET', `/v1/people?by=identifier&kind=${kind}&value=${encodeURIComponent(value!)}`);
      expect(found, kind).toEqual({
        status: 200,
        body: {
          by: 'identifier',
          people: [{ profileId: ada, email: 'ada@example.com', name: 'Ada Lovelace', lastSeenAt: expect.any(String) }],
          nextCursor: null,
        },
      });
    }
    // Without a kind: whatever it names (an e-mail, written as people type it).
    expect(
      (await api('GET', '/v1/people?by=identifier&value=ADA%40example.com')).body.people.map((p: { profileId: string }) => p.profileId),
    ).toEqual([ada]);
    expect((await api('GET', '/v1/people?by=identifier&kind=email&value=nobody%40example.com')).body.people).toEqual([]);
  });

  it('by trait: a page of matches at a time, continued by cursor, within a time budget', async () => {
    const pros = new Set(['ada', 'p1', 'p3', 'p5'].map((userId) => ids.get(userId)!));
    const first = await api('GET', '/v1/people?by=trait&trait=plan&value=pro&limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ by: 'trait', timedOut: false, nextCursor: expect.any(String) });
    expect(first.body.people).toHaveLength(2);
    expect(searchAnswer.safeParse(first.body).error).toBeUndefined();
    const second = await api('GET', `/v1/people?by=trait&trait=plan&value=pro&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.people).toHaveLength(2);
    const third = await api('GET', `/v1/people?by=trait&trait=plan&value=pro&limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body).toMatchObject({ people: [], nextCursor: null });
    const all = [...first.body.people, ...second.body.people].map((p: { profileId: string }) => p.profileId);
    expect(new Set(all)).toEqual(pros);
    expect(all).toHaveLength(4);

    // A budget under the minimum (500 ms) is refused.
    expect((await api('GET', '/v1/people?by=trait&trait=plan&value=pro&budget=10')).status).toBe(400);
    // Nested paths; numbers as typed; no match.
    expect((await api('GET', '/v1/people?by=trait&trait=address.city&value=Krak%C3%B3w')).body.people).toEqual([
      expect.objectContaining({ profileId: ids.get('ada') }),
    ]);
    expect((await api('GET', '/v1/people?by=trait&trait=visits&value=3')).body.people).toEqual([
      expect.objectContaining({ profileId: ids.get('p3') }),
    ]);
    expect((await api('GET', '/v1/people?by=trait&trait=plan&value=enterprise')).body).toMatchObject({
      people: [],
      nextCursor: null,
      timedOut: false,
    });
  });

  it('by segment: its members, paged by cursor', async () => {
    const pros = new Set(['ada', 'p1', 'p3', 'p5'].map((userId) => ids.get(userId)!));
    await eventually(async () => ((await api('GET', '/v1/segments/pros')).body.size === 4 ? true : undefined), 30_000);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Record<string, any> } = await api(
        'GET',
        `/v1/people?by=segment&segment=pros&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.people.length).toBeLessThanOrEqual(3);
      for (const person of page.body.people) {
        expect(person).toMatchObject({ since: expect.any(String), email: expect.stringContaining('@') });
        seen.push(person.profileId);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen)).toEqual(pros);
    expect(seen).toHaveLength(4);
  });
});

describe('a person', () => {
  it('opens as one 360° answer: identifiers, traits, consents and their history, segments with why, the journey step, messages, timeline', async () => {
    const ada = ids.get('ada')!;
    const person = await eventually(async () => {
      const answer = (await api('GET', `/v1/people/${ada}`)).body;
      return answer.journeys?.[0]?.step && answer.messages?.length > 0 ? answer : undefined;
    }, 30_000);
    // What the contract documents (src/server/openapi/paths/people.ts).
    expect(personSchema.safeParse(person).error).toBeUndefined();
    expect(person).toMatchObject({ id: ada, personal: true, traits: { plan: 'pro', name: 'Ada Lovelace' }, tags: [] });
    expect(person.identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'userId', value: 'ada' },
        { kind: 'email', value: 'ada@example.com' },
        { kind: 'phone', value: '+48600100200' },
        { kind: 'anonymousId', value: 'anon-ada' },
        { kind: 'shopify_id', value: 'S-1' },
      ]),
    );
    expect(person.consents).toEqual([
      { purpose: 'email_marketing', state: 'granted', since: expect.any(String), expiresAt: expect.any(String) },
    ]);
    expect(person.consentHistory).toEqual([
      expect.objectContaining({ purpose: 'email_marketing', state: 'granted', origin: expect.any(String) }),
    ]);
    expect(person.segments).toEqual([
      { name: 'pros', title: 'On the pro plan', since: expect.any(String), why: expect.objectContaining({ kind: expect.any(String) }) },
    ]);
    expect(person.journeys).toEqual([
      expect.objectContaining({
        journey: 'welcome',
        state: 'known',
        step: expect.any(String),
        waiting: { reason: 'wait', until: expect.any(String) },
      }),
    ]);
    expect(person.messages[0]).toMatchObject({ channel: 'email', name: 'welcome', journey: 'welcome', history: expect.any(Array) });
    expect(person.merges).toEqual([]);

    const timeline = await api('GET', `/v1/people/${ada}/events?limit=2`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.events).toHaveLength(2);
    expect(timeline.body.events[0]).toMatchObject({ type: 'track', event: 'Signed Up', properties: { plan: 'pro' } });
    const rest = await api('GET', `/v1/people/${ada}/events?limit=10&cursor=${timeline.body.nextCursor}`);
    expect(rest.body.events.map((event: { id: string }) => event.id)).not.toContain(timeline.body.events[1].id);
    expect(rest.body.events.length).toBeGreaterThan(0);
    const page = [...timeline.body.events, ...rest.body.events].find((event: { type: string }) => event.type === 'page');
    expect(page).toMatchObject({
      name: 'Pricing',
      page: expect.objectContaining({ url: 'https://shop.example/pricing' }),
      userAgent: expect.stringContaining('Chrome'),
    });
    for (const event of [...timeline.body.events, ...rest.body.events]) expect(timelineEvent.safeParse(event).error).toBeUndefined();
    const filtered = await api('GET', `/v1/people/${ada}/events?event=Signed%20Up`);
    expect(filtered.body.events.map((event: { event?: string }) => event.event)).toEqual(['Signed Up']);
  }, 60_000);

  it('is recorded in the audit log as profile.viewed, naming who opened whom', async () => {
    const p1 = ids.get('p1')!;
    const before = new Date().toISOString();
    expect((await asViewer(`/v1/people/${p1}`)).status).toBe(200);
    const entries = (await api('GET', `/v1/audit?kind=profile.viewed&since=${encodeURIComponent(before)}`)).body.entries;
    expect(entries).toEqual([
      expect.objectContaining({ kind: 'profile.viewed', actor: 'user:val', subject: { profileId: p1 }, at: expect.any(String) }),
    ]);
  });

  it('shows a viewer no personal data, whatever the page asks: the server leaves it out or refuses', async () => {
    const ada = ids.get('ada')!;
    const person = (await asViewer(`/v1/people/${ada}`)).body;
    expect(personSchema.safeParse(person).error).toBeUndefined();
    expect(person).toMatchObject({ id: ada, personal: false, segments: [expect.objectContaining({ name: 'pros' })] });
    for (const field of ['identifiers', 'traits', 'consentHistory']) expect(person, field).not.toHaveProperty(field);
    for (const message of person.messages) expect(message).not.toHaveProperty('with');
    expect(JSON.stringify(person)).not.toMatch(/ada@example\.com|Lovelace|anon-ada|S-1|48600100200/i);

    const events = (await asViewer(`/v1/people/${ada}/events`)).body.events as Record<string, unknown>[];
    expect(events.length).toBeGreaterThan(0);
    for (const event of events)
      for (const field of ['properties', 'page', 'device', 'userAgent', 'traits']) expect(event).not.toHaveProperty(field);

    // Found by profile id and by segment, without e-mails or names; not by an identifier or a trait.
    expect((await asViewer(`/v1/people?by=identifier&value=${ada}`)).body.people).toEqual([
      { profileId: ada, lastSeenAt: expect.any(String) },
    ]);
    expect((await asViewer('/v1/people?by=identifier&value=ada%40example.com')).body.people).toEqual([]);
    const byEmail = await asViewer('/v1/people?by=identifier&kind=email&value=ada%40example.com');
    expect(byEmail).toEqual({ status: 403, body: { error: { code: 'forbidden', message: expect.any(String) } } });
    expect((await asViewer('/v1/people?by=trait&trait=plan&value=pro')).status).toBe(403);
    const members = (await asViewer('/v1/people?by=segment&segment=pros')).body.people as Record<string, unknown>[];
    expect(members.length).toBe(4);
    for (const member of members)
      expect(Object.keys(member).sort()).toEqual(['lastSeenAt', 'profileId', 'since'].filter((k) => k in member).sort());
    for (const member of members) expect(member).not.toHaveProperty('email');
  });
});

describe('bad input', () => {
  it('answers 4xx with the error body', async () => {
    const errorBody = { error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) };
    for (const [path, status] of [
      ['/v1/people', 400],
      ['/v1/people?by=everyone', 400],
      ['/v1/people?by=identifier', 400],
      ['/v1/people?by=identifier&kind=passport&value=x', 400],
      ['/v1/people?by=trait&value=pro', 400],
      ['/v1/people?by=trait&trait=%24where&value=1', 400],
      // White space or a control character in a name: FerretDB refuses such a filter path.
      ['/v1/people?by=trait&trait=first%20name&value=Ada', 400],
      ['/v1/people?by=trait&trait=address.%0Dcity&value=x', 400],
      ['/v1/people?by=trait&trait=plan&value=pro&cursor=nonsense', 400],
      ['/v1/people?by=segment', 400],
      ['/v1/people?by=segment&segment=nope', 404],
      ['/v1/people?by=segment&segment=pros&cursor=nonsense', 400],
      ['/v1/people?by=identifier&value=x&limit=1000', 400],
      ['/v1/people?by=identifier&value=x&extra=1', 400],
      ['/v1/people/pr_nobody', 404],
      ['/v1/people/pr_nobody/events', 404],
      [`/v1/people/${ids.get('ada')}/events?cursor=nonsense`, 400],
      [`/v1/people/${ids.get('ada')}/events?limit=0`, 400],
    ] as const) {
      const answer = await api('GET', path);
      expect(answer, path).toEqual({ status, body: errorBody });
    }
    expect((await send(itinera.baseUrl, 'GET', '/v1/people/x')).status).toBe(401);
  });
});
