/**
 * Signals and the shapes workflows are started with: imported by workflows, the
 * dispatcher and tests alike. Everything here carries ids, never personal data.
 */
import { defineQuery, defineSignal, type Sinks } from '@temporalio/workflow';

export interface JourneyInput {
  journey: string;
  rulesVersion: number;
  profileId: string;
  /** The event that triggered entry (for `when performed`). */
  triggerEventId?: string;
  /** Set when the run continued as new: where it is and what it had received. */
  continued?: ContinuedRun;
  /** Continue as new past this many history events (default 10,000; tests make it small). */
  historyLimit?: number;
}

/** One level of where a run is: the step's index in its block and, inside a container, which of its blocks. */
export interface RunPosition {
  index: number;
  /** `if`: 0 then, 1 else; `wait for`: 0 then, 1 otherwise; `split`: the branch. Absent at the innermost level: that step is next. */
  block?: number;
}

/** A run's state carried across continue-as-new: plain JSON, ids only. */
export interface ContinuedRun {
  at: RunPosition[];
  /** Events received that a `wait for` or `exit on` may still use, oldest first. */
  received: ProfileEventSignal[];
  /** Where the `wait for` and the `exit on` watcher are in `received`. */
  waitCursor: number;
  exitCursor: number;
  /** Ids of the latest events received, to drop a repeated dispatch. */
  receivedIds: string[];
  withdrawn: string[];
  exitConditionMet: boolean;
}

/** An event of the run's profile; the name lets the run ignore most events without I/O. */
export interface ProfileEventSignal {
  eventId: string;
  event: string;
}

export const profileEventSignal = defineSignal<[ProfileEventSignal]>('profileEvent');

/** A consent purpose of the run's person is no longer granted (revoked, denied, expired). */
export interface ConsentWithdrawnSignal {
  purpose: string;
}

export const consentWithdrawnSignal = defineSignal<[ConsentWithdrawnSignal]>('consentWithdrawn');

/** The run's `exit when` condition holds (the segment engine judged it on a profile change or a window closing). */
export const exitConditionMetSignal = defineSignal('exitConditionMet');

/** Where a run is: the step it is at, and what it waits for until when. Ids and instants only. */
export interface JourneyState {
  step?: string;
  waiting?: { reason: 'wait' | 'wait until' | 'wait for' | 'quiet hours' | 'frequency cap'; untilMs: number };
}

export const journeyStateQuery = defineQuery<JourneyState>('journeyState');

/** One grant with an expiry: its reminder and its lapse. */
export interface ConsentLifecycleInput {
  profileId: string;
  purpose: string;
  /** The ledger record of the grant. */
  recordId: string;
}

export interface ErasureInput {
  requestId: string;
  /** Only on runs started before the patch `erasure-steps`: the steps read the profile from the request. */
  profileId?: string;
}

/** Deterministic so a repeated dispatch finds the run instead of starting a second one. */
export function journeyWorkflowId(journey: string, rulesVersion: number, profileId: string): string {
  return `journey:${journey}:v${rulesVersion}:${profileId}`;
}

/** One lifecycle per grant: a repeated dispatch finds it instead of starting another. */
export function consentLifecycleWorkflowId(recordId: string): string {
  return `consent-lifecycle:${recordId}`;
}

/** A pending consent request whose confirmation e-mail is to be sent (double opt-in). */
export interface ConsentConfirmationInput {
  profileId: string;
  purpose: string;
  /** The `pending` ledger record. */
  recordId: string;
}

export function consentConfirmationWorkflowId(recordId: string): string {
  return `consent-confirmation:${recordId}`;
}

export interface ExportInput {
  requestId: string;
}

export function exportWorkflowId(requestId: string): string {
  return `export:${requestId}`;
}

export function erasureWorkflowId(requestId: string): string {
  return `erasure:${requestId}`;
}

/**
 * A person's own segment clock (before the shards): rings at an instant (epoch ms) at which
 * time alone changes a membership. Clocks started by an earlier version run on to their end.
 */
export interface SegmentClockInput {
  profileId: string;
  atMs: number;
}

/** The clock must ring at this instant (epoch ms), or earlier if it was set so. */
export const segmentClockSignal = defineSignal<[number]>('segmentClockMoved');

export function segmentClockWorkflowId(profileId: string): string {
  return `segment-clock:${profileId}`;
}

/**
 * A shard of the segment clocks: the instants (epoch ms) at which time alone can change
 * the membership of the people hashed to it, by profile id. Handed on when the shard
 * continues as new.
 */
export interface SegmentClocksInput {
  shard: number;
  due: [profileId: string, atMs: number][];
  /** History events before continuing as new (tests set a small one). */
  historyLimit?: number;
}

/** The person's clock must ring at this instant (epoch ms), or earlier if it was set so. */
export const segmentClockSetSignal = defineSignal<[profileId: string, atMs: number]>('segmentClockSet');

/** The person is erased: the shard drops their instant. */
export const segmentClockForgetSignal = defineSignal<[profileId: string]>('segmentClockForget');

/** The instant the shard will ring the person at (epoch ms), or null: for operators and tests. */
export const segmentClockDueQuery = defineQuery<number | null, [profileId: string]>('segmentClockDue');

/**
 * How many clock shards a deployment keeps. Fewer shards batch more people per ring; each
 * shard hands its instants on when it continues as new, in one payload under Temporal's
 * 2 MB limit: about 30,000 people per shard whose membership waits on time at once.
 */
export const SEGMENT_CLOCK_SHARDS = 16;

/** The shard a person's clock lives in: a stable hash (FNV-1a) of the profile id. */
export function segmentClockShardOf(profileId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < profileId.length; i++) hash = Math.imul(hash ^ profileId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SEGMENT_CLOCK_SHARDS;
}

/**
 * The task queue is part of the id: two deployments sharing a namespace keep their own
 * shards (a shard rings people through its own deployment's database).
 */
export function segmentClocksWorkflowId(taskQueue: string, shard: number): string {
  return `segment-clocks:${taskQueue}:${shard}`;
}

/** Computing the segments a rules version adds or changes, over everyone. */
export interface SegmentRecomputeInput {
  version: number;
}

/**
 * Rules versions count from 1 in every database: the database's name keeps the recomputes
 * of two deployments (or test files) sharing a Temporal namespace apart.
 */
export function segmentRecomputeWorkflowId(database: string, version: number): string {
  return `segment-recompute:${database}:v${version}`;
}

/**
 * What runs report to the worker outside their history (a Temporal sink): counts for the
 * journey's funnel. No command, no marker, not called again on replay.
 */
export interface JourneySinks extends Sinks {
  journeyStats: {
    count(journey: string, rulesVersion: number, field: string): void;
  };
}
