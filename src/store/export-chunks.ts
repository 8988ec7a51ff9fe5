import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';

interface ExportChunkDoc {
  /** `<export id>#<n>`, numbered from 0: read back by `_id`, one chunk at a time. */
  _id: string;
  data: string;
}

/**
 * The bundles of data exports, as numbered chunks of JSON text: written while the export
 * streams through the person's history, read back the same way, so neither the build nor
 * the download holds a whole bundle in memory.
 */
export class ExportChunkStore {
  private readonly collection: Collection<ExportChunkDoc>;

  constructor(db: Db) {
    this.collection = db.collection<ExportChunkDoc>(COLLECTIONS.exportChunks);
  }

  async put(exportId: string, n: number, data: string): Promise<void> {
    await this.collection.updateOne({ _id: `${exportId}#${n}` }, { $set: { data } }, { upsert: true });
  }

  async *read(exportId: string, chunks: number): AsyncIterable<string> {
    for (let n = 0; n < chunks; n++) {
      const doc = await this.collection.findOne({ _id: `${exportId}#${n}` });
      if (!doc) throw new Error(`export ${exportId}: chunk ${n} missing`);
      yield doc.data;
    }
  }

  /** Deletes chunks from 0 on until one is missing (a rebuild after a crash may have written fewer). */
  async delete(exportId: string, atLeast = 0): Promise<number> {
    let deleted = 0;
    for (let n = 0; ; n++) {
      const result = await this.collection.deleteOne({ _id: `${exportId}#${n}` });
      if (result.deletedCount === 0 && n >= atLeast) return deleted;
      deleted += result.deletedCount;
    }
  }
}
