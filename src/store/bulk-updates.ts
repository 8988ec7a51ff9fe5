import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';

/**
 * Update statements per `update` command. The embedded FerretDB keeps a pooled SQLite
 * connection per statement of one command until the command ends, and its pool has 100:
 * one bulk of 250 updates waited for a connection for ever, and every other client with
 * it (measured on itinera-ferretdb v1.24.2, 2026-12-07). Sixteen at a time leave the pool
 * to everyone else.
 */
export const UPDATES_PER_COMMAND = 16;

/** An unordered bulk of updates, sent as commands of UPDATES_PER_COMMAND statements; how many documents changed. */
export async function bulkUpdateInChunks<T extends Document>(collection: Collection<T>, ops: AnyBulkWriteOperation<T>[]): Promise<number> {
  let modified = 0;
  for (let from = 0; from < ops.length; from += UPDATES_PER_COMMAND)
    modified += (await collection.bulkWrite(ops.slice(from, from + UPDATES_PER_COMMAND), { ordered: false })).modifiedCount;
  return modified;
}
