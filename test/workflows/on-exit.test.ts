/**
 * A journey's `on exit` steps (issue 31) on Temporal's time-skipping test server, with the
 * real activities writing to the real database: taken once when a run ends, whatever
 * ended it — its last step, an `exit on` event, a withdrawn consent — and not when the run
 * continues as new or when it was never let in.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyIR, OnExitStepIR, ProgramIR, StepIR } from '../../src/dsl/ir.js';
import type { Stores } from '../../src/store/index.js';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { journeyWorkflow } from '../../src/workflows/journey.js';
import { consentWithdrawnSignal, profileEventSignal } from '../../src/workflows/messages.js';
import { eventually } from '../support/eventually.js';
import { startJourneyBench, type JourneyBench } from '../support/journey-bench.js';
import type { RawCollections } from '../support/raw.js';

const DAY = 24 * 3_600_000;

let bench: JourneyBench;
let env: TestWorkflowEnvironment;
let taskQueue: string;
let stores: Stores;
let raw: RawCollections;
let rulesVersion: number;
let newProfile: JourneyBench['newProfile'];

/** The chapter tag comes off however the run ends; the trait says it ended. */
const ON_EXIT: OnExitStepIR[] = [
  { kind: 'untag', id: 'onExit.0', tag: 'reading' },
  { kind: 'setTrait', id: 'onExit.1', path: 'drip_ended', value: true },
];

const steps: StepIR[] = [
  { kind: 'tag', id: '0', tag: 'reading' },
  { kind: 'wait', id: '1', ms: DAY },
  { kind: 'tag', id: '2', tag: 'finished' },
];

function journey(name: string, extra: Partial<JourneyIR> = {}): JourneyIR {
  return {
    name,
    trigger: { kind: 'performed', event: 'Go' },
    requiresConsent: [],
    messages: 'operational',
    reentry: { kind: 'never' },
    exitOn: [],
    steps,
    onExit: ON_EXIT,
    ...extra,
  };
}

const program: ProgramIR = {
  irVersion: 1,
  consents: [{ name: 'email_marketing', expiresAfterMs: 365 * DAY }],
  segments: [],
  journeys: [
    journey('drip', { requiresConsent: ['email_marketing'], messages: 'marketing', exitOn: [{ event: 'Unsubscribed' }] }),
    journey('plain'),
  ],
};

beforeAll(async () => {
  ({ env, taskQueue, stores, raw, rulesVersion, newProfile } = bench = await startJourneyBench('on_exit', program));
});

afterAll(async () => {
  await bench?.close();
});

const granted = { email_marketing: { state: 'granted', at: new Date() } };

const profileOf = async (profileId: string) => (await stores.profiles.findById(profileId))!;

function start(journeyName: string, profileId: string, historyLimit?: number) {
  return env.client.workflow.start(journeyWorkflow, {
    taskQueue,
    workflowId: journeyWorkflowId(journeyName, rulesVersion, profileId),
    args: [
      { journey: journeyName, rulesVersion, profileId, triggerEventId: `evt_${profileId}`, ...(historyLimit ? { historyLimit } : {}) },
    ],
  });
}

/** The run is in its wait, the chapter tag on. */
const reading = (profileId: string) => eventually(async () => (await profileOf(profileId)).tags.includes('reading'));

describe('on exit', () => {
  it('runs when the run completes', async () => {
    const profileId = await newProfile();
    const run = await start('plain', profileId);
    await reading(profileId);
    await env.sleep(DAY);
    expect(await run.result()).toBe('completed');
    const profile = await profileOf(profileId);
    expect(profile.tags).toEqual(['finished']);
    expect(profile.traits.drip_ended).toBe(true);
    expect(profile.journeys).toEqual({});
  });

  it('runs when an `exit on` event ends the run mid-wait', async () => {
    const profileId = await newProfile(granted);
    const run = await start('drip', profileId);
    await reading(profileId);
    await run.signal(profileEventSignal, { eventId: 'evt_unsub', event: 'Unsubscribed' });
    expect(await run.result()).toBe('exited-on-event');
    const profile = await profileOf(profileId);
    expect(profile.tags).toEqual([]);
    expect(profile.traits.drip_ended).toBe(true);
  });

  it('runs when the consent the journey requires is withdrawn', async () => {
    const profileId = await newProfile(granted);
    const run = await start('drip', profileId);
    await reading(profileId);
    await run.signal(consentWithdrawnSignal, { purpose: 'email_marketing' });
    expect(await run.result()).toBe('consent-withdrawn');
    const profile = await profileOf(profileId);
    expect(profile.tags).toEqual([]);
    expect(profile.traits.drip_ended).toBe(true);
  });

  it('does not run when the person is not let in', async () => {
    const profileId = await newProfile();
    await raw.profiles.updateOne({ _id: profileId }, { $set: { tags: ['reading'] } });
    expect(await (await start('drip', profileId)).result()).toBe('no-consent');
    const profile = await profileOf(profileId);
    expect(profile.tags).toEqual(['reading']);
    expect(profile.traits.drip_ended).toBeUndefined();
  });

  it('does not run when the run continues as new, only when the chain ends', async () => {
    const profileId = await newProfile();
    // A history limit of 1 makes every step boundary a continue-as-new.
    const first = await start('plain', profileId, 1);
    const workflowId = first.workflowId;
    // The run that waits is not the first: the first continued as new after tagging.
    await eventually(async () => {
      const latest = await env.client.workflow.getHandle(workflowId).describe();
      return latest.runId !== first.firstExecutionRunId && (await profileOf(profileId)).tags.includes('reading');
    });
    let profile = await profileOf(profileId);
    expect(profile.tags).toEqual(['reading']);
    expect(profile.traits.drip_ended).toBeUndefined();
    expect(Object.keys(profile.journeys)).toHaveLength(1);

    await env.sleep(DAY);
    expect(await env.client.workflow.getHandle(workflowId).result()).toBe('completed');
    profile = await profileOf(profileId);
    expect(profile.tags).toEqual(['finished']);
    expect(profile.traits.drip_ended).toBe(true);
  });
});
