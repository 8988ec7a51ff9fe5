/**
 * Rectification (art. 16) and restriction (art. 18) on the real servers: corrected traits
 * move segment membership and are audited by name, never by value; a restricted person's
 * runs end, they leave every segment, no journey admits them, and lifting the restriction
 * lets them back in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const RULES = `
segment jans { trait first_name = "Jan" }
segment starters { tagged "started" }
journey long {
  when performed "Start"
  tag "started"
  wait 1 hour
  tag "done"
}
journey ping {
  when performed "Ping"
  reentry always
  tag "pinged"
}
`;

let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);
const profileOf = async (userId: string) => (await api('GET', `/v1/profiles/lookup?userId=${userId}`)).body;
const segmentNames = (profile: Record<string, any>) => (profile.segments as { name: string }[]).map((segment) => segment.name);

beforeAll(async () => {
  itinera = await startTestItinera('rights');
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
});
afterAll(async () => {
  await itinera?.close();
});

describe('rectification', () => {
  it('corrects and removes traits, moves segment membership, and audits names only', async () => {
    await api('POST', '/v1/identify', {
      ...write,
      json: { userId: 'rect-1', traits: { first_name: 'Jna-typo', city: 'Kraków', nickname: 'jj-secret' } },
    });
    const before = await profileOf('rect-1');
    expect(segmentNames(before)).toEqual([]);
    const patched = await api('PATCH', `/v1/profiles/${before.id}/traits`, {
      ...admin,
      json: { traits: { first_name: 'Jan', nickname: null }, reason: 'the person wrote in' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.traits).toEqual({ first_name: 'Jan', city: 'Kraków' });
    const after = await eventually(async () => {
      const profile = await profileOf('rect-1');
      return segmentNames(profile).includes('jans') ? profile : undefined;
    });
    expect(after.traits).toEqual({ first_name: 'Jan', city: 'Kraków' });

    const [entry] = (await api('GET', '/v1/audit?kind=profile.rectified')).body.entries;
    expect(entry).toMatchObject({
      actor: 'admin',
      reason: 'the person wrote in',
      subject: { profileId: before.id },
      detail: { set: ['first_name'], removed: ['nickname'] },
    });
    expect(JSON.stringify(entry)).not.toContain('jj-secret');
  });

  it('refuses bad corrections with a 400 and changes nothing', async () => {
    const { id } = await profileOf('rect-1');
    for (const json of [{ traits: {} }, { traits: { 'a.b': 1 } }, { traits: { $where: 1 } }, { first_name: 'x' }]) {
      const answer = await api('PATCH', `/v1/profiles/${id}/traits`, { ...admin, json });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_body');
    }
    expect((await profileOf('rect-1')).traits).toEqual({ first_name: 'Jan', city: 'Kraków' });
    expect((await api('PATCH', '/v1/profiles/p_nobody/traits', { ...admin, json: { traits: { a: 1 } } })).status).toBe(404);
    expect((await api('GET', '/v1/audit?kind=profile.rectified')).body.entries).toHaveLength(1);
  });
});

describe('restriction', () => {
  it("ends the person's runs, takes them out of every segment and keeps journeys from admitting them until lifted", async () => {
    await api('POST', '/v1/track', { ...write, json: { userId: 'restrict-1', event: 'Start' } });
    const running = await eventually(async () => {
      const profile = await profileOf('restrict-1');
      return profile.journeys?.length === 1 && segmentNames(profile).includes('starters') ? profile : undefined;
    });
    const run = itinera.runtime.temporal.workflow.getHandle(`journey:long:v1:${running.id}`);
    expect((await run.describe()).status.name).toBe('RUNNING');

    const restricted = await api('PUT', `/v1/profiles/${running.id}/restriction`, { ...admin, json: { reason: 'accuracy contested' } });
    expect(restricted.status).toBe(200);
    expect(restricted.body).toMatchObject({ id: running.id, endedRuns: 1, restricted: { reason: 'accuracy contested' } });
    expect((await run.describe()).status.name).toBe('TERMINATED');
    const kept = await profileOf('restrict-1');
    expect(kept).toMatchObject({ journeys: [], segments: [], tags: ['started'], restricted: { reason: 'accuracy contested' } });
    // A repeated request changes nothing and keeps the first instant.
    expect((await api('PUT', `/v1/profiles/${running.id}/restriction`, { ...admin, json: {} })).body.restricted.since).toBe(
      restricted.body.restricted.since,
    );

    // Events are still kept; no journey admits the person, and the refusal is counted.
    await api('POST', '/v1/track', { ...write, json: { userId: 'restrict-1', event: 'Ping' } });
    await eventually(async () => (await api('GET', '/v1/journeys/ping')).body.versions?.[0]?.refused?.restricted === 1);
    const still = await profileOf('restrict-1');
    expect(still.tags).toEqual(['started']);
    expect(still.segments).toEqual([]);
    expect(still.counters.Ping).toEqual({ count: 1 });

    expect((await api('DELETE', `/v1/profiles/${running.id}/restriction?reason=resolved`)).status).toBe(204);
    const lifted = await profileOf('restrict-1');
    expect(lifted.restricted).toBeUndefined();
    expect(segmentNames(lifted)).toEqual(['starters']);
    await api('POST', '/v1/track', { ...write, json: { userId: 'restrict-1', event: 'Ping' } });
    await eventually(async () => (await profileOf('restrict-1')).tags.includes('pinged'));

    const kinds = (await api('GET', '/v1/audit')).body.entries.map((entry: { kind: string }) => entry.kind);
    expect(kinds.filter((kind: string) => kind === 'profile.restricted')).toHaveLength(1);
    expect(kinds.filter((kind: string) => kind === 'profile.unrestricted')).toHaveLength(1);
    expect((await api('PUT', '/v1/profiles/p_nobody/restriction', { ...admin, json: {} })).status).toBe(404);
    expect((await api('PUT', `/v1/profiles/${running.id}/restriction`, { ...admin, json: { until: 'x' } })).status).toBe(400);
  });
});
