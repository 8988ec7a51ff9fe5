/**
 * Rules versions on the real servers: who deployed what, when and why; the diff of two
 * versions; the summary of a draft before it is deployed (segments with their sizes now and
 * as the draft would have them, journeys with the runs still going, warnings); rolling back
 * as a new version; and bad input answered with a clear error that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };

const V1 = `segment buyers "Buyers" {
  performed "Order Completed"
}

segment big_spenders "Big spenders" {
  sum "revenue" of "Order Completed" within 365 days > 100
}

journey welcome "Welcome" {
  when performed "Signed Up"
  tag "welcomed"
  wait 1 day
  tag "still_here"
}
`;

const V2 = `${V1}
segment browsers "Browsers" {
  performed "Page Viewed"
}

consent newsletter {
  expires after 365 days
}

journey farewell {
  when performed "Account Closed"
  tag "leaving"
}
`;

/** Against V2: one segment kept, one changed, one removed, two added; a journey of each kind; a consent changed. */
const DRAFT = `segment buyers "Buyers" {
  performed "Order Completed"
}

segment big_spenders "Big spenders" {
  sum "revenue" of "Order Completed" within 365 days > 10
}

segment any_activity "Any activity" {
  in segment big_spenders or performed "Page Viewed"
}

segment vips {
  tagged like "vip"
}

consent newsletter {
  expires after 730 days
}

journey welcome "Welcome" {
  when performed "Signed Up"
  tag "welcomed_again"
  wait 1 day
  tag "still_here"
}

journey thanks "Thank you" {
  when performed "Order Completed"
  operational
  send email "thank_you"
}
`;

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('rules-versions');
});
afterAll(async () => {
  await itinera?.close();
});

/** PUT /v1/rules with an optional note, URL-encoded in its header as the console sends it. */
async function deploy(source: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${itinera.baseUrl}/v1/rules`, {
    method: 'PUT',
    headers: { authorization: admin.auth, 'content-type': 'text/plain', ...headers },
    body: source,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const note = (text: string) => ({ 'x-itinera-note': encodeURIComponent(text) });
const get = async (path: string) => send(itinera.baseUrl, 'GET', path, admin);
const versionCount = () => itinera.raw.rules.countDocuments();

describe('rules versions', () => {
  it('records who deployed each version, when and why, and lists them newest first', async () => {
    const first = await deploy(V1, note('First program: buyers — and big spenders'));
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(1);
    const second = await deploy(V2);
    expect(second.body.version).toBe(2);

    const active = await get('/v1/rules');
    expect(active.body).toEqual({ version: 2, deployedAt: expect.any(String), deployedBy: 'admin', note: null, active: true, source: V2 });

    const list = await get('/v1/rules/versions');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      versions: [
        { version: 2, deployedAt: expect.any(String), deployedBy: 'admin', note: null, active: true },
        {
          version: 1,
          deployedAt: expect.any(String),
          deployedBy: 'admin',
          note: 'First program: buyers — and big spenders',
          active: false,
        },
      ],
      next: null,
    });
    expect(Date.parse(list.body.versions[0].deployedAt)).toBeGreaterThanOrEqual(Date.parse(list.body.versions[1].deployedAt));

    const paged = await get('/v1/rules/versions?limit=1');
    expect(paged.body.versions.map((v: { version: number }) => v.version)).toEqual([2]);
    expect(paged.body.next).toBe(2);
    const rest = await get(`/v1/rules/versions?limit=1&before=${paged.body.next}`);
    expect(rest.body).toMatchObject({ versions: [{ version: 1 }], next: null });

    const one = await get('/v1/rules/versions/1');
    expect(one.body).toEqual({
      version: 1,
      deployedAt: expect.any(String),
      deployedBy: 'admin',
      note: 'First program: buyers — and big spenders',
      active: false,
      source: V1,
    });

    const audit = (await get('/v1/audit?kind=rules.deployed')).body.entries;
    // Newest first.
    expect(audit.map((entry: Record<string, unknown>) => [entry.actor, entry.subject, entry.detail])).toEqual([
      ['admin', { version: 2 }, undefined],
      ['admin', { version: 1 }, { note: 'First program: buyers — and big spenders' }],
    ]);
  });

  it('diffs two versions: the unified patch, its hunks and what changed by name', async () => {
    const diff = await get('/v1/rules/diff?from=1&to=2');
    expect(diff.status).toBe(200);
    expect(diff.body.from).toBe(1);
    expect(diff.body.to).toBe(2);
    expect(diff.body.patch).toMatch(/^--- v1\n\+\+\+ v2\n@@ -\d+,\d+ \+\d+,\d+ @@/);
    expect(diff.body.patch).toContain('+segment browsers "Browsers" {');
    expect(diff.body.hunks).toHaveLength(1);
    const [hunk] = diff.body.hunks;
    expect(hunk).toMatchObject({ oldStart: 12, oldLines: 3, newStart: 12 });
    expect(hunk.lines.slice(0, 3)).toEqual(['   wait 1 day', '   tag "still_here"', ' }']);
    expect(hunk.lines.filter((line: string) => line.startsWith('+'))).toContain('+journey farewell {');
    expect(hunk.lines.some((line: string) => line.startsWith('-'))).toBe(false);
    expect(hunk.newLines).toBe(hunk.lines.length);
    expect(diff.body.changes).toEqual({
      segments: { added: [{ name: 'browsers', title: 'Browsers' }], changed: [], removed: [] },
      journeys: { added: [{ name: 'farewell' }], changed: [], removed: [] },
      consents: { added: [{ name: 'newsletter' }], changed: [], removed: [] },
    });
    const backwards = await get('/v1/rules/diff?from=2&to=1');
    expect(backwards.body.changes.segments).toEqual({ added: [], changed: [], removed: [{ name: 'browsers', title: 'Browsers' }] });
    const same = await get('/v1/rules/diff?from=2&to=2');
    expect(same.body).toMatchObject({ patch: '', hunks: [] });
  });

  it('summarises a draft before deploy: sizes now and as drafted, runs still going, warnings; stores nothing', async () => {
    const events = [
      { userId: 'rv-1', event: 'Order Completed', properties: { revenue: 50 } },
      { userId: 'rv-2', event: 'Order Completed', properties: { revenue: 500 } },
      { userId: 'rv-3', event: 'Page Viewed' },
      { userId: 'rv-4', event: 'Signed Up' },
    ];
    for (const event of events) expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: event })).status).toBe(200);
    const sizes = await eventually(async () => {
      const segments = (await get('/v1/segments')).body.segments as { name: string; size: number; state: string }[];
      const found = Object.fromEntries(segments.map((segment) => [segment.name, segment.size]));
      return segments.every((segment) => segment.state === 'ready') &&
        found.buyers === 2 &&
        found.big_spenders === 1 &&
        found.browsers === 1
        ? found
        : undefined;
    }, 60_000);
    expect(sizes).toEqual({ buyers: 2, big_spenders: 1, browsers: 1 });
    // rv-4's welcome run waits a day on version 2.
    await eventually(async () => {
      const welcome = (await get('/v1/journeys/welcome')).body.versions as { rulesVersion: number; running: number }[] | undefined;
      return welcome?.some((version) => version.rulesVersion === 2 && version.running === 1);
    });

    const before = await versionCount();
    const summary = await send(itinera.baseUrl, 'POST', '/v1/rules/summary', { ...admin, text: DRAFT });
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ ok: true, activeVersion: 2 });
    expect(summary.body.patch).toMatch(/^--- v2\n\+\+\+ draft\n/);
    expect(summary.body.hunks.length).toBeGreaterThan(0);
    expect(summary.body.hunks.flatMap((hunk: { lines: string[] }) => hunk.lines)).toContain(
      '-  sum "revenue" of "Order Completed" within 365 days > 100',
    );
    expect(summary.body.segments).toEqual({
      // any_activity reads the draft's big_spenders (rv-1 and rv-2), not the deployed one (rv-2 only).
      added: [
        { name: 'any_activity', title: 'Any activity', previewSize: 3 },
        { name: 'vips', previewSize: 0 },
      ],
      changed: [{ name: 'big_spenders', title: 'Big spenders', previewSize: 2, currentSize: 1 }],
      removed: [{ name: 'browsers', title: 'Browsers', currentSize: 1 }],
    });
    expect(summary.body.journeys).toEqual({
      added: [{ name: 'thanks', title: 'Thank you' }],
      changed: [{ name: 'welcome', title: 'Welcome', runningOnOldVersions: 1 }],
      removed: [{ name: 'farewell', runningOnOldVersions: 0 }],
    });
    expect(summary.body.consents).toEqual({ added: [], changed: [{ name: 'newsletter' }], removed: [] });
    expect(summary.body.warnings).toEqual([
      expect.objectContaining({ code: 'template_missing', journey: 'thanks', template: 'thank_you', step: expect.any(String) }),
      expect.objectContaining({ code: 'ITN1704', line: 14 }),
    ]);
    expect(summary.body.diagnostics).toEqual([expect.objectContaining({ code: 'ITN1704', severity: 'warning' })]);

    // Nothing stored: no version, the same active one, the catalogue as it was.
    expect(await versionCount()).toBe(before);
    expect((await get('/v1/rules')).body.version).toBe(2);
    expect((await get('/v1/segments')).body.segments.map((segment: { name: string }) => segment.name).sort()).toEqual([
      'big_spenders',
      'browsers',
      'buyers',
    ]);
  });

  it('answers a draft with errors ok:false with its diagnostics and the diff', async () => {
    const broken = `${V2}\nsegment oops {\n  in segment nope\n}\n`;
    const summary = await send(itinera.baseUrl, 'POST', '/v1/rules/summary', { ...admin, text: broken });
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({
      ok: false,
      activeVersion: 2,
      segments: { added: [], changed: [], removed: [] },
      journeys: { added: [], changed: [], removed: [] },
      consents: { added: [], changed: [], removed: [] },
      warnings: [],
    });
    expect(summary.body.diagnostics).toEqual([expect.objectContaining({ code: 'ITN1203', severity: 'error', line: 30 })]);
    expect(summary.body.hunks.flatMap((hunk: { lines: string[] }) => hunk.lines)).toContain('+  in segment nope');
  });

  it('previews at most five added or changed segments per summary and names the others', async () => {
    const extras = Array.from(
      { length: 7 },
      (_, index) => `segment extra_${index + 1} {\n  performed "Order Completed" where revenue > ${index * 100}\n}\n`,
    ).join('\n');
    const summary = await send(itinera.baseUrl, 'POST', '/v1/rules/summary', { ...admin, text: `${V2}\n${extras}` });
    expect(summary.status).toBe(200);
    expect(summary.body.segments.added).toEqual([
      { name: 'extra_1', previewSize: 2 },
      { name: 'extra_2', previewSize: 1 },
      { name: 'extra_3', previewSize: 1 },
      { name: 'extra_4', previewSize: 1 },
      { name: 'extra_5', previewSize: 1 },
      { name: 'extra_6', previewSize: null },
      { name: 'extra_7', previewSize: null },
    ]);
    expect(summary.body.warnings).toEqual([
      // V2's farewell journey waits for an event the data has never had (warnings from the data catalogue).
      expect.objectContaining({
        code: 'ITN2001',
        message: "no event 'Account Closed' has been received: event names match exactly, as your apps send them",
      }),
      expect.objectContaining({ code: 'preview_limited', message: expect.stringContaining('extra_6, extra_7') }),
    ]);
  });

  it('rolls back as a new version: the old source again, active, who and why recorded', async () => {
    const rollback = await send(itinera.baseUrl, 'POST', '/v1/rules/rollback', {
      ...admin,
      json: { version: 1, note: 'browsers was a mistake' },
    });
    expect(rollback.status).toBe(200);
    expect(rollback.body).toMatchObject({
      version: 3,
      rolledBackFrom: 1,
      diagnostics: [],
      warnings: [],
      segments: { recompute: 'started' },
    });

    const active = (await get('/v1/rules')).body;
    expect(active).toMatchObject({
      version: 3,
      source: V1,
      deployedBy: 'admin',
      note: 'browsers was a mistake',
      rolledBackFrom: 1,
      active: true,
    });
    const versions = (await get('/v1/rules/versions')).body.versions as { version: number; active: boolean; rolledBackFrom?: number }[];
    expect(versions.map(({ version, active: isActive, rolledBackFrom }) => [version, isActive, rolledBackFrom])).toEqual([
      [3, true, 1],
      [2, false, undefined],
      [1, false, undefined],
    ]);
    const audit = (await get('/v1/audit?kind=rules.deployed')).body.entries;
    expect(audit[0]).toMatchObject({
      actor: 'admin',
      subject: { version: 3 },
      detail: { note: 'browsers was a mistake', rolledBackFrom: 1 },
    });
    // The recompute drops the removed segment from the active list.
    await eventually(async () => {
      const names = ((await get('/v1/segments')).body.segments as { name: string }[]).map((segment) => segment.name).sort();
      return names.join() === 'big_spenders,buyers';
    });

    // Its program is the active one already: nothing to do, nothing stored.
    for (const version of [1, 3]) {
      const again = await send(itinera.baseUrl, 'POST', '/v1/rules/rollback', { ...admin, json: { version } });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('already_active');
    }
    expect(await versionCount()).toBe(3);
  });

  it('refuses a rollback to a program the compiler no longer accepts (422) and keeps the active version', async () => {
    // A version stored with a source today's compiler refuses (as a language change could leave one).
    const { ir } = (await itinera.runtime.stores.rules.get(1))!;
    const stale = await itinera.runtime.stores.rules.deploy('segment buyers {\n  performed\n}\n', ir, new Date());
    expect((await deploy(V2, note('back to version 2'))).body.version).toBe(stale + 1);
    const rollback = await send(itinera.baseUrl, 'POST', '/v1/rules/rollback', { ...admin, json: { version: stale } });
    expect(rollback.status).toBe(422);
    expect(rollback.body.diagnostics[0]).toMatchObject({ code: 'ITN1101', severity: 'error', line: 3 });
    expect((await get('/v1/rules')).body.version).toBe(stale + 1);
    expect(await versionCount()).toBe(stale + 1);
  });
});

describe('a signed-in person', () => {
  /** Creates the user with the admin key and signs them in: the cookie and the CSRF token the console would hold. */
  async function signIn(name: string, role: string) {
    const password = `pw-${name}-correct-horse-battery`;
    expect((await send(itinera.baseUrl, 'POST', '/v1/users', { ...admin, json: { name, role, password } })).status).toBe(201);
    const response = await fetch(`${itinera.baseUrl}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, password }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers
      .getSetCookie()
      .map((header) => header.split(';')[0]!)
      .join('; ');
    const { csrfToken } = (await response.json()) as { csrfToken: string };
    return { cookie, 'x-csrf-token': csrfToken };
  }

  it('is named in the version and in the audit log; a viewer may read versions but not deploy or roll back', async () => {
    const marketer = await signIn('mia', 'marketer');
    const put = await fetch(`${itinera.baseUrl}/v1/rules`, {
      method: 'PUT',
      headers: { ...marketer, 'content-type': 'text/plain', ...note('Spring campaign') },
      body: V1,
    });
    expect(put.status).toBe(200);
    const { version } = (await put.json()) as { version: number };
    expect((await get(`/v1/rules/versions/${version}`)).body).toMatchObject({
      deployedBy: 'user:mia',
      note: 'Spring campaign',
      active: true,
    });
    const rollback = await fetch(`${itinera.baseUrl}/v1/rules/rollback`, {
      method: 'POST',
      headers: { ...marketer, 'content-type': 'application/json' },
      body: JSON.stringify({ version: 2 }),
    });
    expect(rollback.status).toBe(200);
    const back = (await rollback.json()) as { version: number; rolledBackFrom: number };
    expect(back).toMatchObject({ version: version + 1, rolledBackFrom: 2 });
    const audit = (await get('/v1/audit?kind=rules.deployed')).body.entries.slice(0, 2).reverse();
    expect(audit.map((entry: Record<string, unknown>) => [entry.actor, entry.subject, entry.detail])).toEqual([
      ['user:mia', { version }, { note: 'Spring campaign' }],
      ['user:mia', { version: version + 1 }, { rolledBackFrom: 2 }],
    ]);

    const viewer = await signIn('vic', 'viewer');
    const listed = await fetch(`${itinera.baseUrl}/v1/rules/versions?limit=1`, { headers: viewer });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { versions: { version: number }[] }).versions[0]!.version).toBe(version + 1);
    const before = await versionCount();
    const refusals = [
      // A summary previews segments over everyone: for those who may deploy.
      await fetch(`${itinera.baseUrl}/v1/rules/summary`, {
        method: 'POST',
        headers: { ...viewer, 'content-type': 'text/plain' },
        body: V1,
      }),
      await fetch(`${itinera.baseUrl}/v1/rules`, { method: 'PUT', headers: { ...viewer, 'content-type': 'text/plain' }, body: V1 }),
      await fetch(`${itinera.baseUrl}/v1/rules/rollback`, {
        method: 'POST',
        headers: { ...viewer, 'content-type': 'application/json' },
        body: JSON.stringify({ version: 1 }),
      }),
    ];
    for (const refused of refusals) {
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    expect(await versionCount()).toBe(before);
  });
});

describe('bad input changes nothing', () => {
  const cases: [string, () => Promise<{ status: number; body: Record<string, any> }>, number, string | null][] = [
    ['PUT as JSON', () => send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, json: { program: V1 } }), 415, 'unsupported_media_type'],
    [
      'a summary as JSON',
      () => send(itinera.baseUrl, 'POST', '/v1/rules/summary', { ...admin, json: { draft: V1 } }),
      415,
      'unsupported_media_type',
    ],
    [
      'a rollback as text',
      () => send(itinera.baseUrl, 'POST', '/v1/rules/rollback', { ...admin, text: '1' }),
      415,
      'unsupported_media_type',
    ],
    ['a note too long', () => deploy(V1, note('x'.repeat(501))), 400, 'invalid_note'],
    ['a note not URL-encoded', () => deploy(V1, { 'x-itinera-note': '100%' }), 400, 'invalid_note'],
    ['a program with errors', () => deploy('segment x {\n  in segment nope\n}\n'), 422, null],
    ['diff from zero', () => get('/v1/rules/diff?from=0&to=1'), 400, 'invalid_query'],
    ['diff from a word', () => get('/v1/rules/diff?from=one&to=1'), 400, 'invalid_query'],
    ['diff without to', () => get('/v1/rules/diff?from=1'), 400, 'invalid_query'],
    ['diff of a fraction', () => get('/v1/rules/diff?from=1.5&to=2'), 400, 'invalid_query'],
    ['diff to an unknown version', () => get('/v1/rules/diff?from=1&to=999'), 404, 'not_found'],
    ['versions with limit 0', () => get('/v1/rules/versions?limit=0'), 400, 'invalid_query'],
    ['versions before a word', () => get('/v1/rules/versions?before=latest'), 400, 'invalid_query'],
    ['versions with an unknown parameter', () => get('/v1/rules/versions?page=2'), 400, 'invalid_query'],
    ['an unknown version', () => get('/v1/rules/versions/999'), 404, 'not_found'],
    ['a version that is no number', () => get('/v1/rules/versions/latest'), 404, 'not_found'],
    [
      'a rollback to an unknown version',
      () => send(itinera.baseUrl, 'POST', '/v1/rules/rollback', { ...admin, json: { version: 999 } }),
      404,
      'not_found',
    ],
    [
      'a rollback without a version',
      () => send(itinera.baseUrl, 'POST', '/v1/rules/rollback', { ...admin, json: { note: 'x' } }),
      400,
      'invalid_body',
    ],
    [
      'a rollback with a note too long',
      () => send(itinera.baseUrl, 'POST', '/v1/rules/rollback', { ...admin, json: { version: 1, note: 'x'.repeat(501) } }),
      400,
      'invalid_body',
    ],
  ];
  it.each(cases)('%s', async (_label, request, status, code) => {
    const before = await versionCount();
    const active = (await get('/v1/rules')).body.version;
    const response = await request();
    expect(response.status).toBe(status);
    if (code) expect(response.body.error.code).toBe(code);
    else expect(response.body.diagnostics[0]).toMatchObject({ code: 'ITN1203', line: 2 });
    expect(await versionCount()).toBe(before);
    expect((await get('/v1/rules')).body.version).toBe(active);
  });
});
