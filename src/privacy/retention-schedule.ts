/**
 * The daily application of the retention policy, as the server sees it: a Temporal
 * Schedule, created when a policy is set and deleted when it is emptied. Its client is
 * src/workflows/retention.client.ts.
 */
export interface RetentionSchedule {
  /** Creates the daily schedule, or leaves the one there. */
  enable(): Promise<void>;
  disable(): Promise<void>;
  /** Runs the policy now (an admin's "apply now"). */
  trigger(): Promise<void>;
  /** When it next runs, if it is on. */
  nextRunAt(): Promise<Date | null>;
}
