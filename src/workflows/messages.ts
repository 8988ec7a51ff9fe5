/**
 * Signals, queries and the shapes workflows are started with: imported by workflows, their
 * clients (*.client.ts) and tests alike. Everything here carries ids, never personal data.
 * The workflows' ids are in src/util/workflow-ids.ts.
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
}

/** A pending consent request whose confirmation e-mail is to be sent (double opt-in). */
export interface ConsentConfirmationInput {
  profileId: string;
  purpose: string;
  /** The `pending` ledger record. */
  recordId: string;
}

export interface ExportInput {
  requestId: string;
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
/** As `segmentClockSet`, for many people of one shard at once (a recompute's or a round's people). */
export const segmentClockSetManySignal = defineSignal<[entries: [profileId: string, atMs: number][]]>('segmentClockSetMany');

/** The person is erased: the shard drops their instant. */
export const segmentClockForgetSignal = defineSignal<[profileId: string]>('segmentClockForget');

/** The instant the shard will ring the person at (epoch ms), or null: for operators and tests. */
export const segmentClockDueQuery = defineQuery<number | null, [profileId: string]>('segmentClockDue');

/** Computing the segments a rules version adds or changes, over everyone. */
export interface SegmentRecomputeInput {
  version: number;
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
