/**
 * Where imported rows go: through the same ingestion as `/v1/batch` (identity resolution,
 * dedupe by messageId, counters, dispatch to journeys through the outbox), recorded as
 * source `import`. The profile writer's back-pressure paces a large import to what the
 * database absorbs, so memory stays bounded.
 */
import type { Ingestor } from '../ingest/ingest.js';
import type { ApplyMessages } from './csv-import.js';

export const IMPORT_SOURCE = 'import';

export function importApplier(deps: { ingestor: Ingestor; now: () => Date }): ApplyMessages {
  return async (messages) => {
    await deps.ingestor.ingestBatch(messages, { receivedAt: deps.now(), source: IMPORT_SOURCE });
  };
}
