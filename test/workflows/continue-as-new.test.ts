/**
 * A long run continues as new between two steps — inside nested blocks too — and the new
 * run goes on where the old one was, with the events it had received, under the same
 * identity (one admission, one set of sends, one leave). On the dev server with real
 * time: the waits are short, the history limit tiny.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramIR, StepIR } from '../../src/dsl/ir.js';
import type * as workflows from '../../src/workflows/index.js';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { journeyStateQuery, profileEventSignal, type JourneyInput } from '../../src/workflows/messages.js';
import { eventually, startTestItinera, type TestItinera } from '../support/runtime.js';

let n = 0;
const id = () => `c${n++}`;
const tag = (name: string): StepIR => ({ kind: 'tag', id: id(), tag: name });
const wait = (ms: number): StepIR => ({ kind: 'wait', id: id(), ms });

const program: ProgramIR = {
  irVersion: 1,
  consents: [],
  segments: [],
  journeys: [
    {
      name: 'long',
      trigger: { kind: 'performed', event: 'Go' },
      requiresConsent: [],
      reentry: { kind: 'never' },
      exitOn: [],
      steps: [
        tag('long_a'),
        wait(200),
        tag('long_b'),
        {
          kind: 'if',
          id: id(),
          condition: { kind: 'tagged', tag: 'long_a' },
          then: [
            { kind: 'wait', id: 'inner_wait', ms: 3_000 },
            { kind: 'waitFor', id: id(), event: 'Order Completed', timeoutMs: 60_000, then: [tag('long_c')], otherwise: [tag('long_d')] },
          ],
          else: [],
        },
        { kind: 'sendWebhook', id: id(), name: 'nowhere', with: {} },
        tag('long_e'),
      ],
    },
  ],
};

let itinera: TestItinera;
let version: number;
beforeAll(async () => {
  itinera = await startTestItinera('continue');
  version = await itinera.runtime.stores.rules.deploy('(hand-built IR)', program, new Date());
});
afterAll(async () => itinera?.close());

describe('long runs', () => {
  it('continue as new between steps, inside nested blocks, keeping their place, events and identity', async () => {
    const { stores, temporal } = itinera.runtime;
    const profileId = `p_continue_${Date.now()}`;
    await stores.profiles.create(profileId, {}, new Date());
    const workflowId = journeyWorkflowId('long', version, profileId);
    const first = await temporal.workflow.start<typeof workflows.journeyWorkflow>('journeyWorkflow', {
      taskQueue: itinera.taskQueue,
      workflowId,
      args: [{ journey: 'long', rulesVersion: version, profileId, triggerEventId: 'evt_long', historyLimit: 1 }],
    });
    const current = temporal.workflow.getHandle(workflowId);
    // The order arrives during the wait before the `wait for`: the run holding it continues
    // as new (a limit of 1 makes every step boundary a continue) and the new run must use it.
    await eventually(async () => (await current.query(journeyStateQuery).catch(() => undefined))?.step === 'inner_wait');
    await current.signal(profileEventSignal, { eventId: 'evt_order', event: 'Order Completed' });
    expect(await current.result()).toBe('completed');

    expect((await stores.profiles.findById(profileId))!.tags).toEqual(['long_a', 'long_b', 'long_c', 'long_e']);
    // One run per step, chained: counted back from the last to the first, with what each was handed.
    const handed: { at: unknown; received: unknown }[] = [];
    const startOf = async (runId: string) =>
      (await temporal.workflow.getHandle(workflowId, runId).fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
    for (let runId: string | undefined = (await current.describe()).runId; runId;) {
      const started = await startOf(runId);
      const input = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString()) as JourneyInput;
      if (input.continued) handed.unshift({ at: input.continued.at, received: input.continued.received.map((event) => event.eventId) });
      runId = started.continuedExecutionRunId || undefined;
    }
    const runs = handed.length + 1;
    // Inside the `if` (step 3, its `then` block), at the `wait for` (step 1 there), holding the order.
    expect(handed).toContainEqual({ at: [{ index: 3, block: 0 }, { index: 1 }], received: ['evt_order'] });
    expect(runs).toBe(9);
    // Let in once, left once, and the send keyed by the chain's first run: one message.
    const profile = (await stores.profiles.findById(profileId))!;
    expect(profile.journeyHistory?.long).toMatchObject({ entries: 1 });
    expect(profile.journeys).toEqual({});
    const messages = await stores.deliveries.ofProfiles([profileId]);
    expect(messages.map((message) => message._id)).toEqual([expect.stringContaining(`${workflowId}:${first.firstExecutionRunId}:`)]);
  });
});
