import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';

interface MigrationDoc {
  _id: string;
  at: Date;
}

/**
 * Changes to stored data that a new version makes once, at start-up, on a database an
 * older version wrote. Each is recorded by name when done, so later starts skip it. Two
 * processes starting together may both run one: a migration must be safe to repeat.
 */
export class MigrationStore {
  private readonly collection: Collection<MigrationDoc>;

  constructor(db: Db) {
    this.collection = db.collection<MigrationDoc>(COLLECTIONS.migrations);
  }

  /** Runs `migrate` unless a migration of this name is recorded as done; true when it ran. */
  async once(name: string, migrate: () => Promise<void>, now: Date): Promise<boolean> {
    if (await this.collection.findOne({ _id: name })) return false;
    await migrate();
    await this.collection.updateOne({ _id: name }, { $setOnInsert: { at: now } }, { upsert: true });
    return true;
  }
}
