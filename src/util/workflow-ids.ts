/**
 * The ids of Itinera's Temporal workflows and schedules: pure functions, no Temporal
 * import. Deterministic, so a repeated start finds the run instead of starting a second
 * one. Used by the workflows' clients (src/workflows/*.client.ts), by erasure (which ends
 * a person's processes by id) and by tests; here, below both, so that neither imports
 * the other for them.
 *
 * Ids and deployments. Two deployments (their own databases) may share a Temporal
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

/** A person's run of a journey in one rules version: a repeated dispatch finds the run instead of starting a second one. */
export function journeyWorkflowId(journey: string, rulesVersion: number, profileId: string): string {
  return `journey:${journey}:v${rulesVersion}:${profileId}`;
}

/**
 * One lifecycle per grant: a repeated dispatch finds it instead of starting another.
 * Without a deployment id: the id lifecycles started before deployment ids had, which
 * may still be running (superseding and erasure end those too: `consentWorkflowIds`).
 */
export function consentLifecycleWorkflowId(recordId: string, deploymentId?: string): string {
  return deploymentId === undefined ? `consent-lifecycle:${recordId}` : `consent-lifecycle:${deploymentId}:${recordId}`;
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

export function exportWorkflowId(requestId: string): string {
  return `export:${requestId}`;
}

export function erasureWorkflowId(requestId: string): string {
  return `erasure:${requestId}`;
}

/** A person's own segment clock, from before the shards (erasure still ends any left running). */
export function segmentClockWorkflowId(profileId: string): string {
  return `segment-clock:${profileId}`;
}

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
 * A broadcast's one run. Broadcast names are the rules' own, which another deployment on
 * the namespace may also use: the deployment id (by default the database's name) is in it.
 */
export function broadcastWorkflowId(deploymentId: string, broadcast: string): string {
  return `broadcast:${deploymentId}:${broadcast}`;
}
