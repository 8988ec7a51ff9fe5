/** Access to the real servers started by test/global-setup.ts. */
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { inject } from 'vitest';

export const temporalAddress = () => inject('temporalAddress');
export const mongoUri = () => inject('mongoUri');
export const testServerBinary = () => inject('testServerBinary');

/** A database of its own for one test file, so files can run in parallel without sharing state. */
export async function freshDatabase(label: string): Promise<{ client: MongoClient; db: Db; name: string; drop(): Promise<void> }> {
  const client = new MongoClient(mongoUri());
  await client.connect();
  const name = `t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomUUID().slice(0, 8)}`;
  const db = client.db(name);
  return {
    client,
    db,
    name,
    async drop() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}
