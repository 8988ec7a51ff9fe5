/**
 * The confirmation e-mail of one pending consent request (double opt-in): sent once,
 * through the same exactly-once delivery as a journey's sends, retried for up to a day,
 * then recorded as failed. Started when the request is applied (ingest/dispatch.ts), one
 * per request ever. The confirmation itself is the person's click on the e-mail's signed
 * link (server/routes/confirm.ts), not part of this workflow: a request nobody confirms
 * costs Temporal nothing after its e-mail is sent. Input and result are ids and a status.
 */
import { ActivityFailure } from '@temporalio/workflow';
import type { DeliveryStatus } from '../model.js';
import type { ConsentConfirmationInput } from './messages.js';
import { sends } from './send-activities.js';

export async function consentConfirmationWorkflow(input: ConsentConfirmationInput): Promise<DeliveryStatus> {
  try {
    return (await sends.deliverConfirmation(input.recordId)).status;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return (await sends.abandonConfirmation(input.recordId, 'retries exhausted')).status;
  }
}
