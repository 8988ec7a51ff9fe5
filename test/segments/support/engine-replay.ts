/**
 * The segment engine's membership over time, replayed through the real code on memory
 * stores: a deploy (prepare, backfill, judge everyone, finish: src/segments/recompute.ts),
 * each person's events folded as the profile writer hands them over, at the instant they
 * were received, the sweeper's recovery rebuilding some people's facts, and every person's
 * clock ringing exactly when the engine asked. What the engine has stored at each
 * observed instant is what a reader of the membership would see then.
 */
import { Writable } from 'node:stream';
import type { ProgramIR } from '../../../src/dsl/ir.js';
import { createLogger } from '../../../src/logger.js';
import type { EventDoc, ProfileDoc } from '../../../src/model.js';
import { changeOfEvents } from '../../../src/segments/changes.js';
import { SegmentEngine, type SegmentClock } from '../../../src/segments/engine.js';
import { backfillFacts, finishRecompute, judgeEveryone, prepareRecompute } from '../../../src/segments/recompute.js';
import { MemoryStores } from './memory-stores.js';

/** Simulated time stands still while a step runs: a cutoff is never acknowledged after it. */
const noLateCutoff = async (profileId: string) => {
  throw new Error(`replay: no late cutoff, yet ${profileId} was folded again`);
};
export interface Replay {
  ir: ProgramIR;
  profiles: readonly ProfileDoc[];
  /** Every stored event, those of people who are no profile any more included. */
  events: readonly EventDoc[];
  /** When the rules are deployed (epoch ms): events received up to the leaves' cutoff are backfilled, later ones folded live. */
  deployAt: number;
  /** The sweeper's recovery rebuilds these people's facts from their stored events at this instant. */
  rebuild?: { at: number; profileIds: readonly string[] };
  /** Instants (epoch ms, after the deploy's judging) at which the stored membership is read. */
  observeAt: readonly number[];
}

/** Per observed instant, per segment, its members as stored. */
export type ObservedMembership = Map<number, Map<string, Set<string>>>;

/** After the deploy's cutoff (src/segments/recompute.ts CUTOFF_AHEAD_MS), when the backfill and judging run. */
export const BACKFILL_AFTER_DEPLOY_MS = 3_000;
export const JUDGE_AFTER_DEPLOY_MS = 4_000;

interface Step {
  at: number;
  order: number;
  run: () => Promise<void>;
}

export async function replayEngine(replay: Replay): Promise<ObservedMembership> {
  let clockMs = replay.deployAt;
  const now = () => new Date(clockMs);
  const memory = new MemoryStores({ profiles: replay.profiles, events: replay.events, ir: replay.ir, deployedAt: replay.deployAt, now });
  const stores = memory.asStores();
  const warnings: string[] = [];
  const logger = createLogger(
    'warn',
    new Writable({
      write(chunk, _encoding, done) {
        warnings.push(String(chunk));
        done();
      },
    }),
  );
  // A clock shard's bookkeeping (src/workflows/segment-clocks.ts): a signal moves an instant only earlier.
  const due = new Map<string, number>();
  const setDue = (profileId: string, atMs: number) => {
    const set = due.get(profileId);
    if (set === undefined || atMs < set) due.set(profileId, atMs);
  };
  const clock: SegmentClock = { ringAt: async (profileId, at) => setDue(profileId, at.getTime()) };
  const engine = new SegmentEngine({ stores, now, logger, clock });

  const steps: Step[] = [];
  const version = 1;
  steps.push({
    at: replay.deployAt,
    order: 0,
    run: async () => {
      const prepared = await prepareRecompute(stores, engine, version, now);
      if ('superseded' in prepared) throw new Error('replay: the deploy was superseded');
      steps.push({
        at: replay.deployAt + BACKFILL_AFTER_DEPLOY_MS,
        order: 1,
        run: async () => finishedOrThrow(backfillFacts(stores, engine, version, now, () => undefined, noLateCutoff)),
      });
      steps.push({
        at: replay.deployAt + JUDGE_AFTER_DEPLOY_MS,
        order: 2,
        run: async () => {
          await finishedOrThrow(judgeEveryone(stores, engine, version, now, { done: 0 }, () => undefined, noLateCutoff));
          await finishedOrThrow(finishRecompute(stores, engine, version, now));
        },
      });
    },
  });
  // The profile writer hands a person's events over per batch: here, those received at one instant.
  const batches = new Map<string, EventDoc[]>();
  for (const event of replay.events) {
    const key = `${event.profileId} ${event.receivedAt.getTime()}`;
    batches.set(key, [...(batches.get(key) ?? []), event]);
  }
  for (const events of batches.values()) {
    steps.push({
      at: events[0]!.receivedAt.getTime(),
      order: 3,
      run: async () => {
        await engine.refresh(events[0]!.profileId, { ...changeOfEvents(events), events }, await engine.context());
      },
    });
  }
  const { rebuild } = replay;
  if (rebuild) {
    steps.push({
      at: rebuild.at,
      order: 4,
      run: async () => {
        for (const profileId of rebuild.profileIds) {
          const stored = replay.events.filter((event) => event.profileId === profileId && event.receivedAt.getTime() <= rebuild.at);
          await engine.refresh(profileId, { ...changeOfEvents([]), rebuild: stored });
        }
      },
    });
  }

  const observed: ObservedMembership = new Map();
  const nextStep = () => {
    steps.sort((a, b) => a.at - b.at || a.order - b.order);
    return steps[0];
  };
  for (const instant of [...replay.observeAt].sort((a, b) => a - b)) {
    for (;;) {
      const step = nextStep();
      const ring = Math.min(...due.values());
      if (step && step.at <= instant && step.at <= ring) {
        steps.shift();
        clockMs = step.at;
        await step.run();
      } else if (ring <= instant) {
        clockMs = ring;
        const ringing = [...due].filter(([, atMs]) => atMs <= ring).map(([profileId]) => profileId);
        for (const profileId of ringing) due.delete(profileId);
        const next = await engine.ringClocks(ringing);
        ringing.forEach((profileId, index) => {
          const atMs = next[index];
          if (atMs !== null && atMs !== undefined) setDue(profileId, atMs);
        });
      } else {
        break;
      }
      if (warnings.length > 0) throw new Error(`replay: the engine logged ${warnings.join('\n')}`);
    }
    clockMs = instant;
    const bySegment = new Map(replay.ir.segments.map((segment) => [segment.name, new Set<string>()]));
    for (const profile of memory.profiles.values()) {
      for (const name of Object.keys(profile.segments ?? {})) bySegment.get(name)?.add(profile._id);
    }
    observed.set(instant, bySegment);
  }
  return observed;
}

async function finishedOrThrow(step: Promise<'done' | { superseded: true }>): Promise<void> {
  if ((await step) !== 'done') throw new Error('replay: a recompute step was superseded');
}
