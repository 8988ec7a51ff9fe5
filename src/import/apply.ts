/**
 * Where imported rows go: through the same ingestion as `/v1/batch` (identity resolution,
 * dedupe by messageId, counters, dispatch to journeys through the outbox), recorded as
 * source `import`. The profile writer's back-pressure paces a large import to what the
 * database absorbs, so memory stays bounded.
 */
import type { Ingestor } from '../ingest/ingest.js';
import type { Stores } from '../store/index.js';
import type { ApplyMessages } from './types.js';

export const IMPORT_SOURCE = 'import';

/** What the purpose check reads: the active rules. */
export type ActiveRules = Pick<Stores['rules'], 'active'>;

/** The consent purposes the active rules declare (none without rules). */
export async function declaredPurposesIn(rules: ActiveRules): Promise<string[]> {
  return (await rules.active())?.ir.consents.map((consent) => consent.name) ?? [];
}

/**
 * With `rules`, an import's consent columns are checked against the active rules before
 * anything is applied (see ApplyMessages.declaredPurposes); without, they are not.
 */
export function importApplier(deps: { ingestor: Ingestor; now: () => Date; rules?: ActiveRules }): ApplyMessages {
  const apply: ApplyMessages = async (messages) => {
    await deps.ingestor.ingestBatch(messages, { receivedAt: deps.now(), source: IMPORT_SOURCE });
  };
  const { rules } = deps;
  if (rules) apply.declaredPurposes = () => declaredPurposesIn(rules);
  return apply;
}
