/**
 * The retention workflow's client side (retention.ts is the workflow): the Temporal
 * Schedule that applies the retention policy once a day, created when a policy is set,
 * deleted when it is emptied (the port the server uses: src/privacy/retention-schedule.ts).
 * Named by the deployment id (by default the database's name, the name it had before), so
 * deployments sharing a Temporal namespace keep theirs apart.
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { RetentionSchedule } from '../privacy/retention-schedule.js';
import { retentionRunWorkflowId, retentionScheduleId } from '../util/workflow-ids.js';
import { ignoringEnded, startOnce, type WorkflowStarter } from './idempotent.client.js';
import type * as workflows from './index.js';

export function retentionSchedule({ temporal, taskQueue }: WorkflowStarter, deploymentId: string): RetentionSchedule {
  const scheduleId = retentionScheduleId(deploymentId);
  const handle = () => temporal.schedule.getHandle(scheduleId);
  return {
    async enable() {
      await startOnce(() =>
        temporal.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: '1 day' }] },
          // A run still going when the next is due: the next is skipped, not stacked.
          policies: { overlap: ScheduleOverlapPolicy.SKIP },
          action: {
            type: 'startWorkflow',
            workflowType: 'retentionWorkflow' satisfies keyof typeof workflows,
            workflowId: retentionRunWorkflowId(deploymentId),
            taskQueue,
            args: [],
          },
        }),
      );
    },
    async disable() {
      await ignoringEnded(() => handle().delete());
    },
    async trigger() {
      await handle().trigger(ScheduleOverlapPolicy.SKIP);
    },
    async nextRunAt() {
      return (await ignoringEnded(async () => (await handle().describe()).info.nextActionTimes[0] ?? null)) ?? null;
    },
  };
}
