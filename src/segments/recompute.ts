/**
 * What a deploy computes, step by step, for the durable recompute (src/workflows/
 * segment-recompute.ts): only the segments it adds or changes, over everyone, leaving the
 * others' membership and `since` alone.
 *
 * 0. declare (before the version becomes active, src/store/rules.ts): segments new to the
 *    catalog get their document, size 0, so that the first live entry's count has one to
 *    land in; a size moves only by increments, never by writing a count over it.
 * 1. prepare: the catalog marks new and changed segments `computing`; leaves no rules
 *    named before get a state with a cutoff a moment ahead (and, once its write is
 *    acknowledged, `settledAt`: see `foldBackfill`). Events received after
 *    the cutoff are folded live by the profile writer (any round that runs after the
 *    cutoff started after the state was written, so it sees the leaf); events up to it
 *    belong to the backfill. Each event is counted by exactly one of them.
 * 2. once every batch received up to the cutoff is applied (the outbox holds none), the
 *    backfill: one pass over the events the new leaves name (found by the `event` index)
 *    folds them into those leaves' facts, held in memory per person (`foldBackfill`). It is
 *    made by step 3 itself; only a deploy with no segment to judge (a journey's new
 *    condition alone) has this step fold and write the facts (the workflow calls it only
 *    then; a run from before patch `recompute-judge-folds-backfill` calls it anyway, and it
 *    returns at once).
 * 3. every profile is judged for the computing segments, in `_id` order, with the last id
 *    as the checkpoint a retried pass resumes from (which folds the events again). Each
 *    person's backfilled facts are judged by and written with their judgement, in one
 *    write (`segmentBackfill.<leaf>@<cutoff>`, a plain `$set`: written again by a retry, it
 *    is the same value); the leaves are then ready. When every segment computed is new
 *    and false for anyone without an event of its new leaves (`sum … > 300`, `performed`),
 *    only the people with such events are judged: nobody else can be a member.
 * 4. the segments are `ready`; segments and leaves the rules no longer name are dropped.
 *    Sizes are not counted again here: an entry made live between the count and its write
 *    would be lost (a segment read 6 of its 7 members for good).
 *
 * Each step checks that its version is still the active one: a newer deploy's recompute
 * takes over, computing whatever this one left unfinished.
 */
import type { SegmentCatalogDoc, SegmentChange } from '../model.js';
import type { SegmentStateSet } from '../store/profiles.js';
import type { Stores } from '../store/index.js';
import type { LeafState } from '../store/segment-catalog.js';
import type { SegmentEngine } from './engine.js';
import { forEachInParallel } from '../util/in-parallel.js';
import { foldEvent, mergeFacts, type Facts } from './facts.js';
import { lacksCutoff, setMissingCutoffs } from './leaf-cutoffs.js';
import { answerWithoutEvents } from './membership.js';
import { computingLeaves, type ComputingLeaf } from './own-backfill.js';
import { backfillField } from './person-facts.js';
import type { Leaf } from './leaves.js';
import { planOf, type PlannedSegment, type SegmentPlan } from './plan.js';
import type { ProgramIR } from '../dsl/ir.js';

export { CUTOFF_AHEAD_MS } from './leaf-cutoffs.js';

/** Profiles written at once by the backfill: the embedded database's pool size. */
const WRITERS = 8;
/**
 * Profiles judged at once: most judgements write nothing, and those that do hand their
 * changes and clock instants to gathered writes (src/util/gathered.ts), which carry more
 * people each the more are judged together.
 */
const JUDGES = 32;
/**
 * Profiles judged between checkpoints (heartbeat, progress); their membership changes are
 * copied together before each, so that a member bucket's write carries more people (a
 * thousand people entering a segment touch most of its 256 buckets once), and their clocks
 * set together, one signal per clock shard (each costs the shard a workflow task).
 */
const CHECKPOINT_EVERY = 1_000;
/** Profiles read at once (an `$in` of their ids: the embedded FerretDB searches its index for at most 1,000). */
const READ_AT_ONCE = 200;

export type Superseded = { superseded: true };

export interface PreparedRecompute {
  /** Epoch ms up to which the backfill folds events; absent when no leaf needs one. */
  cutoffMs?: number;
  /**
   * Epoch ms from which every process saw the cutoffs (LeafState.settledAt): the backfill
   * waits until every batch received up to it is applied. Absent from recomputes prepared
   * before it existed (the cutoff then).
   */
  settledMs?: number;
  /** Segments to judge over everyone. */
  computing: string[];
}

function newSegment(segment: PlannedSegment, version: number, at: Date): SegmentCatalogDoc {
  const title = segment.title === undefined ? {} : { title: segment.title };
  return { _id: segment.name, ...title, def: segment.def, version, state: 'computing', firstComputation: true, size: 0, createdAt: at };
}

/** Step 0: the catalog documents of the segments this version adds, before it becomes active. */
export async function declareNewSegments(stores: Stores, ir: ProgramIR, version: number, now: () => Date): Promise<void> {
  const known = new Set((await stores.segments.all()).map((doc) => doc._id));
  const at = now();
  await stores.segments.createMany(
    planOf(ir)
      .segments.filter((segment) => !known.has(segment.name))
      .map((segment) => newSegment(segment, version, at)),
  );
}

/** Reports progress; for the activity, also a heartbeat. */
export type Progress<T> = (progress: T) => void;

async function isActive(stores: Stores, version: number): Promise<boolean> {
  return (await stores.rules.activeVersion()) === version;
}

export async function prepareRecompute(
  stores: Stores,
  engine: SegmentEngine,
  version: number,
  now: () => Date,
): Promise<PreparedRecompute | Superseded> {
  if (!(await isActive(stores, version))) return { superseded: true };
  const plan = await engine.planOf(version);
  if (!plan) throw new Error(`rules version ${version} is not stored`);
  const catalog = new Map((await stores.segments.all()).map((doc) => [doc._id, doc]));
  const computing: string[] = [];
  for (const segment of plan.segments) {
    const existing = catalog.get(segment.name);
    const title = segment.title === undefined ? {} : { title: segment.title };
    if (existing && existing.def === segment.def) {
      if (existing.state === 'computing') computing.push(segment.name);
      continue;
    }
    computing.push(segment.name);
    if (existing) await stores.segments.redefine(segment.name, { ...title, def: segment.def, version });
    else await stores.segments.create(newSegment(segment, version, now()));
  }

  let leaves = await stores.segments.leaves();
  if (lacksCutoff(plan, leaves)) leaves = await setMissingCutoffs(stores, plan, now);
  // Every cutoff written so far (by this call, or by a try that died) was acknowledged by
  // now: from here on every round sees it. Normally that is before the cutoff itself.
  if ([...plan.leaves.keys()].some((key) => !leaves[key]!.ready && leaves[key]!.settledAt === undefined)) {
    const seen = now();
    leaves = await stores.segments.updateLeaves((current) => {
      const next = { ...current };
      for (const key of plan.leaves.keys()) {
        const state = next[key];
        if (!state?.cutoff || state.ready || state.settledAt) continue;
        next[key] = { ...state, settledAt: new Date(Math.max(state.cutoff.getTime(), seen.getTime())) };
      }
      return next;
    });
  }
  const pending = [...plan.leaves.keys()].map((key) => leaves[key]!).filter((state) => !state.ready);
  if (pending.length === 0) return { computing };
  return {
    computing,
    cutoffMs: Math.max(...pending.map((state) => state.cutoff!.getTime())),
    settledMs: Math.max(...pending.map((state) => (state.settledAt ?? state.cutoff!).getTime())),
  };
}

/** Folds every stored event received up to its leaf's cutoff into the facts of the leaves not ready yet. */
export async function backfillFacts(
  stores: Stores,
  engine: SegmentEngine,
  version: number,
  now: () => Date,
  progress: Progress<{ phase: 'facts'; done: number }>,
  rebuild: (profileId: string) => Promise<void>,
): Promise<'done' | Superseded> {
  if (!(await isActive(stores, version))) return { superseded: true };
  const plan = await engine.planOf(version);
  if (!plan) throw new Error(`rules version ${version} is not stored`);
  const states = await stores.segments.leaves();
  const pending = computingLeaves({ version, plan, leaves: states });
  if (pending.length === 0) return 'done';
  // Segments to judge: the judging pass folds these facts itself and writes them with each
  // person's judgement, one write per person instead of two (step 3).
  if ((await computingSegments(stores, plan)).length > 0) return 'done';

  const at = now();
  let scanned = 0;
  const { folded, late } = await foldBackfill(stores, pending, states, at, (count) => {
    scanned = count;
    progress({ phase: 'facts', done: scanned });
  });

  // An event may still name a profile merged away since: its facts join the survivor's.
  const bySurvivor = new Map<string, Facts>();
  for (const [profileId, facts] of folded) {
    const survivor = (await stores.profiles.redirects.target(profileId)) ?? profileId;
    bySurvivor.set(survivor, mergeAll(pending, bySurvivor.get(survivor), facts, at));
  }
  // A plain $set of each backfilled fact under its own field: written again by a retry, it is the same value.
  let written = 0;
  await forEachInParallel(bySurvivor, WRITERS, async ([profileId, facts]) => {
    const set: SegmentStateSet = {};
    for (const { key, cutoffMs } of pending) if (facts[key]) set[`segmentBackfill.${backfillField(key, cutoffMs)}`] = facts[key];
    await stores.profiles.decideSegmentState(profileId, () => ({ set }));
    if (++written % 500 === 0) progress({ phase: 'facts', done: scanned });
  });
  await forEachInParallel(late, WRITERS, rebuild);
  await markReady(stores, pending);
  return 'done';
}

/** The leaves backfilled: ready, unless a newer deploy has given one another cutoff meanwhile. */
async function markReady(stores: Stores, pending: readonly ComputingLeaf[]): Promise<void> {
  await stores.segments.updateLeaves((current) => {
    const next = { ...current };
    for (const { key, cutoffMs } of pending) if (next[key]?.cutoff?.getTime() === cutoffMs) next[key] = { ...next[key], ready: true };
    return next;
  });
}

/** The catalog's segments of this plan still computing its definition. */
async function computingSegments(stores: Stores, plan: SegmentPlan): Promise<SegmentCatalogDoc[]> {
  return (await stores.segments.all()).filter((doc) => doc.state === 'computing' && plan.byName.get(doc._id)?.def === doc.def);
}

/**
 * One pass over the stored events the leaves name (the `event` index): each person's facts
 * of their events received up to each leaf's cutoff, by the profile id the event is stored
 * under, in memory; `scanned` is told every 5,000 events (a heartbeat).
 *
 * And `late`: the people with an event received after a cutoff acknowledged late, up to
 * the instant it was (`settledAt`). A round that read the leaf states before the cutoff's
 * write may have applied such an event without folding it, and the backfill does not take
 * it either: their facts are to be folded again from their stored events (the writer's own
 * recovery, which counts each applied event once), before the leaf is ready. Found in the
 * same pass over the events, not in one of its own.
 */
async function foldBackfill(
  stores: Stores,
  pending: readonly ComputingLeaf[],
  states: Record<string, LeafState>,
  at: Date,
  scanned: (count: number) => void,
): Promise<{ folded: Map<string, Facts>; late: Set<string> }> {
  const folded = new Map<string, Facts>();
  const late = new Set<string>();
  const settled = new Map(pending.map(({ key }) => [key, states[key]?.settledAt?.getTime() ?? -Infinity]));
  let count = 0;
  for await (const event of stores.events.factSourcesNamed([...new Set(pending.map(({ leaf }) => leaf.event))])) {
    const received = event.receivedAt.getTime();
    for (const { key, leaf, cutoffMs } of pending) {
      if (received > cutoffMs) {
        if (received <= settled.get(key)! && event.type === 'track' && event.event === leaf.event) late.add(event.profileId);
        continue;
      }
      const facts = folded.get(event.profileId) ?? {};
      const fact = foldEvent(leaf, facts[key], event, at);
      if (!fact) continue;
      facts[key] = fact;
      folded.set(event.profileId, facts);
    }
    if (++count % 5_000 === 0) scanned(count);
  }
  return { folded, late };
}

function mergeAll(pending: readonly { key: string; leaf: Leaf }[], a: Facts | undefined, b: Facts, at: Date): Facts {
  if (!a) return b;
  const result: Facts = { ...a };
  for (const { key, leaf } of pending) if (a[key] || b[key]) result[key] = mergeFacts(leaf, a[key], b[key], at);
  return result;
}

export interface JudgeCheckpoint {
  /** The last profile id judged. */
  after?: string;
  done: number;
}

/**
 * Judges every profile after the checkpoint for the computing segments of this version,
 * with the backfill of the leaves still pending folded in memory first and written with
 * each person's judgement (step 3); then those leaves are ready.
 */
export async function judgeEveryone(
  stores: Stores,
  engine: SegmentEngine,
  version: number,
  now: () => Date,
  from: JudgeCheckpoint,
  progress: Progress<JudgeCheckpoint>,
  rebuild: (profileId: string) => Promise<void>,
): Promise<'done' | Superseded> {
  const context = await engine.context();
  if (!context || context.version !== version) return { superseded: true };
  const catalog = await computingSegments(stores, context.plan);
  const computing = catalog.map((doc) => doc._id);
  const pending = computingLeaves(context);
  if (computing.length === 0 && pending.length === 0) return 'done';
  const initial = catalog.filter((doc) => doc.firstComputation).map((doc) => doc._id);
  let { done } = from;
  let after = from.after;
  const checkpoint = (): JudgeCheckpoint => ({ ...(after === undefined ? {} : { after }), done });

  // The backfill, folded again by a retried pass (what it wrote is the same value again).
  const at = now();
  const { folded, late } =
    pending.length > 0
      ? await foldBackfill(stores, pending, context.leaves, at, () => progress(checkpoint()))
      : { folded: new Map<string, Facts>(), late: new Set<string>() };
  // Harmless to repeat (a retried pass): rebuilt from the stored events, each counted once.
  await forEachInParallel(late, WRITERS, rebuild);
  const pendingKeys = new Set(pending.map(({ key }) => key));
  // Nobody without an event of the new leaves can be in a segment computed for the first
  // time that such people cannot meet: only the people with such events are judged.
  const onlyFolded = catalog.every(
    (doc) => doc.firstComputation && answerWithoutEvents(context.plan.byName.get(doc._id)!.condition, pendingKeys, at) === false,
  );
  const toJudge = onlyFolded ? [...folded.keys()].filter((id) => after === undefined || id > after).sort() : undefined;
  const ids: AsyncIterable<{ _id: string }> | Iterable<{ _id: string }> = toJudge
    ? toJudge.map((_id) => ({ _id }))
    : stores.profiles.idsAfter(after);
  const total = toJudge ? done + toJudge.length : await stores.profiles.estimatedCount();
  const report = async () => {
    progress(checkpoint());
    if (computing.length > 0) await stores.segments.setProgress(computing, { phase: 'members', done, total: Math.max(total, done) });
  };
  const reason = { kind: 'rules deployed', version } as const;
  // Chunks of ids in order, judged a few at a time; the checkpoint is a chunk's last id.
  let chunk: string[] = [];
  const judgeChunk = async () => {
    const copyLater: SegmentChange[] = [];
    const ringLater: [string, Date][] = [];
    for (let start = 0; start < chunk.length; start += READ_AT_ONCE) {
      const part = chunk.slice(start, start + READ_AT_ONCE);
      // One read for these profiles; a profile written since is read again by the guard.
      const loaded = await stores.profiles.findExactByIds(part);
      await forEachInParallel(part, JUDGES, async (id) => {
        // An id merged away since its events were stored is judged as its survivor, whose
        // shares are computed from the stored events of both (own-backfill.ts `passShares`).
        const backfill = pending.length > 0 ? { backfill: { leaves: pending, facts: folded.get(id) ?? {} } } : {};
        const refresh = { change: { segments: computing }, reason, initial, copyLater, ringLater, ...backfill };
        await engine.refresh(id, refresh, context, loaded.get(id));
      });
    }
    await engine.copyChanges(copyLater);
    // Clocks last: a person whose instant is written and not yet set is set by the retry.
    await engine.ringLater(ringLater);
    done += chunk.length;
    after = chunk[chunk.length - 1];
    chunk = [];
    await report();
  };
  for await (const { _id } of ids) {
    chunk.push(_id);
    if (chunk.length < CHECKPOINT_EVERY) continue;
    await judgeChunk();
    if (!(await isActive(stores, version))) return { superseded: true };
  }
  if (chunk.length > 0) await judgeChunk();
  if (pending.length > 0) await markReady(stores, pending);
  return 'done';
}

/** Makes the computed segments ready; then drops what the rules no longer name. */
export async function finishRecompute(
  stores: Stores,
  engine: SegmentEngine,
  version: number,
  now: () => Date,
): Promise<'done' | Superseded> {
  if (!(await isActive(stores, version))) return { superseded: true };
  const plan = await engine.planOf(version);
  if (!plan) throw new Error(`rules version ${version} is not stored`);
  const catalog = await stores.segments.all();
  const computed = catalog.flatMap((doc) => {
    const planned = plan.byName.get(doc._id);
    return planned && doc.state === 'computing' && doc.def === planned.def ? [{ name: doc._id, def: planned.def }] : [];
  });
  // Ready first: what the marketer waits for. Dropping what the rules no longer name is
  // tidying (80 dropped segments' member buckets took 0.3–0.5 s), and a retry still finds it.
  await stores.segments.markManyReady(computed, now());
  // Member lists before the catalog: should this stop half-way, the retry still finds what it drops.
  const dropped = catalog.filter((doc) => !plan.byName.has(doc._id)).map((doc) => doc._id);
  await stores.segmentMembers.dropMany(dropped);
  await stores.segments.removeMany(dropped);
  await stores.segments.updateLeaves((current) => Object.fromEntries(Object.entries(current).filter(([key]) => plan.leaves.has(key))));
  return 'done';
}

/**
 * Whether the active rules have segment work unfinished (a segment not computed, a leaf
 * not backfilled): the sweeper then starts the recompute, should the deploy's start have
 * failed. Two `_id` reads and the small catalog.
 */
export async function unfinishedVersion(stores: Stores, engine: SegmentEngine): Promise<number | null> {
  const context = await engine.context();
  if (!context) return null;
  const catalog = new Map((await stores.segments.all()).map((doc) => [doc._id, doc]));
  const segmentsDone = context.plan.segments.every((segment) => {
    const doc = catalog.get(segment.name);
    return doc !== undefined && doc.def === segment.def && doc.state === 'ready';
  });
  const leavesDone = [...context.plan.leaves.keys()].every((key) => context.leaves[key]?.ready === true);
  return segmentsDone && leavesDone ? null : context.version;
}
