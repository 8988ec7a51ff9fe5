/**
 * The operators' line for each deploy (and roll back): who, which version, and how many
 * segments, journeys and consents it added, changed and removed. The audit log keeps the
 * record; this line is what someone reading the server's log sees at the moment it happened.
 */
import type { ProgramIR } from '../dsl/ir.js';
import type { Logger } from '../logger.js';
import { rulesChanges, type ChangesOf, type Named } from './rules-changes.js';

const counts = ({ added, changed, removed }: ChangesOf<Named>) => ({
  added: added.length,
  changed: changed.length,
  removed: removed.length,
});

export function logDeploy(
  logger: Logger,
  deploy: { actor: string; version: number; before: ProgramIR | undefined; after: ProgramIR; rolledBackFrom?: number },
): void {
  const changes = rulesChanges(deploy.before, deploy.after);
  logger.info(
    {
      actor: deploy.actor,
      version: deploy.version,
      ...(deploy.rolledBackFrom === undefined ? {} : { rolledBackFrom: deploy.rolledBackFrom }),
      segments: counts(changes.segments),
      journeys: counts(changes.journeys),
      consents: counts(changes.consents),
    },
    'rules deployed',
  );
}
