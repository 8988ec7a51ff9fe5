/**
 * What the segment engine needs to know about a rule program, worked out once per rules
 * version: the segments in dependency order, what each one reads (so a change re-evaluates
 * only the segments it can affect), a definition hash (so a redeploy recomputes only the
 * segments whose meaning changed), and the leaves whose facts ingestion keeps.
 */
import { createHash } from 'node:crypto';

import { assertNever } from '../dsl/assert-never.js';
import type { ConditionIR, JourneyIR, ProgramIR } from '../dsl/ir.js';
import { allSteps } from '../dsl/ir-steps.js';
import { canonicalJson, eventConditionsOf, leafKey, leafOf, type Leaf } from './leaves.js';

/** What a segment's membership can depend on, its dependencies' included. */
export interface Reads {
  traits: boolean;
  tags: boolean;
  consents: boolean;
  /** Names of the track events its conditions count. */
  events: string[];
  /** `first seen` / `last seen`: every event moves them. */
  activity: boolean;
  /** Windows, `seen` and consent expiry: membership can change with no event. */
  time: boolean;
}

export interface PlannedSegment {
  name: string;
  title?: string;
  condition: ConditionIR;
  dependsOn: string[];
  /** Hash of the condition and of every dependency's: equal hashes, equal membership. */
  def: string;
  /** Keys of the leaves it reads, its dependencies' included. */
  leaves: string[];
  reads: Reads;
}

/** A journey's `exit when`: judged for the person's runs of it on every change. */
export interface PlannedExit {
  condition: ConditionIR;
  /** Keys of the leaves it reads: it is judged only once the active rules keep them all. */
  leaves: string[];
  /** Windows, `seen`, consent expiry: it can become true with no event. */
  time: boolean;
}

export interface SegmentPlan {
  /** Dependencies before dependents. */
  segments: PlannedSegment[];
  byName: ReadonlyMap<string, PlannedSegment>;
  /** Journey name → its `exit when` (several headers are one `or`). */
  exits: ReadonlyMap<string, PlannedExit>;
  /** Every leaf of the program: of segments and of journeys' conditions. */
  leaves: ReadonlyMap<string, Leaf>;
}

/** What changed on a profile, for choosing the segments to re-evaluate. */
export interface ProfileChange {
  /** Names of the events applied (any type: track names, or the type for the others). */
  events?: string[];
  traits?: boolean;
  tags?: boolean;
  consents?: boolean;
  /** Time passed (the person's clock rang). */
  time?: boolean;
  /** Everything may have changed (a merge). */
  all?: boolean;
  /** These segments are to be judged whatever changed (a deploy's recompute). */
  segments?: readonly string[];
}

export function planOf(ir: ProgramIR): SegmentPlan {
  const declared = new Map(ir.segments.map((segment) => [segment.name, segment]));
  const planned = new Map<string, PlannedSegment>();
  const leaves = new Map<string, Leaf>();

  const plan = (name: string): PlannedSegment => {
    const done = planned.get(name);
    if (done) return done;
    const segment = declared.get(name);
    if (!segment) throw new Error(`segment ${name} is referred to but not declared`);
    const dependencies = segment.dependsOn.map(plan);
    const own = leavesOf(segment.condition, leaves);
    const reads = mergeReads([readsOf(segment.condition), ...dependencies.map((dependency) => dependency.reads)]);
    const result: PlannedSegment = {
      name,
      ...(segment.title === undefined ? {} : { title: segment.title }),
      condition: segment.condition,
      dependsOn: segment.dependsOn,
      def: hash(
        canonicalJson({ condition: segment.condition, dependencies: dependencies.map((dependency) => [dependency.name, dependency.def]) }),
      ),
      leaves: [...new Set([...own, ...dependencies.flatMap((dependency) => dependency.leaves)])],
      reads,
    };
    planned.set(name, result);
    return result;
  };
  for (const segment of ir.segments) plan(segment.name);
  for (const journey of ir.journeys) for (const condition of conditionsOfJourney(journey)) leavesOf(condition, leaves);
  const exits = new Map<string, PlannedExit>();
  for (const journey of ir.journeys) {
    if (!journey.exitWhen) continue;
    exits.set(journey.name, {
      condition: journey.exitWhen,
      leaves: leavesOf(journey.exitWhen, leaves),
      time: readsOf(journey.exitWhen).time,
    });
  }
  return { segments: [...planned.values()], byName: planned, exits, leaves };
}

/** Whether the change can alter the segment's membership. */
export function affects(change: ProfileChange, segment: PlannedSegment): boolean {
  const { reads } = segment;
  if (change.all || change.segments?.includes(segment.name)) return true;
  if (change.time && reads.time) return true;
  if (change.traits && reads.traits) return true;
  if (change.tags && reads.tags) return true;
  if (change.consents && reads.consents) return true;
  const events = change.events ?? [];
  if (events.length > 0 && reads.activity) return true;
  return events.some((name) => reads.events.includes(name));
}

function leavesOf(condition: ConditionIR, into: Map<string, Leaf>): string[] {
  return eventConditionsOf(condition).map((eventCondition) => {
    const leaf = leafOf(eventCondition);
    const key = leafKey(leaf);
    into.set(key, leaf);
    return key;
  });
}

function conditionsOfJourney(journey: JourneyIR): ConditionIR[] {
  const ofIfs = allSteps(journey.steps).flatMap(({ step }) => (step.kind === 'if' ? [step.condition] : []));
  return [...(journey.exitWhen ? [journey.exitWhen] : []), ...ofIfs];
}

function readsOf(condition: ConditionIR): Reads {
  const none: Reads = { traits: false, tags: false, consents: false, events: [], activity: false, time: false };
  switch (condition.kind) {
    case 'and':
      return mergeReads(condition.all.map(readsOf));
    case 'or':
      return mergeReads(condition.any.map(readsOf));
    case 'not':
      return readsOf(condition.condition);
    case 'trait':
      return { ...none, traits: true };
    case 'tagged':
    case 'taggedLike':
      return { ...none, tags: true };
    case 'consent':
      // A grant's expiry changes its state with no event.
      return { ...none, consents: true, time: true };
    case 'inSegment':
      // The dependency's reads are merged in by planOf.
      return none;
    case 'performed':
    case 'aggregate':
      return { ...none, events: [condition.event], time: condition.withinMs !== undefined };
    case 'seen':
      return { ...none, activity: true, time: true };
    default:
      return assertNever(condition, 'condition');
  }
}

function mergeReads(all: Reads[]): Reads {
  return {
    traits: all.some((reads) => reads.traits),
    tags: all.some((reads) => reads.tags),
    consents: all.some((reads) => reads.consents),
    events: [...new Set(all.flatMap((reads) => reads.events))],
    activity: all.some((reads) => reads.activity),
    time: all.some((reads) => reads.time),
  };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}
