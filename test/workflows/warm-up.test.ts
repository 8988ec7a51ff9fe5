/**
 * A starting worker runs one workflow of nothing on its task queue (src/workflows/
 * warm-up.client.ts), so that its first real workflow task does not pay for the sandbox's
 * first activation; what that saves is measured by `npm run bench -- segments` (80 segments,
 * the first deploy). Here: the run happens, completes, and carries nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('warm-up');
});
afterAll(async () => {
  await itinera?.close();
});

describe("a starting worker's warm-up", () => {
  it('runs one empty workflow on its own task queue, completed, with no input', async () => {
    const query = `WorkflowType = 'warmUpWorkflow' AND TaskQueue = "${itinera.taskQueue}"`;
    const runs = await eventually(async () => {
      const listed = [];
      for await (const run of itinera.runtime.temporal.workflow.list({ query })) listed.push(run);
      return listed.length === 1 && listed[0]!.status.name === 'COMPLETED' ? listed : undefined;
    }, 30_000);
    const history = await itinera.runtime.temporal.workflow.getHandle(runs[0]!.workflowId, runs[0]!.runId).fetchHistory();
    expect(history.events![0]!.workflowExecutionStartedEventAttributes?.input?.payloads ?? []).toEqual([]);
    expect(history.events!.flatMap((event) => (event.activityTaskScheduledEventAttributes ? [event] : []))).toEqual([]);
  });
});
