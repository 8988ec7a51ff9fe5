/**
 * A broadcast workflow's input and signals, imported by the workflow, its client and tests.
 * (Beside messages.ts rather than in it, which another change owns today.) Names and
 * numbers only: never who is in the audience.
 */
import { defineSignal } from '@temporalio/workflow';

export interface BroadcastInput {
  broadcast: string;
  /** Set when the run continued as new: the audience taken and the next chunk to send. */
  continued?: { plan: { total: number; chunks: number; quietHours?: { start: string; end: string }; timeZone: string }; nextChunk: number };
  /** Batches per run before continuing as new (default BATCHES_PER_RUN; tests make it small). */
  batchesPerRun?: number;
}

/**
 * The API records the new state first (src/server/routes/broadcasts.ts), then signals: the
 * signal wakes the run at once, and the stored state is what each batch obeys, so a signal
 * lost between the two still takes effect at the next batch.
 */
export const pauseBroadcastSignal = defineSignal('pauseBroadcast');
export const resumeBroadcastSignal = defineSignal('resumeBroadcast');
export const cancelBroadcastSignal = defineSignal('cancelBroadcast');
