import type { Collection, Db, Filter } from 'mongodb';
import { counterKey, decodeCounterKey } from '../profile/counters.js';
import { COLLECTIONS } from './collections.js';
import { forEachInParallel } from '../util/in-parallel.js';
import { upsertOnce } from './upsert.js';

interface MemberBucketDoc {
  /** `<segment>#<bucket>` */
  _id: string;
  segment: string;
  /** Member profile ids (encoded as field names) → since. */
  members: Record<string, Date>;
}

/**
 * `<segment>#buckets`: which of a segment's buckets exist, so that reading a small segment
 * costs a lookup per bucket it uses rather than 256 (a first page of ten members took
 * 250 ms). A bucket is named here before it is first written, so the list may name one
 * that holds nobody (a wasted lookup) but never misses one. `complete` says the list
 * covers buckets written before it existed too: until a read has checked all 256 once,
 * readers visit them all.
 */
interface OccupiedBucketsDoc {
  _id: string;
  /** Absent when no bucket was ever written. */
  buckets?: Record<string, true>;
  complete?: true;
}

/**
 * Buckets per segment. A member list read page by page must not scan (FerretDB answers
 * only `_id` lookups from an index, and not ranges), so a segment's members live in a
 * fixed number of documents found by `_id`: a profile's bucket is a hash of its id.
 * 256 keeps a bucket near 400 members at 100,000, and a full listing at 256 lookups.
 */
export const MEMBER_BUCKETS = 256;
/** Buckets a page reads at once: the embedded database's connection pool. */
const READ_AHEAD = 8;

/** A person entering (`since`: when) or leaving a segment. */
export interface MemberMove {
  segment: string;
  profileId: string;
  change: 'entered' | 'exited';
  since: Date;
}

/** Segments whose buckets one delete of `dropMany` names (256 `_id`s each). */
const DROPPED_PER_DELETE = 16;
/** Buckets written at once by `moveMany`: the embedded database's pool size. */
const BUCKET_WRITERS = 8;

export interface MemberPage {
  members: { profileId: string; since: Date }[];
  /** Where the next page starts; absent at the end. */
  next?: string;
}

export function bucketOf(profileId: string): number {
  // FNV-1a, 32 bits: stable across processes and versions.
  let hash = 0x811c9dc5;
  for (let index = 0; index < profileId.length; index++) {
    hash ^= profileId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % MEMBER_BUCKETS;
}

/** Who is in each segment, kept beside the membership on each profile for listing and export. */
export class SegmentMemberStore {
  private readonly collection: Collection<MemberBucketDoc>;
  private readonly occupied: Collection<OccupiedBucketsDoc>;

  constructor(db: Db) {
    this.collection = db.collection<MemberBucketDoc>(COLLECTIONS.segmentMembers);
    this.occupied = db.collection<OccupiedBucketsDoc>(COLLECTIONS.segmentMembers);
  }

  /** The buckets that may hold members, in order: those listed, or all 256 until the list is known complete (then it is made so). */
  private async bucketsOf(segment: string): Promise<number[]> {
    const listed = await this.occupied.findOne({ _id: occupiedId(segment) });
    if (listed?.complete)
      return Object.keys(listed.buckets ?? {})
        .map(Number)
        .sort((a, b) => a - b);
    // One `$in` of every bucket's `_id`: a search of the `_id` index, on the embedded FerretDB too.
    const found = (await this.collection.find({ _id: { $in: allBucketIds(segment) } }, { projection: { _id: 1 } }).toArray())
      .map((doc) => bucketNumber(doc._id))
      .sort((a, b) => a - b);
    // A union with what adds have listed meanwhile: nothing they named is taken away.
    await this.occupied.updateOne(
      { _id: occupiedId(segment) },
      { $set: { complete: true, ...Object.fromEntries(found.map((bucket) => [`buckets.${bucket}`, true])) } },
      { upsert: true },
    );
    return found;
  }

  /**
   * Adds the member unless listed already; false then (a change applied again, here or in
   * another process). The write is guarded by the member's absence, on the bucket's `_id`:
   * of two adds racing, one writes and the other's upsert meets the bucket's `_id` (or no
   * match) and answers false.
   */
  async add(segment: string, profileId: string, since: Date): Promise<boolean> {
    const id = `${segment}#${bucketOf(profileId)}`;
    const field = counterKey(profileId);
    const bucket = await this.collection.findOne({ _id: id }, { projection: { [`members.${field}`]: 1 } });
    if (bucket?.members && Object.hasOwn(bucket.members, field)) return false;
    // A bucket's first member: listed before it is written (see OccupiedBucketsDoc).
    if (bucket === null)
      await upsertOnce(() =>
        this.occupied.updateOne({ _id: occupiedId(segment) }, { $set: { [`buckets.${bucketOf(profileId)}`]: true } }, { upsert: true }),
      );
    try {
      const written = await this.collection.updateOne(
        { _id: id, [`members.${field}`]: { $exists: false } },
        { $set: { segment, [`members.${field}`]: since } },
        { upsert: true },
      );
      return written.modifiedCount + written.upsertedCount === 1;
    } catch (error) {
      // The bucket exists and lists the member already: the guard missed, and the upsert met its `_id`.
      if ((error as { code?: number }).code !== 11000) throw error;
      return false;
    }
  }

  /**
   * Many people entering or leaving at once (a recompute's chunk, a busy round): one
   * guarded write per bucket for all of its moves instead of one per person. Each
   * (segment, person) appears at most once. Answers, per move, whether the list moved: an
   * entry of someone listed, or an exit of someone not, does not. A bucket whose guard
   * misses (another process moved one of its people meanwhile) is moved person by person.
   */
  async moveMany(moves: readonly MemberMove[]): Promise<boolean[]> {
    const moved = moves.map(() => false);
    const byBucket = new Map<string, number[]>();
    for (const [index, move] of moves.entries()) {
      const id = `${move.segment}#${bucketOf(move.profileId)}`;
      byBucket.set(id, [...(byBucket.get(id) ?? []), index]);
    }
    const existing = new Set(
      (await this.collection.find({ _id: { $in: [...byBucket.keys()] } }, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id),
    );
    // New buckets are listed before they are first written (see OccupiedBucketsDoc): one write per segment.
    const listing = new Map<string, Record<string, true>>();
    for (const [id, indexes] of byBucket) {
      if (existing.has(id) || !indexes.some((index) => moves[index]!.change === 'entered')) continue;
      const { segment } = moves[indexes[0]!]!;
      listing.set(segment, { ...listing.get(segment), [`buckets.${bucketNumber(id)}`]: true });
    }
    for (const [segment, buckets] of listing)
      await upsertOnce(() => this.occupied.updateOne({ _id: occupiedId(segment) }, { $set: buckets }, { upsert: true }));

    await forEachInParallel(byBucket, BUCKET_WRITERS, async ([id, indexes]) => {
      // Nobody to take out of a bucket that does not exist.
      const own = existing.has(id) ? indexes : indexes.filter((index) => moves[index]!.change === 'entered');
      if (own.length === 0) return;
      const guard: Record<string, unknown> = { _id: id };
      const set: Record<string, unknown> = { segment: moves[own[0]!]!.segment };
      const unset: Record<string, ''> = {};
      for (const index of own) {
        const { profileId, change, since } = moves[index]!;
        const field = `members.${counterKey(profileId)}`;
        guard[field] = { $exists: change === 'exited' };
        if (change === 'entered') set[field] = since;
        else unset[field] = '';
      }
      try {
        const update = Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
        const written = await this.collection.updateOne(guard as Filter<MemberBucketDoc>, update, { upsert: !existing.has(id) });
        if (written.modifiedCount + written.upsertedCount === 1) {
          for (const index of own) moved[index] = true;
          return;
        }
      } catch (error) {
        // Written meanwhile by another process: the upsert met its `_id`.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      for (const index of own) {
        const { segment, profileId, change, since } = moves[index]!;
        moved[index] = change === 'entered' ? await this.add(segment, profileId, since) : await this.remove(segment, profileId);
      }
    });
    return moved;
  }

  /** Removes the member; false when it was not listed (a change applied again). */
  async remove(segment: string, profileId: string): Promise<boolean> {
    const id = `${segment}#${bucketOf(profileId)}`;
    return (await this.collection.updateOne({ _id: id }, { $unset: { [`members.${counterKey(profileId)}`]: '' } })).modifiedCount > 0;
  }

  /**
   * Up to `limit` members from `cursor` on (opaque to callers: `<bucket>:<last profile id>`),
   * in bucket order and, within a bucket, by profile id.
   */
  async page(segment: string, limit: number, cursor?: string): Promise<MemberPage> {
    const [from, afterInFirst] = parseCursor(cursor);
    const buckets = (await this.bucketsOf(segment)).filter((bucket) => bucket >= from);
    let lastBucket = from;
    const members: MemberPage['members'] = [];
    // A few buckets are read at once (a small segment's page spans many nearly empty ones),
    // and taken in order: at most READ_AHEAD - 1 are read and not needed.
    for (let start = 0; start < buckets.length; start += READ_AHEAD) {
      const window = buckets.slice(start, start + READ_AHEAD);
      const docs = await Promise.all(window.map((bucket) => this.collection.findOne({ _id: `${segment}#${bucket}` })));
      for (const [index, doc] of docs.entries()) {
        const bucket = window[index]!;
        const after = bucket === from ? afterInFirst : undefined;
        const inBucket = Object.entries(doc?.members ?? {})
          .map(([field, since]) => ({ profileId: decodeCounterKey(field), since }))
          .filter((member) => after === undefined || member.profileId > after)
          .sort((a, b) => (a.profileId < b.profileId ? -1 : 1));
        for (const member of inBucket) {
          // Full, with more to come: the next page starts after the last member shown, in its bucket.
          if (members.length === limit) return { members, next: `${lastBucket}:${members[members.length - 1]!.profileId}` };
          members.push(member);
          lastBucket = bucket;
        }
      }
    }
    return { members };
  }

  /** The member's entry, if `profileId` is a member: one lookup by `_id` of its bucket, reading only its field. */
  async member(segment: string, profileId: string): Promise<{ profileId: string; since: Date } | null> {
    const field = counterKey(profileId);
    const bucket = await this.collection.findOne({ _id: `${segment}#${bucketOf(profileId)}` }, { projection: { [`members.${field}`]: 1 } });
    const since = bucket?.members?.[field];
    return since === undefined ? null : { profileId, since };
  }

  /** Every member, bucket by bucket (bounded memory: one bucket at a time). */
  async *all(segment: string): AsyncGenerator<{ profileId: string; since: Date }> {
    for (const bucket of await this.bucketsOf(segment)) {
      const doc = await this.collection.findOne({ _id: `${segment}#${bucket}` });
      for (const [field, since] of Object.entries(doc?.members ?? {})) yield { profileId: decodeCounterKey(field), since };
    }
  }

  /** How many members the buckets hold: the exact size, in one read of the buckets used. */
  async count(segment: string): Promise<number> {
    const ids = (await this.bucketsOf(segment)).map((bucket) => `${segment}#${bucket}`);
    if (ids.length === 0) return 0;
    let total = 0;
    for await (const doc of this.collection.find({ _id: { $in: ids } })) total += Object.keys(doc.members ?? {}).length;
    return total;
  }

  async drop(segment: string): Promise<void> {
    // The list first: should the drop stop half-way, readers visit all 256 again.
    await this.occupied.deleteOne({ _id: occupiedId(segment) });
    await this.collection.deleteMany({ _id: { $in: allBucketIds(segment) } });
  }
  /** As `drop`, for many segments: one delete of their lists, then one of their buckets. */
  async dropMany(segments: readonly string[]): Promise<void> {
    if (segments.length === 0) return;
    await this.occupied.deleteMany({ _id: { $in: segments.map(occupiedId) } });
    // A few segments' buckets a request: the `_id` list stays a few thousand long.
    for (let start = 0; start < segments.length; start += DROPPED_PER_DELETE)
      await this.collection.deleteMany({ _id: { $in: segments.slice(start, start + DROPPED_PER_DELETE).flatMap(allBucketIds) } });
  }
}

const allBucketIds = (segment: string) => Array.from({ length: MEMBER_BUCKETS }, (_, bucket) => `${segment}#${bucket}`);
const bucketNumber = (id: string) => Number(id.slice(id.lastIndexOf('#') + 1));

/** Segment names are identifiers, so this never collides with a bucket's `<segment>#<n>`. */
const occupiedId = (segment: string) => `${segment}#buckets`;

function parseCursor(cursor: string | undefined): [number, string | undefined] {
  if (cursor === undefined) return [0, undefined];
  const colon = cursor.indexOf(':');
  const bucket = Number(cursor.slice(0, colon));
  if (colon < 0 || !Number.isInteger(bucket) || bucket < 0 || bucket >= MEMBER_BUCKETS) throw new InvalidCursorError(cursor);
  return [bucket, cursor.slice(colon + 1)];
}

export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`not a member list cursor: ${cursor}`);
  }
}
