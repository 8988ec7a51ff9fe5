/**
 * Runs that leave in their last local activity (patch journey-leave-in-row): the row of
 * instant steps that ends the journey takes the run off the profile, counted once, with
 * no local activity of its own for leaving. On Temporal's time-skipping test server with
 * the real activities and database.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyIR, ProgramIR, StepIR } from '../../src/dsl/ir.js';
import type { Stores } from '../../src/store/index.js';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { journeyWorkflow } from '../../src/workflows/journey.js';
import { startJourneyBench, type JourneyBench } from '../support/journey-bench.js';

const HOUR = 3_600_000;

let bench: JourneyBench;
let env: TestWorkflowEnvironment;
let taskQueue: string;
let stores: Stores;
let rulesVersion: number;

function journey(name: string, steps: StepIR[]): JourneyIR {
  return { name, trigger: { kind: 'performed', event: 'Go' }, requiresConsent: [], reentry: { kind: 'never' }, exitOn: [], steps };
}

const program: ProgramIR = {
  irVersion: 1,
  consents: [],
  segments: [],
  journeys: [
    // The drip's last chapter: the closing untag is a row of one step, which leaves too.
    journey('closing', [
      { kind: 'tag', id: 'c0', tag: 'closing_in' },
      { kind: 'wait', id: 'c1', ms: HOUR },
      { kind: 'untag', id: 'c2', tag: 'closing_in' },
    ]),
    // The last row is inside a container that ends the journey.
    journey('nested', [
      {
        kind: 'waitFor',
        id: 'n0',
        event: 'Order Completed',
        timeoutMs: HOUR,
        then: [{ kind: 'tag', id: 'n0.then.0', tag: 'nested_ordered' }],
        otherwise: [
          { kind: 'tag', id: 'n0.otherwise.0', tag: 'nested_lost' },
          { kind: 'setTrait', id: 'n0.otherwise.1', path: 'nested_done', value: true },
        ],
      },
    ]),
  ],
};

beforeAll(async () => {
  ({ env, taskQueue, stores, rulesVersion } = bench = await startJourneyBench('leaving', program));
});

afterAll(async () => {
  await bench?.close();
});

async function run(name: string) {
  const profileId = await bench.newProfile();
  const handle = await env.client.workflow.start(journeyWorkflow, {
    taskQueue,
    workflowId: journeyWorkflowId(name, rulesVersion, profileId),
    args: [{ journey: name, rulesVersion, profileId, triggerEventId: `evt_${name}` }],
  });
  await env.sleep(2 * HOUR);
  const outcome = await handle.result();
  const history = await handle.fetchHistory();
  const localActivities = history.events!.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString()) as { activity_type: string }).activity_type] : [];
  });
  await stores.journeyStats.flush();
  const stats = (await stores.journeyStats.list()).find((s) => s.journey === name && s.rulesVersion === rulesVersion);
  return { outcome, profile: await stores.profiles.findById(profileId), localActivities, stats };
}

describe('a run that leaves in its last row', () => {
  it('takes its closing step and leaves the profile in one local activity, counted once', async () => {
    const { outcome, profile, localActivities, stats } = await run('closing');
    expect(outcome).toBe('completed');
    expect(profile?.tags).toEqual([]);
    expect(profile?.journeys).toEqual({});
    expect(localActivities).toEqual(['loadJourneyAndAdmit', 'tagProfile', 'applyStepsNow']);
    expect(stats?.ended).toEqual({ completed: 1 });
  });

  it('leaves with the last row of a container that ends the journey', async () => {
    const { outcome, profile, localActivities, stats } = await run('nested');
    expect(outcome).toBe('completed');
    expect(profile?.tags).toEqual(['nested_lost']);
    expect(profile?.traits.nested_done).toBe(true);
    expect(profile?.journeys).toEqual({});
    expect(localActivities).toEqual(['loadJourneyAndAdmit', 'applyStepsNow']);
    expect(stats?.ended).toEqual({ completed: 1 });
  });
});
