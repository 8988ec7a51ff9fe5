import type { Collection, Db } from 'mongodb';
import type { Sessions } from '../accounts/ports.js';
import type { SessionDoc } from '../accounts/types.js';
import { COLLECTIONS } from './collections.js';

/** How often a session's `lastSeenAt` is written: the idle timeout needs no finer grain. */
export const LAST_SEEN_GRAIN_MS = 60_000;

/**
 * Console sessions, `_id` = SHA-256 of the cookie's token: every request's read is an `_id`
 * lookup. Ended sessions are removed when someone signs in, which keeps the collection to
 * the sessions of the last expiry period.
 */
export class SessionStore implements Sessions {
  private readonly collection: Collection<SessionDoc>;

  constructor(db: Db) {
    this.collection = db.collection<SessionDoc>(COLLECTIONS.sessions);
  }

  async insert(session: SessionDoc): Promise<void> {
    await this.collection.insertOne(session);
  }

  async get(id: string): Promise<SessionDoc | undefined> {
    return (await this.collection.findOne({ _id: id })) ?? undefined;
  }

  /** Records activity for the idle timeout, at most once per LAST_SEEN_GRAIN_MS. */
  async seen(session: SessionDoc, now: Date): Promise<void> {
    if (now.getTime() - session.lastSeenAt.getTime() < LAST_SEEN_GRAIN_MS) return;
    await this.collection.updateOne({ _id: session._id }, { $set: { lastSeenAt: now } });
  }

  async revoke(id: string, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: id, revokedAt: { $exists: false } }, { $set: { revokedAt: now } });
  }

  /** Removes sessions that can no longer be used. Scans the collection: called at sign-in, not per request. */
  async removeEnded(now: Date, idleMs: number): Promise<number> {
    const ended = [
      { expiresAt: { $lte: now } },
      { revokedAt: { $exists: true } },
      ...(idleMs > 0 ? [{ lastSeenAt: { $lte: new Date(now.getTime() - idleMs) } }] : []),
    ];
    const result = await this.collection.deleteMany({ $or: ended });
    return result.deletedCount;
  }
}
