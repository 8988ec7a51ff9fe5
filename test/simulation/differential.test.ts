/**
 * The simulation cannot drift from the real run: the same journey (a drip with waits, an
 * `if`, a `wait for` with `otherwise`, `exit on`, an `exit`) for the same person and
 * events, run for real (the journey workflow on a time-skipping Temporal with the
 * project's activities over FerretDB, events through POST /v1/track) and simulated
 * (POST /v1/journeys/simulate), does the same things at the same times: tags, untags,
 * sends by template, and how it ends. What the real run did is recorded by a worker
 * interceptor, each activity at the server's virtual time, and checked against the store.
 *
 * The real run's clock is moved as the simulation moves its own: to the run's next timer
 * or next event, once the run is idle (a query is answered after its workflow task).
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../src/workflows/messages.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { testServerBinary } from '../support/servers.js';

const SOURCE = `
consent email_marketing { }
journey trial {
  when performed "Trial Started"
  requires consent email_marketing
  reentry always
  exit on "Cancelled"
  send email "welcome"
  tag "trial"
  wait 1 day
  if trait plan = "pro" {
    tag "pro"
    send email "pro_tips"
  } else {
    tag "basic"
  }
  wait for "Order Completed" where total > 100 up to 2 days then {
    tag "buyer"
    send email "thanks"
  } otherwise {
    send email "nudge"
    if trait plan = "gone" { exit }
  }
  wait 1 day
  untag "trial"
  send email "day4"
  wait 2 days
  send email "late"
}
`;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

interface Call {
  type: string;
  workflowId: string;
  args: unknown[];
  atMs: number;
}

let env: TestWorkflowEnvironment;
let itinera: TestItinera;
const calls: Call[] = [];

/** Every activity the worker runs, with the server's virtual time at its start. */
const recordCalls: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      calls.push({
        type: ctx.info.activityType,
        workflowId: ctx.info.workflowExecution?.workflowId ?? '',
        args: input.args,
        atMs: await env.currentTimeMs(),
      });
      return next(input);
    },
  },
});

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerBinary() } } });
  itinera = await startTestItinera('simdiff', { temporalAddress: env.address, workerInterceptors: { activity: [recordCalls] } });
  for (const name of ['welcome', 'pro_tips', 'thanks', 'nudge', 'day4', 'late']) {
    const template = { subject: `${name} for {{ traits.plan }}`, html: '<p>hi</p>' };
    expect((await send(itinera.baseUrl, 'PUT', `/v1/templates/${name}`, { ...admin, json: template })).status).toBe(201);
  }
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: SOURCE })).status).toBe(200);
});
afterAll(async () => {
  await itinera?.close();
  await env?.teardown();
});

interface Scenario {
  traits: Record<string, unknown>;
  /** The first is the trigger, at 0. */
  events: { event: string; properties?: Record<string, unknown>; afterMs: number }[];
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** What the real run did, from the activities it called: `<seconds since entry> <effect>`. */
function realEffects(workflowId: string): string[] {
  const own = calls.filter((call) => call.workflowId === workflowId);
  const origin = (own.find((call) => call.type === 'loadJourneyAndAdmit')!.args[1] as { atMs: number }).atMs;
  return own.flatMap(({ type, args, atMs }) => {
    const at = seconds(atMs - origin);
    switch (type) {
      case 'tagProfile':
      case 'untagProfile':
        return [`${at} ${type === 'tagProfile' ? 'tag' : 'untag'} ${args[1] as string}`];
      case 'deliverMessage':
        return [`${at} send ${(args[0] as { name: string }).name}`];
      case 'applyStepsNow': {
        const taken = (args[1] as { kind: string; tag?: string; message?: { name: string } }[]).map((action) =>
          action.kind === 'send' ? `${at} send ${action.message!.name}` : `${at} ${action.kind} ${action.tag}`,
        );
        // The row that ends the journey takes the run off the profile in the same activity.
        const leaving = args[2] as { ending: { outcome: string } } | undefined;
        return leaving ? [...taken, `${at} end ${leaving.ending.outcome}`] : taken;
      }
      case 'leaveJourney':
        return [`${at} end ${(args[2] as { outcome: string }).outcome}`];
      default:
        return [];
    }
  });
}

async function runForReal(userId: string, scenario: Scenario): Promise<{ effects: string[]; tags: string[] }> {
  const consent = { userId, purpose: 'email_marketing', state: 'granted' };
  expect((await send(itinera.baseUrl, 'POST', '/v1/consents', { ...write, json: consent })).status).toBe(200);
  expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { ...write, json: { userId, traits: scenario.traits } })).status).toBe(200);
  const profileId = (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body.id as string;
  const track = async (event: Scenario['events'][number]) => {
    const json = { userId, event: event.event, properties: event.properties ?? {} };
    expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json })).status).toBe(200);
  };
  const [trigger, ...later] = scenario.events;
  await track(trigger!);
  const entry = await eventually(async () => calls.find((call) => call.type === 'loadJourneyAndAdmit' && call.args[0] === profileId));
  const origin = (entry.args[1] as { atMs: number }).atMs;
  const handle = itinera.runtime.temporal.workflow.getHandle(entry.workflowId);
  let ended = false;
  const outcome = handle.result().finally(() => (ended = true));
  const signals = async () =>
    (await handle.fetchHistory()).events?.filter((event) => event.workflowExecutionSignaledEventAttributes).length ?? 0;
  let delivered = await signals();
  while (!ended) {
    const state = await handle.query(journeyStateQuery).catch(() => undefined);
    if (ended) break;
    const now = await env.currentTimeMs();
    const event = later[0];
    const eventAt = event ? origin + event.afterMs : Infinity;
    const timerAt = state?.waiting?.untilMs ?? Infinity;
    if (event && eventAt <= timerAt) {
      if (eventAt > now) await env.sleep(eventAt - now);
      later.shift();
      await track(event);
      delivered += 1;
      // Through the outbox, the profile writer and the dispatcher: the run has it once signalled.
      await eventually(async () => ended || (await signals()) >= delivered);
    } else if (timerAt !== Infinity) {
      await env.sleep(Math.max(timerAt - now, 0) + 1);
    } else {
      await eventually(async () => ended || (await handle.query(journeyStateQuery)).waiting !== undefined);
    }
  }
  await outcome;
  const tags = (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}`, admin)).body.tags as string[];
  return { effects: realEffects(entry.workflowId), tags };
}

async function simulate(scenario: Scenario): Promise<{ effects: string[]; tags: string[] }> {
  const offset = (ms: number) => `+${ms / 1000} seconds`;
  const answer = await send(itinera.baseUrl, 'POST', '/v1/journeys/simulate', {
    ...admin,
    json: {
      source: SOURCE,
      journey: 'trial',
      person: { traits: scenario.traits, consents: { email_marketing: 'granted' } },
      events: scenario.events.map((event) => ({ event: event.event, properties: event.properties ?? {}, at: offset(event.afterMs) })),
    },
  });
  expect(answer.status).toBe(200);
  const effects = (answer.body.timeline as Record<string, any>[]).flatMap((entry) => {
    const at = seconds(entry.offsetMs);
    switch (entry.kind) {
      case 'tag':
      case 'untag':
        return [`${at} ${entry.kind} ${entry.tag}`];
      case 'send':
        return [`${at} send ${entry.name}`];
      case 'end':
        return [`${at} end ${entry.outcome}`];
      default:
        return [];
    }
  });
  return { effects, tags: answer.body.tags };
}

/**
 * The test server's virtual clock also runs with the wall clock between skips, so a real
 * activity starts as late after its timer as the worker took to get to it: under a loaded
 * machine, past the half second that rounds to the next second (a run's exit read 259201 s
 * for 259200). The runs agree when they do the same things in the same order, each at the
 * same second give or take this much — hours apart from any other instant in these journeys.
 */
const START_SLACK_S = 5;

function expectSameEffects(actual: readonly string[], expected: readonly string[]): void {
  const parse = (effect: string) => ({ at: Number(effect.slice(0, effect.indexOf(' '))), what: effect.slice(effect.indexOf(' ') + 1) });
  expect(actual.map((effect) => parse(effect).what)).toEqual(expected.map((effect) => parse(effect).what));
  actual.forEach((effect, i) => {
    expect(Math.abs(parse(effect).at - parse(expected[i]!).at), `${effect} against ${expected[i]}`).toBeLessThanOrEqual(START_SLACK_S);
  });
}

describe('simulated and real runs of the same journey', () => {
  it('agree for a pro who orders on the second day', async () => {
    const scenario: Scenario = {
      traits: { plan: 'pro', email: 'pro@example.com' },
      events: [
        { event: 'Trial Started', afterMs: 0 },
        { event: 'Order Completed', properties: { total: 50 }, afterMs: DAY + 6 * HOUR },
        { event: 'Order Completed', properties: { total: 150 }, afterMs: DAY + 12 * HOUR },
      ],
    };
    const real = await runForReal('pro', scenario);
    const simulated = await simulate(scenario);
    expectSameEffects(simulated.effects, real.effects);
    expectSameEffects(real.effects, [
      '0 send welcome',
      '0 tag trial',
      '86400 tag pro',
      '86400 send pro_tips',
      '129600 tag buyer',
      '129600 send thanks',
      '216000 untag trial',
      '216000 send day4',
      '388800 send late',
      '388800 end completed',
    ]);
    expect([...simulated.tags].sort()).toEqual([...real.tags].sort());
  });

  it('agree for a basic reader who never orders and cancels during the last wait', async () => {
    const scenario: Scenario = {
      traits: { plan: 'basic', email: 'basic@example.com' },
      events: [
        { event: 'Trial Started', afterMs: 0 },
        { event: 'Cancelled', afterMs: 4 * DAY + 6 * HOUR },
      ],
    };
    const real = await runForReal('basic', scenario);
    const simulated = await simulate(scenario);
    expectSameEffects(simulated.effects, real.effects);
    expectSameEffects(real.effects.slice(-1), [`${seconds(4 * DAY + 6 * HOUR)} end exited-on-event`]);
    expect([...simulated.tags].sort()).toEqual([...real.tags].sort());
  });

  it('agree for a person whose branch exits', async () => {
    const scenario: Scenario = { traits: { plan: 'gone', email: 'gone@example.com' }, events: [{ event: 'Trial Started', afterMs: 0 }] };
    const real = await runForReal('gone', scenario);
    const simulated = await simulate(scenario);
    expectSameEffects(simulated.effects, real.effects);
    expectSameEffects(real.effects.slice(-1), [`${seconds(3 * DAY)} end exited`]);
    expect([...simulated.tags].sort()).toEqual([...real.tags].sort());
  });
});
