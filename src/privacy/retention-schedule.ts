/**
 * The Temporal Schedule that applies the retention policy once a day: created when a
 * policy is set, deleted when it is emptied. Named by the deployment id (by default the
 * database's name, the name it had before), so deployments sharing a Temporal namespace
 * keep theirs apart.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type * as workflows from '../workflows/index.js';
import { retentionRunWorkflowId, retentionScheduleId } from '../workflows/messages.js';

export interface RetentionSchedule {
  /** Creates the daily schedule, or leaves the one there. */
  enable(): Promise<void>;
  disable(): Promise<void>;
  /** Runs the policy now (an admin's "apply now"). */
  trigger(): Promise<void>;
  /** When it next runs, if it is on. */
  nextRunAt(): Promise<Date | null>;
}

export function retentionSchedule(temporal: Client, taskQueue: string, deploymentId: string): RetentionSchedule {
  const scheduleId = retentionScheduleId(deploymentId);
  const handle = () => temporal.schedule.getHandle(scheduleId);
  return {
    async enable() {
      try {
        await temporal.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: '1 day' }] },
          // A run still going when the next is due: the next is skipped, not stacked.
          policies: { overlap: ScheduleOverlapPolicy.SKIP },
          action: { type: 'startWorkflow', workflowType: 'retentionWorkflow' satisfies keyof typeof workflows, workflowId: retentionRunWorkflowId(deploymentId), taskQueue, args: [] },
        });
      } catch (error) {
        if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      }
    },
    async disable() {
      try {
        await handle().delete();
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
    },
    async trigger() {
      await handle().trigger(ScheduleOverlapPolicy.SKIP);
    },
    async nextRunAt() {
      try {
        return (await handle().describe()).info.nextActionTimes[0] ?? null;
      } catch (error) {
        if (error instanceof ScheduleNotFoundError) return null;
        throw error;
      }
    },
  };
}
