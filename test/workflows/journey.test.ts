/**
 * The journey interpreter on Temporal's time-skipping test server, with the real
 * activities writing to the real database: days pass in milliseconds.
 */
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyIR, ProgramIR, StepIR } from '../../src/dsl/ir.js';
import type { Stores } from '../../src/store/index.js';
import { journeyWorkflow } from '../../src/workflows/journey.js';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { profileEventSignal } from '../../src/workflows/messages.js';
import { eventually } from '../support/eventually.js';
import { startJourneyBench, type JourneyBench } from '../support/journey-bench.js';
import type { RawCollections } from '../support/raw.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let bench: JourneyBench;
let env: TestWorkflowEnvironment;
let taskQueue: string;
let stores: Stores;
let raw: RawCollections;
let rulesVersion: number;
let newProfile: JourneyBench['newProfile'];

let stepCounter = 0;
const id = () => `s${stepCounter++}`;
const tag = (name: string): StepIR => ({ kind: 'tag', id: id(), tag: name });
const untag = (name: string): StepIR => ({ kind: 'untag', id: id(), tag: name });
const wait = (ms: number): StepIR => ({ kind: 'wait', id: id(), ms });

function journey(name: string, steps: StepIR[], extra: Partial<JourneyIR> = {}): JourneyIR {
  return {
    name,
    trigger: { kind: 'performed', event: 'Go' },
    requiresConsent: [],
    reentry: { kind: 'never' },
    exitOn: [],
    steps,
    ...extra,
  };
}

const program: ProgramIR = {
  irVersion: 1,
  consents: [{ name: 'email_marketing', expiresAfterMs: 365 * DAY }],
  segments: [],
  journeys: [
    // The e-book drip, two chapters: progress lives in tags that move day by day.
    journey(
      'drip',
      [
        tag('1rozdz1ebook'),
        wait(DAY),
        untag('1rozdz1ebook'),
        tag('2rozdz1ebook'),
        wait(DAY),
        untag('2rozdz1ebook'),
        tag('ebook_completed'),
      ],
      { requiresConsent: ['email_marketing'], exitOn: [{ event: 'Unsubscribed' }] },
    ),
    journey('cart', [
      {
        kind: 'waitFor',
        id: id(),
        event: 'Order Completed',
        timeoutMs: 4 * 3_600_000,
        then: [tag('cart_recovered')],
        otherwise: [tag('cart_lost')],
      },
    ]),
    journey('early_exit', [tag('before_exit'), { kind: 'exit', id: id() }, tag('after_exit')]),
    journey('two_orders', [
      {
        kind: 'waitFor',
        id: id(),
        event: 'Order Completed',
        timeoutMs: 4 * HOUR,
        then: [tag('first_order')],
        otherwise: [tag('no_first_order')],
      },
      {
        kind: 'waitFor',
        id: id(),
        event: 'Order Completed',
        timeoutMs: 4 * HOUR,
        then: [tag('second_order')],
        otherwise: [tag('no_second_order')],
      },
    ]),
    journey('welcome', [{ kind: 'sendEmail', id: id(), template: 'welcome', with: {} }, tag('welcomed')], { reentry: { kind: 'always' } }),
    journey('weekly', [tag('nudged')], { reentry: { kind: 'after', ms: 7 * DAY } }),
    journey('once', [tag('once')]),
  ],
};

beforeAll(async () => {
  ({ env, taskQueue, stores, raw, rulesVersion, newProfile } = bench = await startJourneyBench('journeys', program));
});

afterAll(async () => {
  await bench?.close();
});

const tagsOf = async (profileId: string) => (await stores.profiles.findById(profileId))?.tags ?? [];

function start(journeyName: string, profileId: string, trigger: { eventId?: string; version?: number } = {}, client: Client = env.client) {
  const version = trigger.version ?? rulesVersion;
  return client.workflow.start(journeyWorkflow, {
    taskQueue,
    workflowId: journeyWorkflowId(journeyName, version, profileId),
    args: [{ journey: journeyName, rulesVersion: version, profileId, triggerEventId: trigger.eventId }],
  });
}

const historyOf = async (profileId: string, journeyName: string) =>
  (await stores.profiles.findById(profileId))?.journeyHistory?.[journeyName];
const deliveriesOf = (profileId: string) => raw.deliveries.countDocuments({ profileId });

const granted = { email_marketing: { state: 'granted', at: new Date() } };

describe('journey workflow', () => {
  it('moves the e-book tag one chapter a day and records membership while running', async () => {
    const profileId = await newProfile(granted);
    const run = await start('drip', profileId);

    await eventually(async () => (await tagsOf(profileId)).includes('1rozdz1ebook'));
    expect(Object.values((await stores.profiles.findById(profileId))!.journeys).map((j) => j.journey)).toEqual(['drip']);

    await env.sleep(DAY);
    await eventually(async () => {
      const tags = await tagsOf(profileId);
      return tags.includes('2rozdz1ebook') && !tags.includes('1rozdz1ebook');
    });

    await env.sleep(DAY);
    expect(await run.result()).toBe('completed');
    expect(await tagsOf(profileId)).toEqual(['ebook_completed']);
    expect((await stores.profiles.findById(profileId))?.journeys).toEqual({});
  });

  it('does not enter without the required consent (deny by default)', async () => {
    const profileId = await newProfile();
    expect(await (await start('drip', profileId)).result()).toBe('no-consent');
    expect(await tagsOf(profileId)).toEqual([]);
  });

  it('treats an expired consent as missing', async () => {
    const profileId = await newProfile({ email_marketing: { state: 'granted', at: new Date(0), expiresAt: new Date(Date.now() - 1000) } });
    expect(await (await start('drip', profileId)).result()).toBe('no-consent');
  });

  it('ends the run when the exit event arrives mid-wait', async () => {
    const profileId = await newProfile(granted);
    const run = await start('drip', profileId);
    await eventually(async () => (await tagsOf(profileId)).includes('1rozdz1ebook'));
    await run.signal(profileEventSignal, { eventId: 'evt_unsub', event: 'Unsubscribed' });
    expect(await run.result()).toBe('exited-on-event');
    expect(await tagsOf(profileId)).toEqual(['1rozdz1ebook']);
  });

  it('takes the `then` branch when the awaited event arrives in time', async () => {
    const profileId = await newProfile();
    const run = await start('cart', profileId);
    await run.signal(profileEventSignal, { eventId: 'evt_other', event: 'Viewed Page' });
    await run.signal(profileEventSignal, { eventId: 'evt_order', event: 'Order Completed' });
    expect(await run.result()).toBe('completed');
    expect(await tagsOf(profileId)).toEqual(['cart_recovered']);
  });

  it('takes the `otherwise` branch on timeout', async () => {
    const profileId = await newProfile();
    const run = await start('cart', profileId);
    await env.sleep(5 * 3_600_000);
    expect(await run.result()).toBe('completed');
    expect(await tagsOf(profileId)).toEqual(['cart_lost']);
  });

  it('stops at `exit`', async () => {
    const profileId = await newProfile();
    expect(await (await start('early_exit', profileId)).result()).toBe('exited');
    expect(await tagsOf(profileId)).toEqual(['before_exit']);
  });

  it('does nothing to a profile erased while the run waits', async () => {
    const profileId = await newProfile(granted);
    const run = await start('drip', profileId);
    await eventually(async () => (await tagsOf(profileId)).includes('1rozdz1ebook'));
    await stores.profiles.deleteById(profileId);
    await env.sleep(3 * DAY);
    expect(await run.result()).toBe('completed');
    expect(await stores.profiles.findById(profileId)).toBeNull();
  });

  it('takes an event signalled twice (a repeated dispatch) once', async () => {
    const profileId = await newProfile();
    const run = await start('two_orders', profileId);
    await run.signal(profileEventSignal, { eventId: 'evt_order', event: 'Order Completed' });
    await run.signal(profileEventSignal, { eventId: 'evt_order', event: 'Order Completed' });
    expect(await run.result()).toBe('completed');
    expect(await tagsOf(profileId)).toEqual(['first_order', 'no_second_order']);
  });
});

describe('journey admission', () => {
  it('starts one run per trigger event, however often it is dispatched, and sends again on a new trigger', async () => {
    const profileId = await newProfile();
    expect(await (await start('welcome', profileId, { eventId: 'evt_1' })).result()).toBe('completed');
    expect(await (await start('welcome', profileId, { eventId: 'evt_1' })).result()).toBe('already-triggered');
    expect(await deliveriesOf(profileId)).toBe(1);

    expect(await (await start('welcome', profileId, { eventId: 'evt_2' })).result()).toBe('completed');
    expect(await deliveriesOf(profileId)).toBe(2);
    // Without SMTP configured, each is recorded as such.
    expect(await raw.deliveries.countDocuments({ profileId, status: 'not-configured' })).toBe(2);
    expect(await historyOf(profileId, 'welcome')).toMatchObject({ entries: 2, triggerEventIds: ['evt_1', 'evt_2'] });
  });

  it('keeps a person out until `reentry after` has passed since the last entry', async () => {
    // The time-skipping client's result() jumps the server's clock far ahead; waiting
    // through a plain client keeps the clock where env.sleep puts it.
    const steady = new Client({ connection: env.connection, namespace: env.namespace });
    const outcome = async (eventId: string) => (await start('weekly', profileId, { eventId }, steady)).result();
    const profileId = await newProfile();
    expect(await outcome('evt_1')).toBe('completed');
    await env.sleep(7 * DAY - 60_000);
    expect(await outcome('evt_2')).toBe('reentry-refused');
    await env.sleep(60_000);
    expect(await outcome('evt_3')).toBe('completed');
    expect(await historyOf(profileId, 'weekly')).toMatchObject({ entries: 2, triggerEventIds: ['evt_1', 'evt_3'] });
  });

  it('holds `reentry never` across rules versions', async () => {
    const profileId = await newProfile();
    expect(await (await start('once', profileId)).result()).toBe('completed');
    const nextVersion = await stores.rules.deploy('(hand-built IR, redeployed)', program, new Date());
    expect(await (await start('once', profileId, { version: nextVersion })).result()).toBe('reentry-refused');
    expect(await historyOf(profileId, 'once')).toMatchObject({ entries: 1 });
  });

  it('keeps a person in one run of a journey at a time, whatever the rules version', async () => {
    const profileId = await newProfile();
    const running = await start('cart', profileId, { eventId: 'evt_1' });
    await eventually(async () => Object.keys((await stores.profiles.findById(profileId))?.journeys ?? {}).length === 1);
    const nextVersion = await stores.rules.deploy('(hand-built IR, redeployed)', program, new Date());
    const steady = new Client({ connection: env.connection, namespace: env.namespace });
    expect(await (await start('cart', profileId, { eventId: 'evt_2', version: nextVersion }, steady)).result()).toBe('already-in-journey');
    await running.signal(profileEventSignal, { eventId: 'evt_order', event: 'Order Completed' });
    expect(await running.result()).toBe('completed');
    expect(await historyOf(profileId, 'cart')).toMatchObject({ entries: 1, triggerEventIds: ['evt_1'] });
  });

  it('lets no run in for an erased profile', async () => {
    const profileId = await newProfile();
    await stores.profiles.deleteById(profileId);
    expect(await (await start('welcome', profileId, { eventId: 'evt_1' })).result()).toBe('no-profile');
    expect(await deliveriesOf(profileId)).toBe(0);
  });
});
