/**
 * Where imported rows go: through the same ingestion as `/v1/batch` (identity resolution,
 * dedupe by messageId, counters), recorded as source `import`, then dispatched to
 * journeys like any other event. Events whose dispatch fails stay in the outbox for the
 * sweeper.
 */
import type { Dispatcher } from '../ingest/dispatch.js';
import type { Ingestor } from '../ingest/ingest.js';
import type { Logger } from '../logger.js';
import type { ApplyMessages } from './csv-import.js';

export const IMPORT_SOURCE = 'import';
/** Dispatches in flight per chunk: enough to overlap Temporal round trips, bounded. */
const DISPATCH_CONCURRENCY = 8;

export function importApplier(deps: { ingestor: Ingestor; dispatcher: Dispatcher; logger: Logger; now: () => Date }): ApplyMessages {
  return async (messages) => {
    const events = await deps.ingestor.ingestBatch(messages, { receivedAt: deps.now(), source: IMPORT_SOURCE });
    const queue = [...events];
    await Promise.all(Array.from({ length: Math.min(DISPATCH_CONCURRENCY, queue.length) }, async () => {
      for (let event = queue.shift(); event; event = queue.shift()) {
        await deps.dispatcher.dispatch(event).catch((error: unknown) => deps.logger.warn({ err: error, eventId: event._id }, 'dispatch deferred to the sweeper'));
      }
    }));
  };
}
