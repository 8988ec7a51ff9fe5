import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';

/**
 * Where a broadcast stands. `running` and `paused` until it ends; `completed` (every
 * member of its audience handled) and `cancelled` are final: a broadcast is one-off.
 */
export type BroadcastState = 'running' | 'paused' | 'cancelled' | 'completed';
export const FINAL_BROADCAST_STATES: readonly BroadcastState[] = ['completed', 'cancelled'];

/** How a skipped member is counted: the reason, as a short code. */
export type SkipReason = 'no consent' | 'suppressed' | 'erased' | 'no address' | 'frequency cap' | 'not configured';

export interface BroadcastCounts {
  sent: number;
  failed: number;
  skipped: Partial<Record<SkipReason, number>>;
}

/**
 * One broadcast's start and progress, under its name: what the API reads (an `_id`
 * lookup) and what each batch updates. Holds no personal data: counts and settings.
 */
export interface BroadcastDoc extends BroadcastCounts {
  _id: string;
  state: BroadcastState;
  /** The rules version whose declaration it runs (the active one at the start). */
  rulesVersion: number;
  segment: string;
  template: string;
  /** The declaration's rate, or the start's. */
  ratePerSecond?: number;
  quietHours?: { start: string; end: string };
  /** Where the quiet hours are read. */
  timeZone: string;
  /** Members per chunk (one batch); AUDIENCE_CHUNK_SIZE unless the start chose. */
  batchSize?: number;
  startedAt: Date;
  /** Who started it: the admin key or a console user (src/server/actor.ts). */
  startedBy: string;
  updatedAt: Date;
  finishedAt?: Date;
  /** Set once the audience is taken: its size and the chunks it is stored in. */
  audience?: { total: number; chunks: number };
  /** Chunks of the audience whose batch is recorded (always a prefix: batch k is recorded after k-1). */
  doneChunks: number;
  /** Sleeping through quiet hours until then. */
  waitingUntil?: Date | null;
}

/** Profile ids of one part of an audience, as they were at the start. */
interface AudienceChunkDoc {
  /** `<broadcast>#<chunk>` */
  _id: string;
  profileIds: string[];
}

/**
 * Members per audience chunk: one batch of sends, and one `_id` read for it. Under a rate,
 * 200 or a minute's worth; without one, 5,000: between two chunks the mail pool runs dry
 * (the last answers, the chunk's record, the workflow's turn, the next activity and its
 * first group), which at 1,000 a chunk cost a quarter of the sending rate. A pause or
 * cancel does not wait for the chunk's end: it stops the chunk at its next group.
 */
export const AUDIENCE_CHUNK_SIZE = 200;
export const MAX_AUDIENCE_CHUNK_SIZE = 5_000;

export class BroadcastStore {
  private readonly collection: Collection<BroadcastDoc>;
  private readonly audiences: Collection<AudienceChunkDoc>;

  constructor(db: Db) {
    this.collection = db.collection<BroadcastDoc>(COLLECTIONS.broadcasts);
    this.audiences = db.collection<AudienceChunkDoc>(COLLECTIONS.broadcastAudiences);
  }

  async get(name: string): Promise<BroadcastDoc | null> {
    return this.collection.findOne({ _id: name });
  }

  /**
   * Every broadcast ever started: one document per broadcast (they grow with mailings, not
   * with people), read whole, without the audience chunks.
   */
  async list(): Promise<BroadcastDoc[]> {
    return this.collection.find({}).sort({ _id: 1 }).toArray();
  }

  /** Records the start; false when the broadcast was started before (whatever its state now). */
  async create(doc: Omit<BroadcastDoc, 'sent' | 'failed' | 'skipped' | 'doneChunks'>): Promise<boolean> {
    try {
      await this.collection.insertOne({ ...doc, sent: 0, failed: 0, skipped: {}, doneChunks: 0 });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  /**
   * Moves the state from one of `from` to `to`, in one write guarded by the state read
   * (two admins pausing and cancelling at once: one wins, the other is told the new state).
   * The document after the move, or null when it was not in one of `from`.
   */
  async transition(name: string, from: readonly BroadcastState[], to: BroadcastState, at: Date): Promise<BroadcastDoc | null> {
    const moved = await this.collection.findOneAndUpdate(
      { _id: name, state: { $in: [...from] } },
      { $set: { state: to, updatedAt: at, ...(FINAL_BROADCAST_STATES.includes(to) ? { finishedAt: at } : {}) } },
      { returnDocument: 'after' },
    );
    return moved ?? null;
  }

  /**
   * Writes one chunk of the audience (a retried snapshot writes it again, the same or
   * newer: nothing is sent before the audience is fixed by `fixAudience`).
   */
  async writeAudienceChunk(name: string, chunk: number, profileIds: string[]): Promise<void> {
    await this.audiences.updateOne({ _id: chunkId(name, chunk) }, { $set: { profileIds } }, { upsert: true });
  }

  /** Fixes the audience's size once: a second call (a retried snapshot) keeps the first. The audience as fixed. */
  async fixAudience(name: string, audience: { total: number; chunks: number }, at: Date): Promise<{ total: number; chunks: number }> {
    await this.collection.updateOne({ _id: name, audience: { $exists: false } }, { $set: { audience, updatedAt: at } });
    const doc = await this.get(name);
    if (!doc?.audience) throw new Error(`broadcast ${name} is not started`);
    return doc.audience;
  }

  /**
   * Deletes the audience of a broadcast that has ended (completed or cancelled): the
   * profile ids it named are kept only while it runs, so an erased person's id does not
   * outlive the broadcast. One `$in` of the chunks' ids.
   */
  async dropAudience(name: string, chunks: number): Promise<void> {
    if (chunks === 0) return;
    await this.audiences.deleteMany({ _id: { $in: Array.from({ length: chunks }, (_, chunk) => chunkId(name, chunk)) } });
  }

  async audienceChunk(name: string, chunk: number): Promise<string[]> {
    return (await this.audiences.findOne({ _id: chunkId(name, chunk) }))?.profileIds ?? [];
  }

  /**
   * Adds a batch's counts once: guarded by the number of chunks recorded, so a batch
   * retried after a crash (its sends found already done) does not count twice. Whether
   * this call recorded it.
   */
  async recordBatch(name: string, chunk: number, counts: BroadcastCounts, at: Date): Promise<boolean> {
    const inc: Record<string, number> = { sent: counts.sent, failed: counts.failed };
    for (const [reason, n] of Object.entries(counts.skipped)) if (n) inc[`skipped.${reason}`] = n;
    const result = await this.collection.updateOne(
      { _id: name, doneChunks: chunk },
      { $inc: inc, $set: { doneChunks: chunk + 1, updatedAt: at } },
    );
    return result.modifiedCount === 1;
  }

  /** Sleeping through quiet hours until `until`, or awake again (null). */
  async setWaiting(name: string, until: Date | null, at: Date): Promise<void> {
    await this.collection.updateOne({ _id: name }, { $set: { waitingUntil: until, updatedAt: at } });
  }
}

const chunkId = (name: string, chunk: number) => `${name}#${chunk}`;
