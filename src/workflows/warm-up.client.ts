/**
 * Starts the warm-up workflow (warm-up.ts) on this process's task queue and waits for it.
 * The first workflow task a worker runs costs it a few hundred milliseconds more than the
 * next (its sandbox's first activation): measured on a deploy of 80 segments over an empty
 * database, 0.4–0.6 s of a first deploy's 1.1–2.2 s. Paid at start instead, by a run of
 * nothing. Best effort: with several processes on one task queue another one's worker may
 * take it, and a failure (Temporal not answering yet) costs only the warmth.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type * as workflows from './index.js';

export async function warmUpWorker(temporal: Client, taskQueue: string): Promise<void> {
  await temporal.workflow.execute<typeof workflows.warmUpWorkflow>('warmUpWorkflow' satisfies keyof typeof workflows, {
    taskQueue,
    workflowId: `itinera-warm-up:${randomUUID()}`,
    // Nobody to take it (the process stopped at once): gone after a minute.
    workflowExecutionTimeout: '1 minute',
  });
}
