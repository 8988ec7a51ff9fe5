/**
 * POST /v1/journeys/simulate on a full Itinera: the e-book drip of examples/ebook.itn for
 * a described person comes back as five chapters a day apart, in under two seconds once
 * the simulation environment is warm, with nothing written and nothing sent. Refusals,
 * branches, `wait for`, `exit on` and bad requests are answered as documented in
 * docs/simulation.md. `itinera simulate` prints the same timeline, a line per entry.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';
import type { StepIR } from '../../src/dsl/ir.js';
import { runSimulateCommand } from '../../src/simulation/cli.js';
import { cohortPercentile, pickBranch } from '../../src/workflows/cohort.js';
import { ADMIN_KEY, bearer, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const EBOOK = readFileSync(new URL('../../examples/ebook.itn', import.meta.url), 'utf8');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const admin = { auth: bearer(ADMIN_KEY) };

let itinera: TestItinera;

beforeAll(async () => {
  itinera = await startTestItinera('simulate');
  const template = { subject: 'Chapter {{ with.chapter }}, {{ traits.first_name }}', html: '<p>Chapter {{ with.chapter }}</p>' };
  expect((await send(itinera.baseUrl, 'PUT', '/v1/templates/ebook_chapter', { ...admin, json: template })).status).toBe(201);
});
afterAll(async () => {
  await itinera?.close();
});

const reader = {
  traits: { first_name: 'Ada', email: 'ada@example.com' },
  consents: { email_marketing: 'granted' },
};
const simulate = (json: unknown) => send(itinera.baseUrl, 'POST', '/v1/journeys/simulate', { ...admin, json });
const effects = (timeline: Record<string, any>[]) =>
  timeline
    .filter((entry) => ['tag', 'untag', 'send', 'end'].includes(entry.kind))
    .map((entry) => `${entry.offsetMs / HOUR}h ${entry.kind} ${entry.tag ?? entry.name ?? entry.outcome}`);

describe('the e-book drip', () => {
  it('sends five chapters a day apart, swapping the chapter tags, and completes', async () => {
    const answer = await simulate({
      source: EBOOK,
      journey: 'ebook_drip',
      person: reader,
      events: [{ event: 'Ebook Signup', at: '+0s' }],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).toBe('completed');
    const sends = answer.body.timeline.filter((entry: { kind: string }) => entry.kind === 'send');
    expect(sends.map((entry: { subject: string }) => entry.subject)).toEqual([1, 2, 3, 4, 5].map((n) => `Chapter ${n}, Ada`));
    expect(sends.map((entry: { offsetMs: number }) => Math.round(entry.offsetMs / DAY))).toEqual([0, 1, 2, 3, 4]);
    expect(effects(answer.body.timeline).slice(0, 5)).toEqual([
      '0h send ebook_chapter',
      '0h tag 1rozdz1ebook',
      '24h untag 1rozdz1ebook',
      '24h send ebook_chapter',
      '24h tag 2rozdz1ebook',
    ]);
    const waits = answer.body.timeline.filter((entry: { kind: string }) => entry.kind === 'wait');
    expect(waits).toHaveLength(5);
    expect(Date.parse(waits[0].until) - Date.parse(waits[0].at)).toBe(DAY);
    expect(answer.body.tags).toEqual(['ebook_completed']);
  });

  it('answers in under two seconds once warm, and writes and sends nothing', async () => {
    const began = Date.now();
    const answer = await simulate({ source: EBOOK, journey: 'ebook_drip', person: reader, events: [{ event: 'Ebook Signup' }] });
    expect(answer.status).toBe(200);
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(await itinera.raw.deliveries.countDocuments()).toBe(0);
    expect(await itinera.raw.profiles.countDocuments()).toBe(0);
  });

  it('refuses a person without the consent the journey requires, and says why', async () => {
    const answer = await simulate({
      source: EBOOK,
      journey: 'ebook_drip',
      person: { traits: reader.traits, consents: { email_marketing: 'denied' } },
      events: [{ event: 'Ebook Signup' }],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).toBe('no-consent');
    expect(answer.body.timeline.map((entry: { kind: string }) => entry.kind)).toEqual(['event', 'refused', 'end']);
    expect(answer.body.timeline[1].reason).toBe('no-consent');
  });

  it('ends the run when the exit-on event comes, and says a missing template instead of failing', async () => {
    const answer = await simulate({
      source: EBOOK.replace('"ebook_chapter"', '"ebook_chapter_v2"'),
      journey: 'ebook_drip',
      person: reader,
      events: [
        { event: 'Ebook Signup', at: '+0s' },
        { event: 'Unsubscribed', at: '+1 day 2 hours' },
      ],
    });
    expect(answer.body.outcome).toBe('exited-on-event');
    const sends = answer.body.timeline.filter((entry: { kind: string }) => entry.kind === 'send');
    expect(sends).toHaveLength(2);
    expect(sends[0]).toMatchObject({ name: 'ebook_chapter_v2', problem: 'template missing' });
    const end = answer.body.timeline.at(-1);
    expect(end).toMatchObject({ kind: 'end', outcome: 'exited-on-event' });
    expect(end.offsetMs / HOUR).toBeCloseTo(26, 1);
  });
});

describe('branches and waiting for events', () => {
  const SOURCE = `
consent email_marketing { }
journey onboarding {
  when performed "Signed Up"
  requires consent email_marketing
  if trait plan = "pro" { tag "pro" } else { tag "free" }
  wait for "Order Completed" where total > 100 up to 3 days then { tag "buyer" } otherwise { tag "no_order" }
  wait for "Order Completed" up to 1 day then { tag "second_order" }
  tag "done"
}`;

  it('says which branch each condition took, and when the awaited event came or the wait ran out', async () => {
    const answer = await simulate({
      source: SOURCE,
      journey: 'onboarding',
      person: { traits: { plan: 'pro', email: 'p@example.com' }, consents: { email_marketing: 'granted' } },
      events: [
        { event: 'Signed Up' },
        { event: 'Order Completed', properties: { total: 50 }, at: '+1 day' },
        { event: 'Order Completed', properties: { total: 150 }, at: '+2 days' },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).toBe('completed');
    const branches = answer.body.timeline
      .filter((entry: { kind: string }) => entry.kind === 'branch')
      .map((entry: Record<string, any>) => `${entry.of} ${entry.taken}: ${entry.why}`);
    expect(branches).toEqual([
      'if then: trait plan = "pro" held',
      'wait for then: "Order Completed" arrived',
      'wait for otherwise: no "Order Completed" in time',
    ]);
    expect(effects(answer.body.timeline)).toEqual(['0h tag pro', '48h tag buyer', '72h tag done', '72h end completed']);
    expect(answer.body.tags).toEqual(['pro', 'buyer', 'done']);
  });

  it('reads a stored person without changing them', async () => {
    const write = { auth: `Basic ${Buffer.from('test-write-key:').toString('base64')}` };
    expect(
      (await send(itinera.baseUrl, 'POST', '/v1/identify', { ...write, json: { userId: 'u1', traits: { plan: 'free' } } })).status,
    ).toBe(200);
    const profileId = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=u1', admin)).body.id as string;
    const before = await itinera.raw.profiles.findOne({ _id: profileId });
    const answer = await simulate({
      source: SOURCE.replace('requires consent email_marketing', ''),
      journey: 'onboarding',
      person: { profileId },
      events: [{ event: 'Signed Up' }],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.tags).toEqual(['free', 'no_order', 'done']);
    expect(await itinera.raw.profiles.findOne({ _id: profileId })).toEqual(before);
  });
});

describe('segment triggers, local times, splits and exit when', () => {
  it('starts a segment-triggered journey at the start, waits until the local time, and takes the branch of the cohort', async () => {
    const answer = await simulate({
      source: EBOOK,
      journey: 'next_product',
      person: { ...reader, tags: ['ebook_completed'] },
      start: '2026-03-02T08:00:00Z',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).toBe('completed');
    const split = compile(EBOOK)
      .ir!.journeys.find((journey) => journey.name === 'next_product')!
      .steps.flatMap((step: StepIR) => (step.kind === 'if' ? step.else : []))
      .find((step): step is Extract<StepIR, { kind: 'split' }> => step.kind === 'split')!;
    const branch = pickBranch(
      cohortPercentile('simulated-person', 'next_product', split.id),
      split.branches.map((b) => b.percent),
    );
    const kinds = (answer.body.timeline as Record<string, any>[]).filter((entry) => ['wait', 'branch', 'send'].includes(entry.kind));
    expect(kinds).toMatchObject([
      { kind: 'wait', reason: 'wait until', at: '2026-03-02T08:00:00.000Z', until: '2026-03-02T10:00:00.000Z' },
      { kind: 'branch', of: 'if', taken: 'else', why: 'in segment big_basket did not hold' },
      { kind: 'branch', of: 'split', taken: `branch ${branch + 1} (50%)` },
      {
        kind: 'send',
        name: branch === 0 ? 'starter_course' : 'starter_course_discount',
        problem: 'template missing',
        at: '2026-03-02T10:00:00.000Z',
      },
    ]);
  });

  it("holds a send through quiet hours in the person's time zone", async () => {
    const source = `
consent email_marketing { }
journey night { when performed "Go" requires consent email_marketing quiet hours 21:00-07:00 send email "ebook_chapter" with { chapter: 1 } }`;
    const answer = await simulate({
      source,
      journey: 'night',
      person: { ...reader, traits: { ...reader.traits, timezone: 'Europe/Warsaw' } },
      start: '2026-03-02T21:30:00Z',
    });
    const [hold, sent] = (answer.body.timeline as Record<string, any>[]).filter((entry) => ['wait', 'send'].includes(entry.kind));
    // 22:30 in Warsaw (UTC+1 in March): held until 07:00 there, 06:00 UTC.
    expect(hold).toMatchObject({ kind: 'wait', reason: 'quiet hours', until: '2026-03-03T06:00:00.000Z' });
    expect(sent).toMatchObject({ kind: 'send', subject: 'Chapter 1, Ada', at: '2026-03-03T06:00:00.000Z' });
  });

  const WATCH = `
journey watch {
  when performed "Go"
  exit when tagged "stop"
  tag "started"
  wait 1 day
  tag "stop"
  wait 1 day
  tag "never"
}`;

  it('ends a run whose exit-when condition a change makes true, and one for whom it holds at entry', async () => {
    const changed = await simulate({ source: WATCH, journey: 'watch', person: {} });
    expect(changed.body.outcome).toBe('exited-when');
    expect(changed.body.tags).toEqual(['started', 'stop']);
    expect(changed.body.timeline.at(-1)).toMatchObject({ kind: 'end', outcome: 'exited-when', offsetMs: DAY });

    const already = await simulate({ source: WATCH, journey: 'watch', person: { tags: ['stop'] } });
    expect(already.body.outcome).toBe('exited-when');
    expect(already.body.tags).toEqual(['stop']);
    expect(already.body.timeline.find((entry: { kind: string }) => entry.kind === 'branch')).toMatchObject({
      why: 'exit when tagged "stop" held',
    });
  });
});

describe('bad requests', () => {
  it('answers 422 with the diagnostics of a draft with errors', async () => {
    const answer = await simulate({ source: 'journey j { when performed "x"\n  tag }', journey: 'j' });
    expect(answer.status).toBe(422);
    expect(answer.body.diagnostics[0]).toMatchObject({ severity: 'error', code: expect.stringMatching(/^ITN\d{4}$/) });
  });

  it('answers 400 with the problems of a request that does not fit', async () => {
    const answer = await simulate({ source: EBOOK, journey: 'ebook_drip', events: [{ event: 'Ebook Signup', at: 'tomorrow' }] });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_body' });
    expect(answer.body.error.details[0].path).toBe('events.0.at');
  });

  it('answers 404 for a journey the draft does not declare, and for an unknown profile', async () => {
    const journey = await simulate({ source: EBOOK, journey: 'ebook' });
    expect(journey.status).toBe(404);
    expect(journey.body.error).toMatchObject({
      code: 'unknown_journey',
      details: { journeys: ['ebook_drip', 'ask_for_review', 'next_product'] },
    });
    const person = await simulate({ source: EBOOK, journey: 'ebook_drip', person: { profileId: 'nobody' } });
    expect(person.status).toBe(404);
  });
});

describe('itinera simulate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'itinera-simulate-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };
    const code = await runSimulateCommand(argv, io, { ITINERA_URL: itinera.baseUrl, ITINERA_ADMIN_KEY: ADMIN_KEY });
    return { code, out, err };
  };

  it('prints the e-book drip: five chapters over five days, a line per entry', async () => {
    const events = join(dir, 'events.json');
    const traits = join(dir, 'traits.json');
    await writeFile(events, JSON.stringify([{ event: 'Ebook Signup', at: '+0s' }]));
    await writeFile(traits, JSON.stringify({ first_name: 'Ada', email: 'ada@example.com' }));
    const ebook = new URL('../../examples/ebook.itn', import.meta.url).pathname;
    const { code, out, err } = await run([
      ebook,
      '--journey',
      'ebook_drip',
      '--events',
      events,
      '--traits',
      traits,
      '--grant',
      'email_marketing',
    ]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.filter((line) => line.includes('send email'))).toEqual([
      'day 0 00:00  send email ebook_chapter  "Chapter 1, Ada"',
      'day 1 00:00  send email ebook_chapter  "Chapter 2, Ada"',
      'day 2 00:00  send email ebook_chapter  "Chapter 3, Ada"',
      'day 3 00:00  send email ebook_chapter  "Chapter 4, Ada"',
      'day 4 00:00  send email ebook_chapter  "Chapter 5, Ada"',
    ]);
    expect(out).toContain('day 0 00:00  wait 1 day, until day 1 00:00');
    expect(out).toContain('day 1 00:00  untag 1rozdz1ebook');
    expect(out.at(-1)).toBe('day 5 00:00  end: completed');
  });

  it("prints a draft's errors as `itinera check` does, and exits 1", async () => {
    const draft = join(dir, 'broken.itn');
    await writeFile(draft, 'journey j {\n  tag\n}\n');
    const { code, err } = await run([draft, '--journey', 'j']);
    expect(code).toBe(1);
    expect(err[0]).toMatch(new RegExp(`^${draft}:\\d+:\\d+: error ITN\\d{4}: `));
  });

  it('exits 2 without a journey', async () => {
    expect((await run(['x.itn'])).code).toBe(2);
  });
});
