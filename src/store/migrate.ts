/**
 * The one-off changes a database written by an older version gets at start-up, in order,
 * each once (recorded in the `migrations` collection) and each safe to run twice.
 */
import type { Stores } from './index.js';

export async function migrate(stores: Stores, now: Date): Promise<void> {
  // Audit entries name their person at the top level since the erasure finds them by index.
  await stores.migrations.once('audit-profile-id', async () => void (await stores.audit.copyProfileIdsUp()), now);
  // Paging newest first reads hour buckets: older entries and ledger records get theirs.
  await stores.migrations.once('audit-hours', async () => void (await stores.audit.addHours()), now);
  await stores.migrations.once('ledger-hours', async () => void (await stores.consents.addHours()), now);
}
