// What the worker loads: every workflow type Itinera runs.
export { journeyWorkflow } from './journey.js';
export { consentLifecycleWorkflow } from './consent.js';
export { consentConfirmationWorkflow } from './consent-confirmation.js';
export { erasureWorkflow } from './erasure.js';
export { segmentClocksWorkflow } from './segment-clocks.js';
// Clocks of one person each, started before the shards: kept so those still waiting ring.
export { segmentClockWorkflow } from './segment-clock.js';
export { segmentRecomputeWorkflow } from './segment-recompute.js';
export { exportWorkflow } from './export.js';
export { retentionWorkflow } from './retention.js';
export { broadcastWorkflow } from './broadcast.js';
export { warmUpWorkflow } from './warm-up.js';
