/**
 * The journey interpreter on Temporal's time-skipping test server, with the real
 * activities writing to the real database: days pass in milliseconds.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import type { JourneyIR, ProgramIR, StepIR } from '../../src/dsl/ir.js';
import { createStores, type Stores } from '../../src/store/index.js';
import { journeyWorkflow } from '../../src/workflows/journey.js';
import { journeyWorkflowId, profileEventSignal } from '../../src/workflows/messages.js';
import { eventually } from '../support/eventually.js';
import { freshDatabase, testServerBinary } from '../support/servers.js';

const DAY = 86_400_000;
const taskQueue = `journeys-${randomUUID().slice(0, 8)}`;

let env: TestWorkflowEnvironment;
let worker: Worker;
let workerRun: Promise<void>;
let stores: Stores;
let drop: () => Promise<void>;
let rulesVersion: number;

let stepCounter = 0;
const id = () => `s${stepCounter++}`;
const tag = (name: string): StepIR => ({ kind: 'tag', id: id(), tag: name });
const untag = (name: string): StepIR => ({ kind: 'untag', id: id(), tag: name });
const wait = (ms: number): StepIR => ({ kind: 'wait', id: id(), ms });

function journey(name: string, steps: StepIR[], extra: Partial<JourneyIR> = {}): JourneyIR {
  return { name, trigger: { kind: 'performed', event: 'Go' }, requiresConsent: [], reentry: { kind: 'never' }, exitOn: [], steps, ...extra };
}

const program: ProgramIR = {
  irVersion: 1,
  consents: [{ name: 'email_marketing', expiresAfterMs: 365 * DAY }],
  segments: [],
  journeys: [
    // The e-book drip, two chapters: progress lives in tags that move day by day.
    journey('drip', [
      tag('1rozdz1ebook'), wait(DAY), untag('1rozdz1ebook'),
      tag('2rozdz1ebook'), wait(DAY), untag('2rozdz1ebook'),
      tag('ebook_completed'),
    ], { requiresConsent: ['email_marketing'], exitOn: [{ event: 'Unsubscribed' }] }),
    journey('cart', [
      { kind: 'waitFor', id: id(), event: 'Order Completed', timeoutMs: 4 * 3_600_000, then: [tag('cart_recovered')], otherwise: [tag('cart_lost')] },
    ]),
    journey('early_exit', [tag('before_exit'), { kind: 'exit', id: id() }, tag('after_exit')]),
  ],
};

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerBinary() } } });
  const database = await freshDatabase('journeys');
  drop = database.drop;
  stores = createStores(database.db);
  rulesVersion = await stores.rules.deploy('(hand-built IR)', program, new Date());
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url)),
    activities: createActivities({ stores, now: () => new Date(), defaultTimeZone: 'UTC' }),
  });
  workerRun = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await env?.teardown();
  await drop?.();
});

async function newProfile(consents: Record<string, unknown> = {}): Promise<string> {
  const profileId = `p_${randomUUID()}`;
  await stores.profiles.create(profileId, {}, new Date());
  await stores.profiles.collection.updateOne({ _id: profileId }, { $set: { consents } as never });
  return profileId;
}

const tagsOf = async (profileId: string) => (await stores.profiles.findById(profileId))?.tags ?? [];

function start(journeyName: string, profileId: string) {
  return env.client.workflow.start(journeyWorkflow, {
    taskQueue,
    workflowId: journeyWorkflowId(journeyName, rulesVersion, profileId),
    args: [{ journey: journeyName, rulesVersion, profileId }],
  });
}

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
});
