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

/*
 * Workflow ids and deployments. Two deployments (their own databases) may share a Temporal
 * namespace; an id either one could build must then name the deployment (its
 * ITINERA_DEPLOYMENT_ID, by default the database's name):
 * - consent lifecycles and confirmations: the record id comes from the event's messageId,
 *   which the sender chooses (and a CSV import derives from the file), so the same grant
 *   sent to two deployments would share one id: the deployment id is in it;
 * - a rules version's recompute and the retention schedule and its runs: the deployment id
 *   (the database's name before ITINERA_DEPLOYMENT_ID existed, hence that default);
 * - segment clock shards: the task queue, which is the deployment's own by necessity (two
 *   deployments polling one queue would run each other's workflows against the wrong
 *   database), and whose shards never end, so a new id would leave the old ones running;
 * - journeys, erasures, exports and the old per-person clocks: named by random profile or
 *   request ids (UUIDs, or hashes of them), which no other deployment holds: unchanged, so
 *   the run ids the profiles record keep finding their runs.
 */

/**
 * One lifecycle per grant: a repeated dispatch finds it instead of starting another.
 * Without a deployment id: the id lifecycles started before deployment ids had, which
 * may still be running (superseding and erasure end those too: `consentWorkflowIds`).
 */
export function consentLifecycleWorkflowId(recordId: string, deploymentId?: string): string {
  return deploymentId === undefined ? `consent-lifecycle:${recordId}` : `consent-lifecycle:${deploymentId}:${recordId}`;
}

/** A pending consent request whose confirmation e-mail is to be sent (double opt-in). */
export interface ConsentConfirmationInput {
  profileId: string;
  purpose: string;
  /** The `pending` ledger record. */
  recordId: string;
}

/** As the lifecycle's: without a deployment id, the id of confirmations started before deployment ids. */
export function consentConfirmationWorkflowId(recordId: string, deploymentId?: string): string {
  return deploymentId === undefined ? `consent-confirmation:${recordId}` : `consent-confirmation:${deploymentId}:${recordId}`;
}

/** Every id a grant's processes may run under: this deployment's, and those from before deployment ids. */
export function consentWorkflowIds(recordId: string, deploymentId?: string): string[] {
  const ids = [consentLifecycleWorkflowId(recordId, deploymentId), consentConfirmationWorkflowId(recordId, deploymentId)];
  return deploymentId === undefined ? ids : [...ids, consentLifecycleWorkflowId(recordId), consentConfirmationWorkflowId(recordId)];
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
 * Rules versions count from 1 in every database: the deployment id (by default the
 * database's name, as before it existed) keeps the recomputes of two deployments (or test
 * files) sharing a Temporal namespace apart.
 */
export function segmentRecomputeWorkflowId(deploymentId: string, version: number): string {
  return `segment-recompute:${deploymentId}:v${version}`;
}

/** The daily retention schedule, one per deployment (by default the database's name, as before). */
export function retentionScheduleId(deploymentId: string): string {
  return `retention:${deploymentId}`;
}

/** The runs the retention schedule starts: at most one at a time per deployment. */
export function retentionRunWorkflowId(deploymentId: string): string {
  return `retention-run:${deploymentId}`;
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
