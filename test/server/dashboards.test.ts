/**
 * What the console's Segments and Journeys pages read, over HTTP on the real servers: a
 * journey drawn from its text with the live count of every step, inside `for`, `if`,
 * `wait for` and `split` blocks too; totals per journey; a segment's trend, declaration and
 * readers; its members with identifiers for the roles that may see them, found by
 * identifier, and as CSV.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyDecl } from '../../src/dsl/ast.js';
import { journeyDiagram, type DiagramNode } from '../../src/dsl/diagram.js';
import { compile, parseProgram } from '../../src/dsl/index.js';
import { allSteps } from '../../src/dsl/ir-steps.js';
import { sourceReader } from '../../src/dsl/source-text.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const RULES = `
consent email_marketing {
  expires after 365 days
}

segment vips "VIPs" {
  trait plan = "vip"
}

segment vip_readers "VIPs reading the e-book" {
  in segment vips and tagged like "*rozdz1ebook"
}

journey drip "A short e-book drip" {
  when performed "Ebook Signup"
  requires consent email_marketing
  reentry never

  for chapter in 1..3 {
    send email "ebook_chapter" with { chapter: chapter }
    tag "{chapter}rozdz1ebook"
    wait 1 second
    untag "{chapter}rozdz1ebook"
  }
  if in segment vips {
    tag "vip_done"
  } else {
    tag "regular_done"
  }
  wait for "Feedback Given" up to 2 seconds
    then { tag "gave_feedback" }
    otherwise { tag "no_feedback" }
  split {
    50% { tag "cohort_a" }
    50% { tag "cohort_b" }
  }
}

journey vip_hello {
  when enters segment vips
  tag "hello_vip"
}
`;

let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const profileIds = new Map<string, string>();

const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);

async function person(userId: string, traits: Record<string, unknown>): Promise<string> {
  expect((await api('POST', '/v1/consents', { ...write, json: { userId, purpose: 'email_marketing', state: 'granted' } })).status).toBe(
    200,
  );
  expect(
    (await api('POST', '/v1/identify', { ...write, json: { userId, traits: { email: `${userId}@example.com`, ...traits } } })).status,
  ).toBe(200);
  const id = (await api('GET', `/v1/profiles/lookup?userId=${userId}`)).body.id as string;
  profileIds.set(userId, id);
  return id;
}
const track = async (userId: string, event: string) =>
  expect((await api('POST', '/v1/track', { ...write, json: { userId, event } })).status).toBe(200);

/** The first node, at any depth, whose label is `label`. */
function nodeLabelled(nodes: DiagramNode[], label: string): DiagramNode {
  const walk = (list: DiagramNode[]): DiagramNode | undefined => {
    for (const node of list) {
      if (node.label === label) return node;
      const inner = walk((node.blocks ?? []).flatMap((block) => block.nodes));
      if (inner) return inner;
    }
    return undefined;
  };
  const found = walk(nodes);
  if (!found) throw new Error(`no node labelled ${label}`);
  return found;
}

const counts = (reached: number, waiting: number, passed: number, endedHere: number) => ({ reached, waiting, passed, endedHere });

beforeAll(async () => {
  itinera = await startTestItinera('dashboards');
  expect(
    (await api('PUT', '/v1/templates/ebook_chapter', { ...admin, json: { subject: 'Chapter {{ with.chapter }}', html: '<p>Chapter</p>' } }))
      .status,
  ).toBe(201);
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  await eventually(
    async () => (await api('GET', '/v1/segments')).body.segments.every((segment: { state: string }) => segment.state === 'ready'),
    60_000,
  );
});
afterAll(async () => {
  await itinera?.close();
});

describe('the journey diagram', () => {
  it('is drawn from the text with the ids lower.ts gives every step, in each example program', () => {
    for (const file of ['ebook', 'retail', 'showcase']) {
      const source = readFileSync(new URL(`../../examples/${file}.itn`, import.meta.url), 'utf8');
      const { ir } = compile(source);
      const { program } = parseProgram(source);
      for (const journey of ir!.journeys) {
        const decl = program.declarations.find((d): d is JourneyDecl => d.kind === 'journey' && d.name.text === journey.name)!;
        const asked = new Set<string>();
        journeyDiagram(decl, sourceReader(source), { entered: 0, step: (id) => (asked.add(id), undefined) });
        // Every step that runs (`on exit` included) is drawn and counted; nothing is asked for under an id no step has.
        expect([...asked].sort(), `${file}: ${journey.name}`).toEqual(
          allSteps([...journey.steps, ...(journey.onExit ?? [])])
            .map(({ step }) => step.id)
            .sort(),
        );
      }
    }
  });

  it('counts every step inside for, if, wait for and split, live while runs wait and once they end', async () => {
    await person('vera', { plan: 'vip' });
    await person('rob', { plan: 'basic' });
    await track('vera', 'Ebook Signup');
    await track('rob', 'Ebook Signup');

    // While both wait for feedback, the wait for step says so; Vera gives hers, Rob's times out.
    const waitFor = 'wait for "Feedback Given" up to 2 seconds';
    await eventually(
      async () => {
        const detail = await api('GET', '/v1/journeys/drip');
        return nodeLabelled(detail.body.versions[0]?.diagram.nodes ?? [], waitFor).counts.waiting === 2;
      },
      30_000,
      25,
    );
    await track('vera', 'Feedback Given');
    await eventually(
      async () => (await api('GET', '/v1/journeys')).body.journeys.find((j: { name: string }) => j.name === 'drip')?.ended === 2,
      30_000,
    );

    const listed = (await api('GET', '/v1/journeys')).body.journeys.find((j: { name: string }) => j.name === 'drip');
    expect(listed).toMatchObject({ title: 'A short e-book drip', entered: 2, running: 0, ended: 2 });

    const detail = (await api('GET', '/v1/journeys/drip')).body;
    const [version] = detail.versions;
    expect(detail).toMatchObject({ entered: 2, running: 0, ended: 2 });
    const nodes: DiagramNode[] = version.diagram.nodes;
    expect(nodes.map((node) => [node.kind, node.label])).toEqual([
      ['trigger', 'when performed "Ebook Signup"'],
      ['for', 'for chapter in 1..3'],
      ['if', 'if in segment vips'],
      ['waitFor', waitFor],
      ['split', 'split 50% / 50%'],
    ]);
    expect(nodes[0]!.counts).toEqual(counts(2, 0, 2, 0));

    // The loop: one block with its body as written, each step's counts summed over the iterations.
    const loop = nodes[1]!;
    expect(loop.counts).toEqual(counts(2, 0, 2, 0));
    expect(loop.blocks!.map((block) => block.label)).toEqual(['chapter 1…3']);
    expect(loop.blocks![0]!.nodes.map((node) => [node.id, node.kind, node.label, node.counts])).toEqual([
      ['0@*.0', 'sendEmail', 'send email "ebook_chapter"', counts(6, 0, 6, 0)],
      ['0@*.1', 'tag', 'tag "{chapter}rozdz1ebook"', counts(6, 0, 6, 0)],
      ['0@*.2', 'wait', 'wait 1 second', counts(6, 0, 6, 0)],
      ['0@*.3', 'untag', 'untag "{chapter}rozdz1ebook"', counts(6, 0, 6, 0)],
    ]);
    expect(loop.blocks![0]!.nodes[0]!.iterations).toEqual(
      [1, 2, 3].map((chapter) => ({ label: `chapter ${chapter}`, counts: counts(2, 0, 2, 0) })),
    );

    // if then/else, wait for then/otherwise, split's branches: each person went one way.
    const [branch, wait, split] = nodes.slice(2);
    expect(branch!.counts).toEqual(counts(2, 0, 2, 0));
    expect(
      branch!.blocks!.map((block) => [
        block.label,
        block.nodes.map((node) => [node.id, node.label, node.counts.reached, node.counts.passed]),
      ]),
    ).toEqual([
      ['then', [['1.then.0', 'tag "vip_done"', 1, 1]]],
      ['else', [['1.else.0', 'tag "regular_done"', 1, 1]]],
    ]);
    expect(wait!.counts).toEqual(counts(2, 0, 2, 0));
    expect(wait!.blocks!.map((block) => [block.label, block.nodes.map((node) => [node.id, node.label, node.counts.reached])])).toEqual([
      ['then', [['2.then.0', 'tag "gave_feedback"', 1]]],
      ['otherwise', [['2.otherwise.0', 'tag "no_feedback"', 1]]],
    ]);
    expect(split!.counts).toEqual(counts(2, 0, 2, 0));
    expect(split!.blocks!.map((block) => block.label)).toEqual(['50%', '50%']);
    expect(split!.blocks!.flatMap((block) => block.nodes).reduce((total, node) => total + node.counts.passed, 0)).toBe(2);

    // The flat funnel of before reads the same counts (it read 0 for every id with a dot):
    // every step was reached but one split branch (both people may share a cohort).
    const funnel = new Map<string, number>(version.steps.map((step: { id: string; reached: number }) => [step.id, step.reached]));
    expect([...funnel.entries()].filter(([id, reached]) => reached === 0 && !id.startsWith('3.b'))).toEqual([]);
    expect((funnel.get('3.b0.0') ?? 0) + (funnel.get('3.b1.0') ?? 0)).toBe(2);
    expect(funnel.get('0@2.1')).toBe(2);
    expect(version.messages).toEqual({ 'not-configured': 6 });
  });

  it('draws a journey just deployed before anyone enters it, and answers 404 for one that does not exist', async () => {
    const detail = (await api('GET', '/v1/journeys/vip_hello')).body;
    expect(detail.versions.at(-1).diagram.nodes.map((node: DiagramNode) => node.label)).toEqual([
      'when enters segment vips',
      'tag "hello_vip"',
    ]);
    expect((await api('GET', '/v1/journeys/nobody')).status).toBe(404);
  });
});

describe('segment pages', () => {
  beforeAll(async () => {
    for (const userId of ['vera', 'rob']) if (!profileIds.has(userId)) await person(userId, { plan: userId === 'vera' ? 'vip' : 'basic' });
    await eventually(
      async () => (await api('GET', '/v1/segments')).body.segments.find((s: { name: string }) => s.name === 'vips')?.size === 1,
      30_000,
    );
  });

  it('lists each segment with its last 14 days', async () => {
    const { body } = await api('GET', '/v1/segments');
    const vips = body.segments.find((segment: { name: string }) => segment.name === 'vips');
    const today = new Date().toISOString().slice(0, 10);
    expect(vips.trend).toHaveLength(14);
    expect(vips.trend.at(-1)).toEqual({ day: today, size: 1 });
    // Vera entered today: the days before, it was empty.
    expect(vips.trend.slice(0, -1).every((point: { size: number }) => point.size === 0)).toBe(true);
    expect(vips.trend[0].day < vips.trend[1].day).toBe(true);
  });

  it('shows a segment with its declaration as written, what it depends on and who reads it', async () => {
    expect((await api('GET', '/v1/segments/vips')).body).toMatchObject({
      name: 'vips',
      title: 'VIPs',
      size: 1,
      state: 'ready',
      source: 'segment vips "VIPs" {\n  trait plan = "vip"\n}',
      dependsOn: [],
      usedBy: { segments: ['vip_readers'], journeys: ['drip', 'vip_hello'], broadcasts: [] },
    });
    expect((await api('GET', '/v1/segments/vip_readers')).body).toMatchObject({
      dependsOn: ['vips'],
      usedBy: { segments: [], journeys: [], broadcasts: [] },
    });
    expect((await api('GET', '/v1/segments/nothing')).status).toBe(404);
  });

  it('pages members with their identifiers, finds one by identifier or profile id, and downloads them as CSV', async () => {
    const vera = profileIds.get('vera')!;
    const page = (await api('GET', '/v1/segments/vips/members')).body;
    expect(page.members).toHaveLength(1);
    expect(page.members[0]).toMatchObject({ profileId: vera, identifiers: { userId: ['vera'] } });

    for (const q of ['vera', vera, 'vera@example.com', 'VERA@example.com ']) {
      expect(
        (await api('GET', `/v1/segments/vips/members?q=${encodeURIComponent(q)}`)).body.members.map(
          (m: { profileId: string }) => m.profileId,
        ),
        q,
      ).toEqual([vera]);
    }
    expect((await api('GET', '/v1/segments/vips/members?q=rob')).body).toEqual({ segment: 'vips', members: [], nextCursor: null });
    expect((await api('GET', '/v1/segments/vips/members?q=')).status).toBe(400);

    const csv = await fetch(`${itinera.baseUrl}/v1/segments/vips/members?format=csv`, { headers: { authorization: admin.auth } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('profile_id,since,user_ids,emails,anonymous_ids');
    expect(lines[1]).toMatch(new RegExp(`^${vera},[^,]+,vera,`));
    expect((await api('GET', '/v1/segments/vips/members?format=xml')).status).toBe(400);
  });

  it('shows a signed-in viewer profile ids only: no identifiers, no search by them, no identifier columns', async () => {
    const password = 'a viewer password, long enough';
    expect((await api('POST', '/v1/users', { ...admin, json: { name: 'val', role: 'viewer', password } })).status).toBe(201);
    const signIn = await fetch(`${itinera.baseUrl}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'val', password }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .map((header) => header.split(';')[0])
      .join('; ');
    const asViewer = async (path: string) => {
      const response = await fetch(`${itinera.baseUrl}${path}`, { headers: { cookie } });
      const text = await response.text();
      return { status: response.status, text, json: () => JSON.parse(text) as Record<string, any> };
    };

    const vera = profileIds.get('vera')!;
    expect((await asViewer('/v1/segments/vips/members')).json().members).toEqual([{ profileId: vera, since: expect.any(String) }]);
    expect((await asViewer('/v1/segments/vips/members?q=vera')).json().members).toEqual([]);
    expect((await asViewer(`/v1/segments/vips/members?q=${vera}`)).json().members).toEqual([
      { profileId: vera, since: expect.any(String) },
    ]);
    const csv = await asViewer('/v1/segments/vips/members?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.text.trim().split('\r\n')).toEqual(['profile_id,since', expect.stringMatching(new RegExp(`^${vera},\\d{4}-`))]);
    // Sizes, charts and diagrams are for everyone.
    expect((await asViewer('/v1/segments/vips')).json()).toMatchObject({ size: 1, usedBy: { journeys: ['drip', 'vip_hello'] } });
    expect((await asViewer('/v1/journeys/drip')).status).toBe(200);
  });
});
