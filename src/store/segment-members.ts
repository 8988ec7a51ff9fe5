import type { Collection, Db } from 'mongodb';
import { counterKey, decodeCounterKey } from '../profile/counters.js';
import { COLLECTIONS } from './collections.js';
import { KeyedLock } from './keyed-lock.js';

interface MemberBucketDoc {
  /** `<segment>#<bucket>` */
  _id: string;
  segment: string;
  /** Member profile ids (encoded as field names) → since. */
  members: Record<string, Date>;
}

/**
 * Buckets per segment. A member list read page by page must not scan (FerretDB answers
 * only `_id` lookups from an index, and not ranges), so a segment's members live in a
 * fixed number of documents found by `_id`: a profile's bucket is a hash of its id.
 * 256 keeps a bucket near 400 members at 100,000, and a full listing at 256 lookups.
 */
export const MEMBER_BUCKETS = 256;

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
  /** Adds and removes are read-then-write on FerretDB: serialised per bucket (keyed-lock.ts). */
  private readonly writes = new KeyedLock();

  constructor(db: Db) {
    this.collection = db.collection<MemberBucketDoc>(COLLECTIONS.segmentMembers);
  }

  /**
   * Adds the member unless listed already; false then (a change applied again). A read and
   * an update, both by `_id` (on FerretDB a filter on anything else scans the collection),
   * serialised per bucket (keyed-lock.ts).
   */
  add(segment: string, profileId: string, since: Date): Promise<boolean> {
    const id = `${segment}#${bucketOf(profileId)}`;
    const field = counterKey(profileId);
    return this.writes.run(id, async () => {
      const bucket = await this.collection.findOne({ _id: id }, { projection: { [`members.${field}`]: 1 } });
      if (bucket?.members && Object.hasOwn(bucket.members, field)) return false;
      await this.collection.updateOne({ _id: id }, { $set: { segment, [`members.${field}`]: since } }, { upsert: true });
      return true;
    });
  }

  /** Removes the member; false when it was not listed (a change applied again). */
  remove(segment: string, profileId: string): Promise<boolean> {
    const id = `${segment}#${bucketOf(profileId)}`;
    return this.writes.run(id, async () => (await this.collection.updateOne({ _id: id }, { $unset: { [`members.${counterKey(profileId)}`]: '' } })).modifiedCount > 0);
  }

  /**
   * Up to `limit` members from `cursor` on (opaque to callers: `<bucket>:<last profile id>`),
   * in bucket order and, within a bucket, by profile id.
   */
  async page(segment: string, limit: number, cursor?: string): Promise<MemberPage> {
    let [bucket, after] = parseCursor(cursor);
    let lastBucket = bucket;
    const members: MemberPage['members'] = [];
    for (; bucket < MEMBER_BUCKETS; bucket++, after = undefined) {
      const doc = await this.collection.findOne({ _id: `${segment}#${bucket}` });
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
    for (let bucket = 0; bucket < MEMBER_BUCKETS; bucket++) {
      const doc = await this.collection.findOne({ _id: `${segment}#${bucket}` });
      for (const [field, since] of Object.entries(doc?.members ?? {})) yield { profileId: decodeCounterKey(field), since };
    }
  }

  /** How many members the buckets hold: the exact size, at 256 lookups. */
  async count(segment: string): Promise<number> {
    let total = 0;
    for (let bucket = 0; bucket < MEMBER_BUCKETS; bucket++) {
      const doc = await this.collection.findOne({ _id: `${segment}#${bucket}` });
      total += Object.keys(doc?.members ?? {}).length;
    }
    return total;
  }

  async drop(segment: string): Promise<void> {
    for (let bucket = 0; bucket < MEMBER_BUCKETS; bucket++) await this.collection.deleteOne({ _id: `${segment}#${bucket}` });
  }
}

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
