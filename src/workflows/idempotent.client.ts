/**
 * The one place that decides what a Temporal call's "already" means: a start that finds
 * its run (or schedule) already there has done its job ("already started" is success,
 * docs/architecture.md), and a signal, termination or deletion that finds no run (it
 * ended, or never started) is owed to nobody. Every workflow's client (*.client.ts) goes
 * through these; workflows themselves never import a client file (eslint.config.js).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';

/** Where a deployment's workflows are started: its Temporal client and task queue. */
export interface WorkflowStarter {
  temporal: Client;
  taskQueue: string;
}

/**
 * Starts a run (or creates a schedule) under its deterministic id; one already there is
 * left as it is. Whether this call started it.
 */
export async function startOnce(start: () => Promise<unknown>): Promise<boolean> {
  try {
    await start();
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError || error instanceof ScheduleAlreadyRunning) return false;
    throw error;
  }
}

/**
 * Does something to a run (or schedule) that may have ended: its result, or undefined
 * when there was none of that id.
 */
export async function ignoringEnded<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError || error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

/** Ends a run for good, whichever workflow it is; false when there was none running. */
export async function terminateRun(temporal: Client, workflowId: string, reason: string): Promise<boolean> {
  return (
    (await ignoringEnded(async () => {
      await temporal.workflow.getHandle(workflowId).terminate(reason);
      return true;
    })) ?? false
  );
}
