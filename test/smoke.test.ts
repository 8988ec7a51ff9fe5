import { describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { freshDatabase, temporalAddress } from './support/servers.js';

describe('test servers', () => {
  it('FerretDB accepts writes and enforces unique indexes', async () => {
    const { db, drop } = await freshDatabase('smoke');
    try {
      await db.collection('x').createIndex({ a: 1 }, { unique: true });
      await db.collection('x').insertOne({ a: 1 });
      await expect(db.collection('x').insertOne({ a: 1 })).rejects.toMatchObject({ code: 11000 });
    } finally {
      await drop();
    }
  });
  it('Temporal answers', async () => {
    const connection = await Connection.connect({ address: temporalAddress() });
    const info = await connection.workflowService.getSystemInfo({});
    expect(info.capabilities).toBeTruthy();
    await connection.close();
  });
});
