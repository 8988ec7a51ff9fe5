/**
 * The send activities as workflows call them: transient failures (SMTP 4xx, webhook
 * 5xx/408/429, the network) retry with exponential backoff for up to a day, a receiver's
 * Retry-After taking precedence; a caller then records the message as failed.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities/index.js';

export const sends = proxyActivities<DeliveryActivities>({
  startToCloseTimeout: '1 minute',
  // A worker that dies mid-send is noticed this soon (the send heartbeats), not after a minute.
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});
