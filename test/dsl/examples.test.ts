/**
 * The project's example programs compile without a single diagnostic and mean what their
 * comments say. Runs over examples/*.itn and, when the repository sits beside the shared
 * design folder, ../shared/examples/*.itn too (those must compile unchanged), all but the
 * shared ebook.itn: issue 31 made it an error to send e-mail without saying which kind,
 * and its ask_for_review says neither (see the test of that copy below).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';
import type { JourneyIR, ProgramIR, StepIR } from '../../src/dsl/ir.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const SHARED = join(REPO_ROOT, '../shared/examples');
/**
 * A test about the shared copies exists only where they are (beside the project, as in its
 * CI); a user's clone has none, and a test it cannot run is not declared rather than skipped.
 */
const sharedTest = (present: boolean) => (present ? it : (..._args: Parameters<typeof it>) => undefined);
const SHARED_EBOOK = join(SHARED, 'ebook.itn');
const folders = [join(REPO_ROOT, 'examples'), SHARED].filter(existsSync);
const files = folders.flatMap((folder) =>
  readdirSync(folder)
    .filter((file) => file.endsWith('.itn'))
    .map((file) => join(folder, file))
    .filter((path) => path !== SHARED_EBOOK),
);

function compileFile(path: string): ProgramIR {
  const { ir, diagnostics } = compile(readFileSync(path, 'utf8'));
  expect(diagnostics).toEqual([]);
  return ir!;
}

function journey(ir: ProgramIR, name: string): JourneyIR {
  const found = ir.journeys.find((j) => j.name === name);
  if (!found) throw new Error(`no journey ${name}`);
  return found;
}

function segment(ir: ProgramIR, name: string) {
  const found = ir.segments.find((s) => s.name === name);
  if (!found) throw new Error(`no segment ${name}`);
  return found;
}

/** Every step id in a journey, nested ones included. */
function allIds(steps: StepIR[]): string[] {
  return steps.flatMap((step) => {
    switch (step.kind) {
      case 'if':
        return [step.id, ...allIds(step.then), ...allIds(step.else)];
      case 'waitFor':
        return [step.id, ...allIds(step.then), ...allIds(step.otherwise)];
      case 'split':
        return [step.id, ...step.branches.flatMap((branch) => allIds(branch.steps))];
      default:
        return [step.id];
    }
  });
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('every example compiles cleanly', () => {
  it('finds the examples', () => {
    expect(files.some((f) => f.endsWith('examples/ebook.itn'))).toBe(true);
  });

  it.each(files)('%s', (path) => {
    const ir = compileFile(path);
    for (const j of ir.journeys) {
      const ids = allIds(j.steps);
      expect(new Set(ids).size, `step ids of ${j.name} are unique`).toBe(ids.length);
    }
    expect(JSON.parse(JSON.stringify(ir))).toEqual(ir);
  });

  sharedTest(existsSync(SHARED))('the copy of retail.itn in examples/ is identical to the shared one', () => {
    expect(readFileSync(join(REPO_ROOT, 'examples/retail.itn'), 'utf8')).toBe(readFileSync(join(SHARED, 'retail.itn'), 'utf8'));
  });

  /**
   * Issue 31: a journey that sends e-mail says whether it is marketing (`requires consent
   * <purpose>`) or `operational`. Saying nothing used to mean operational, and the shared
   * ebook.itn's ask_for_review, which asks readers for a review (marketing), said nothing:
   * copied, it sent marketing without consent. The shared copy is read-only and older, so
   * it now reports exactly that, once; examples/ebook.itn is the corrected copy.
   */
  sharedTest(existsSync(SHARED_EBOOK))('the shared, older ebook.itn compiles to one error: ask_for_review does not say its kind', () => {
    const source = readFileSync(SHARED_EBOOK, 'utf8');
    const { ir, diagnostics } = compile(source);
    const sendLine = source.split('\n').findIndex((line) => line.includes('send email "ebook_review"')) + 1;
    expect(ir).toBeUndefined();
    expect(diagnostics.map(({ code, severity, line }) => ({ code, severity, line }))).toEqual([
      { code: 'ITN1410', severity: 'error', line: sendLine },
    ]);
    expect(diagnostics[0]!.message).toContain("journey 'ask_for_review' sends e-mail without saying which kind");
  });
});

describe('ebook.itn means what its comments say', () => {
  const ir = compileFile(join(REPO_ROOT, 'examples/ebook.itn'));

  it("email consent is the banner's Marketing category, and expires after a year with a reminder 30 days before", () => {
    expect(ir.consents).toEqual([
      {
        name: 'email_marketing',
        title: 'E-mail marketing',
        categories: ['Marketing'],
        expiresAfterMs: 365 * DAY,
        remindBeforeMs: 30 * DAY,
      },
    ]);
  });

  it('the drip unrolls into five chapters: send, tag, wait a day, untag', () => {
    const drip = journey(ir, 'ebook_drip');
    expect(drip.trigger).toEqual({ kind: 'performed', event: 'Ebook Signup' });
    expect(drip.requiresConsent).toEqual(['email_marketing']);
    expect(drip.reentry).toEqual({ kind: 'never' });
    expect(drip.exitOn).toEqual([{ event: 'Unsubscribed' }]);
    const expected = [1, 2, 3, 4, 5].flatMap((chapter) => [
      { kind: 'sendEmail', template: 'ebook_chapter', with: { chapter } },
      { kind: 'tag', tag: `${chapter}rozdz1ebook` },
      { kind: 'wait', ms: DAY },
      { kind: 'untag', tag: `${chapter}rozdz1ebook` },
    ]);
    const withoutIds = drip.steps.map(({ id: _id, ...rest }) => rest);
    expect(withoutIds).toEqual([...expected, { kind: 'tag', tag: 'ebook_completed' }]);
  });

  it('every journey that sends e-mail sends marketing, with consent', () => {
    for (const name of ['ebook_drip', 'ask_for_review', 'next_product']) {
      expect(journey(ir, name), name).toMatchObject({ requiresConsent: ['email_marketing'], messages: 'marketing' });
    }
  });

  it('however the drip ends, every chapter tag is taken off: no one stays in mid_ebook', () => {
    const drip = journey(ir, 'ebook_drip');
    expect(drip.onExit).toEqual(
      [1, 2, 3, 4, 5].map((chapter) => ({ kind: 'untag', id: `onExit.0@${chapter}.0`, tag: `${chapter}rozdz1ebook` })),
    );
  });

  it('segments find readers in the middle, finishers and big baskets', () => {
    expect(segment(ir, 'mid_ebook').condition).toEqual({ kind: 'taggedLike', glob: '*rozdz1ebook' });
    expect(segment(ir, 'finished_ebook').condition).toEqual({
      kind: 'and',
      all: [
        { kind: 'tagged', tag: 'ebook_completed' },
        { kind: 'not', condition: { kind: 'taggedLike', glob: '*rozdz1ebook' } },
      ],
    });
    expect(segment(ir, 'big_basket').condition).toEqual({
      kind: 'aggregate',
      fn: 'average',
      property: 'revenue',
      event: 'Order Completed',
      withinMs: 90 * DAY,
      op: 'gt',
      value: 300,
    });
  });

  it('asks for a review after 12 hours if still mid-campaign and not asked before', () => {
    const review = journey(ir, 'ask_for_review');
    expect(review.trigger).toEqual({ kind: 'entersSegment', segment: 'mid_ebook' });
    expect(review.steps[0]).toMatchObject({ kind: 'wait', ms: 12 * HOUR });
    expect(review.steps[1]).toMatchObject({
      kind: 'if',
      condition: {
        kind: 'and',
        all: [
          { kind: 'inSegment', segment: 'mid_ebook' },
          { kind: 'not', condition: { kind: 'tagged', tag: 'review_asked' } },
        ],
      },
      then: [
        { kind: 'sendEmail', template: 'ebook_review' },
        { kind: 'tag', tag: 'review_asked' },
      ],
      else: [],
    });
  });

  it('offers premium to big baskets, else splits 50/50 between two starter offers', () => {
    const next = journey(ir, 'next_product');
    expect(next.steps[0]).toMatchObject({ kind: 'waitUntil', time: '10:00' });
    const branch = next.steps[1];
    expect(branch).toMatchObject({ kind: 'if', condition: { kind: 'inSegment', segment: 'big_basket' } });
    if (branch?.kind !== 'if') throw new Error('expected an if');
    expect(branch.then).toMatchObject([{ kind: 'sendEmail', template: 'premium_course' }]);
    expect(branch.else).toMatchObject([
      {
        kind: 'split',
        branches: [
          { percent: 50, steps: [{ kind: 'sendEmail', template: 'starter_course', with: {} }] },
          { percent: 50, steps: [{ kind: 'sendEmail', template: 'starter_course_discount', with: { discount: 10 } }] },
        ],
      },
    ]);
  });
});

describe('retail.itn means what its comments say', () => {
  const ir = compileFile(join(REPO_ROOT, 'examples/retail.itn'));

  it('VIPs: three orders of 100+ in 90 days, or 2000 in a year', () => {
    expect(segment(ir, 'vip').condition).toEqual({
      kind: 'or',
      any: [
        {
          kind: 'performed',
          event: 'Order Completed',
          where: { kind: 'prop', path: 'revenue', cmp: { op: 'gte', value: 100 } },
          count: { op: 'atLeast', n: 3 },
          withinMs: 90 * DAY,
        },
        { kind: 'aggregate', fn: 'sum', property: 'revenue', event: 'Order Completed', withinMs: 365 * DAY, op: 'gte', value: 2000 },
      ],
    });
  });

  it('lapsed customers depend on the VIP segment', () => {
    expect(segment(ir, 'lapsed')).toMatchObject({
      dependsOn: ['vip'],
      condition: {
        kind: 'and',
        all: [
          { kind: 'performed', event: 'Order Completed', count: { op: 'atLeast', n: 1 } },
          { kind: 'seen', which: 'last', relation: 'moreThanAgo', ms: 60 * DAY },
          { kind: 'not', condition: { kind: 'inSegment', segment: 'vip' } },
        ],
      },
    });
    expect(segment(ir, 'polish_mobile').condition).toEqual({
      kind: 'and',
      all: [
        { kind: 'trait', path: 'country', cmp: { op: 'eq', value: 'PL' } },
        { kind: 'trait', path: 'device', cmp: { op: 'in', values: ['ios', 'android'] } },
      ],
    });
    expect(segment(ir, 'new_visitors').condition).toEqual({
      kind: 'and',
      all: [
        { kind: 'seen', which: 'first', relation: 'within', ms: 7 * DAY },
        { kind: 'not', condition: { kind: 'performed', event: 'Order Completed', count: { op: 'atLeast', n: 1 } } },
      ],
    });
  });

  it('cart recovery waits 4 hours for an order, reminds, then waits a day more', () => {
    const cart = journey(ir, 'cart_recovery');
    expect(cart.trigger).toEqual({
      kind: 'performed',
      event: 'Cart Abandoned',
      where: { kind: 'prop', path: 'total', cmp: { op: 'gt', value: 0 } },
    });
    expect(cart.reentry).toEqual({ kind: 'after', ms: 7 * DAY });
    expect(cart.quietHours).toEqual({ start: '21:00', end: '08:00' });
    expect(cart.steps).toMatchObject([
      {
        kind: 'waitFor',
        event: 'Order Completed',
        timeoutMs: 4 * HOUR,
        then: [{ kind: 'tag', tag: 'cart_recovered' }],
        otherwise: [
          { kind: 'sendEmail', template: 'cart_reminder' },
          { kind: 'waitFor', event: 'Order Completed', timeoutMs: DAY, then: [], otherwise: [{ kind: 'tag', tag: 'cart_lost' }] },
        ],
      },
    ]);
  });

  it('win-back exits on an order and hands still-lapsed customers to the CRM', () => {
    const winBack = journey(ir, 'win_back');
    expect(winBack.exitOn).toEqual([{ event: 'Order Completed' }]);
    expect(winBack.steps).toMatchObject([
      { kind: 'sendEmail', template: 'we_miss_you' },
      { kind: 'wait', ms: 3 * DAY },
      {
        kind: 'if',
        condition: { kind: 'inSegment', segment: 'lapsed' },
        then: [
          { kind: 'sendWebhook', name: 'crm_task', with: { reason: 'lapsed' } },
          { kind: 'setTrait', path: 'win_back_stage', value: 'crm' },
        ],
      },
    ]);
  });

  it('VIP welcome and farewell follow the segment', () => {
    expect(journey(ir, 'vip_welcome')).toMatchObject({
      trigger: { kind: 'entersSegment', segment: 'vip' },
      requiresConsent: ['profiling'],
      steps: [
        { kind: 'tag', tag: 'vip' },
        { kind: 'sendWebhook', name: 'loyalty_upgrade', with: {} },
      ],
    });
    expect(journey(ir, 'vip_farewell')).toMatchObject({
      trigger: { kind: 'exitsSegment', segment: 'vip' },
      requiresConsent: [],
      steps: [{ kind: 'untag', tag: 'vip' }],
    });
    expect(ir.consents.find((c) => c.name === 'profiling')).toEqual({ name: 'profiling', title: 'Personalisation and profiling' });
  });
});

describe('step ids', () => {
  it('are the same for the same source and survive comment and whitespace edits', () => {
    const source = readFileSync(join(REPO_ROOT, 'examples/ebook.itn'), 'utf8');
    const ids = (text: string) => compile(text).ir!.journeys.map((j) => allIds(j.steps));
    const edited = source.replace(/#[^\n]*/g, '# edited').replace(/\n\n/g, '\n\n\n');
    expect(ids(source)).toEqual(ids(source));
    expect(ids(edited)).toEqual(ids(source));
  });
});
