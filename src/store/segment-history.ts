import type { Collection, Db } from 'mongodb';
import type { SegmentChange } from '../model.js';
import { COLLECTIONS } from './collections.js';
import { forEachInParallel } from '../util/in-parallel.js';
import { insertManySkippingDuplicates } from './insert-many.js';
import { upsertOnce } from './upsert.js';

interface HistoryChunkDoc {
  /** `<profileId>#<chunk>`: change n of a person is in chunk ⌊n / CHUNK⌋. */
  _id: string;
  profileId: string;
  changes: SegmentChange[];
}

/** Changes per chunk: a person's latest changes are one or two `_id` lookups away. */
export const HISTORY_CHUNK = 100;
/** Chunks written at once: the embedded database's pool size, so none waits for a connection. */
const CHUNK_WRITERS = 8;

function sequenceOf(change: SegmentChange): number {
  return Number(change._id.slice(change._id.lastIndexOf(':') + 1));
}

/**
 * Each person's segment history (what they entered and left, when and why), in chunks
 * found by `_id` from the person's change count, so no read scans the collection.
 */
export class SegmentHistoryStore {
  private readonly collection: Collection<HistoryChunkDoc>;

  constructor(db: Db) {
    this.collection = db.collection<HistoryChunkDoc>(COLLECTIONS.segmentHistory);
  }

  /**
   * Appends the changes not stored yet. A change applied again is the same document (it is
   * copied from the profile as written), so `$addToSet` leaves it out: one update per chunk.
   * A person's very first changes open their first chunk: those chunks are inserted together,
   * in one request (on the embedded FerretDB one commit for all, where an update is one
   * each: a deploy's pass over people new to segments writes thousands); one found stored
   * already (a copy made again) is updated as any other.
   */
  async append(changes: readonly SegmentChange[]): Promise<void> {
    const byChunk = new Map<string, SegmentChange[]>();
    for (const change of changes) {
      const id = `${change.profileId}#${Math.floor(sequenceOf(change) / HISTORY_CHUNK)}`;
      byChunk.set(id, [...(byChunk.get(id) ?? []), change]);
    }
    const opening = [...byChunk].filter(([, ofChunk]) => ofChunk.some((change) => sequenceOf(change) === 0));
    const skipped = await insertManySkippingDuplicates(
      this.collection,
      opening.map(([id, ofChunk]) => ({
        _id: id,
        profileId: ofChunk[0]!.profileId,
        changes: [...new Map(ofChunk.map((change) => [change._id, change])).values()],
      })),
    );
    opening.forEach(([id], index) => {
      if (!skipped.has(index)) byChunk.delete(id);
    });
    // Many people's changes come at once (the copier gathers them): their chunks are written side by side.
    await forEachInParallel(byChunk, CHUNK_WRITERS, async ([id, ofChunk]) => {
      await upsertOnce(() =>
        this.collection.updateOne(
          { _id: id },
          { $set: { profileId: ofChunk[0]!.profileId }, $addToSet: { changes: { $each: ofChunk } } },
          { upsert: true },
        ),
      );
    });
  }

  /**
   * The person's changes, newest first, up to `limit`. `count` is the person's change count
   * (the newest chunks are read first); without it (an id merged away) every chunk is read.
   */
  async ofProfile(profileId: string, limit: number, count?: number): Promise<SegmentChange[]> {
    const result: SegmentChange[] = [];
    if (count === undefined) {
      for (let chunk = 0; ; chunk++) {
        const doc = await this.collection.findOne({ _id: `${profileId}#${chunk}` });
        if (!doc) break;
        result.push(...doc.changes);
      }
    } else {
      for (let chunk = Math.floor((count - 1) / HISTORY_CHUNK); chunk >= 0 && result.length < limit; chunk--) {
        const doc = await this.collection.findOne({ _id: `${profileId}#${chunk}` });
        result.push(...(doc?.changes ?? []));
      }
    }
    return result.sort((a, b) => sequenceOf(b) - sequenceOf(a)).slice(0, limit);
  }

  /** How many changes the person's chunks hold. */
  async countOfProfile(profileId: string): Promise<number> {
    let count = 0;
    for (let chunk = 0; ; chunk++) {
      const doc = await this.collection.findOne({ _id: `${profileId}#${chunk}` });
      if (!doc) return count;
      count += doc.changes.length;
    }
  }

  /** Retention's batched inventory: how many changes each person's chunks hold, a chunk number at a time for all of them (`$in` of `_id`s). */
  async countOfProfiles(profileIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let looking = [...new Set(profileIds)];
    for (let chunk = 0; looking.length > 0; chunk++) {
      const found = await this.collection
        .find({ _id: { $in: looking.map((id) => `${id}#${chunk}`) } }, { projection: { _id: 1, profileId: 1, changes: 1 } })
        .toArray();
      for (const doc of found) counts.set(doc.profileId, (counts.get(doc.profileId) ?? 0) + doc.changes.length);
      looking = found.map((doc) => doc.profileId);
    }
    return counts;
  }

  /** Retention's batched removal: every chunk of these people, a chunk number at a time for all of them. */
  async deleteOfProfiles(profileIds: readonly string[]): Promise<void> {
    let looking = [...new Set(profileIds)];
    for (let chunk = 0; looking.length > 0; chunk++) {
      const ids = looking.map((id) => `${id}#${chunk}`);
      const found = await this.collection.find({ _id: { $in: ids } }, { projection: { _id: 1, profileId: 1 } }).toArray();
      if (found.length > 0) await this.collection.deleteMany({ _id: { $in: found.map((doc) => doc._id) } });
      looking = found.map((doc) => doc.profileId);
    }
  }

  /** Deletes the person's chunks (numbered from 0 without gaps); the number of changes they held. */
  async deleteOfProfile(profileId: string): Promise<number> {
    let deleted = 0;
    for (let chunk = 0; ; chunk++) {
      const doc = await this.collection.findOneAndDelete({ _id: `${profileId}#${chunk}` });
      if (!doc) return deleted;
      deleted += doc.changes.length;
    }
  }
}
