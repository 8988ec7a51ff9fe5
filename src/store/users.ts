import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { SignInClaim, UserChanges, Users } from '../accounts/ports.js';
import { claimAttempt, lockedFor, NO_FAILURES, type ThrottleState } from '../accounts/throttle.js';
import type { UserDoc } from '../accounts/types.js';
import { COLLECTIONS } from './collections.js';

/** Throttle records for names that are not accounts (see `unknownNameThrottleId`). */
const UNKNOWN_PREFIX = '#unknown/';
const UNKNOWN_BUCKETS = 256;
/** Claims that lose a race re-read and try again; past this many the caller is told to wait. */
const CLAIM_TRIES = 16;

/** Forgets the failures; the version moves on, so a claim that read the old state loses its race. */
const CLEAR_FAILURES = {
  $set: { 'signIn.failures': 0 },
  $unset: { 'signIn.lockedUntil': '', 'signIn.lastFailureAt': '' } as Record<string, ''>,
  $inc: { 'signIn.version': 1 },
};

function unknownNameThrottleId(name: string): string {
  return `${UNKNOWN_PREFIX}${createHash('sha256').update(name).digest().readUInt32BE(0) % UNKNOWN_BUCKETS}`;
}

type ThrottleDoc = { _id: string; signIn?: ThrottleState };

/**
 * The console's users, `_id` = the normalised user name. A small collection (people, not
 * customers): listing it scans, every other read is an `_id` lookup. It also holds the
 * sign-in throttle of names that are not accounts, in a bounded number of documents whose
 * `_id`s no user name can take.
 */
export class UserStore implements Users {
  private readonly collection: Collection<UserDoc>;
  private readonly throttles: Collection<ThrottleDoc>;

  constructor(db: Db) {
    this.collection = db.collection<UserDoc>(COLLECTIONS.users);
    this.throttles = db.collection<ThrottleDoc>(COLLECTIONS.users);
  }

  async get(name: string): Promise<UserDoc | undefined> {
    if (name.startsWith(UNKNOWN_PREFIX)) return undefined;
    return (await this.collection.findOne({ _id: name })) ?? undefined;
  }

  /** False when the name is taken. */
  async insert(user: UserDoc): Promise<boolean> {
    try {
      await this.collection.insertOne(user);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  /** Every user, by name. */
  async list(): Promise<UserDoc[]> {
    const docs = await this.collection.find({}).toArray();
    return docs.filter((doc) => !doc._id.startsWith(UNKNOWN_PREFIX)).sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  }

  /** The user as changed, or undefined when there is no such user. */
  async update(name: string, changes: UserChanges): Promise<UserDoc | undefined> {
    if (name.startsWith(UNKNOWN_PREFIX)) return undefined;
    const set: Record<string, unknown> = {};
    const inc: Record<string, number> = {};
    const unset: Record<string, ''> = {};
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.disabled !== undefined) set.disabled = changes.disabled;
    if (changes.passwordHash !== undefined) {
      set.passwordHash = changes.passwordHash;
      // A new password also lifts a lock: the admin who set it has vouched for the person.
      Object.assign(set, CLEAR_FAILURES.$set);
      Object.assign(unset, CLEAR_FAILURES.$unset);
      Object.assign(inc, CLEAR_FAILURES.$inc);
    }
    if (changes.endSessions) inc.sessionGeneration = 1;
    const update = {
      ...(Object.keys(set).length > 0 ? { $set: set } : {}),
      ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
      ...(Object.keys(inc).length > 0 ? { $inc: inc } : {}),
    };
    if (Object.keys(update).length === 0) return this.get(name);
    const result = await this.collection.findOneAndUpdate({ _id: name }, update, { returnDocument: 'after' });
    return result ?? undefined;
  }

  /**
   * Claims one sign-in attempt for `name` before its password is checked: refused while
   * locked, else counted as a failure (and the lock set when it reaches the limit) by a
   * write guarded on the version read. Parallel attempts, from any process, are thus
   * counted one by one. A name that is no account is counted on one of a fixed number of
   * throttle records chosen by a hash of the name: guessing at names is throttled like
   * guessing at passwords, looks the same from outside, and the records stay bounded.
   */
  claimSignIn(name: string, now: Date): Promise<SignInClaim> {
    return this.claim(name, now);
  }

  private async claim(name: string, now: Date): Promise<SignInClaim> {
    let isUser = !name.startsWith(UNKNOWN_PREFIX);
    let id = isUser ? name : unknownNameThrottleId(name);
    for (let attempt = 0; attempt < CLAIM_TRIES; attempt++) {
      const doc = await this.throttles.findOne({ _id: id });
      if (!doc && isUser) {
        isUser = false;
        id = unknownNameThrottleId(name);
        attempt--;
        continue;
      }
      const state = doc?.signIn ?? NO_FAILURES;
      const wait = lockedFor(state, now);
      if (wait > 0) return { allowed: false, retryAfterMs: wait };
      const guard = doc?.signIn ? { 'signIn.version': state.version } : { signIn: { $exists: false } };
      try {
        const result = await this.throttles.updateOne(
          { _id: id, ...guard },
          { $set: { signIn: claimAttempt(state, now) } },
          { upsert: !isUser },
        );
        if (result.matchedCount + result.upsertedCount === 1) return isUser ? { allowed: true, user: doc as UserDoc } : { allowed: true };
      } catch (error) {
        // Two first attempts on a new throttle record: one inserts it, the other reads again.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
    }
    return { allowed: false, retryAfterMs: 1000 };
  }

  /** A successful sign-in: the failures are forgotten; a hash made with old parameters is replaced. */
  async signedIn(name: string, now: Date, newPasswordHash?: string): Promise<void> {
    await this.collection.updateOne(
      { _id: name },
      {
        $set: { ...CLEAR_FAILURES.$set, lastSignInAt: now, ...(newPasswordHash ? { passwordHash: newPasswordHash } : {}) },
        $unset: CLEAR_FAILURES.$unset,
        $inc: CLEAR_FAILURES.$inc,
      },
    );
  }
}
