import type { Collection, Db, Filter, UpdateFilter } from 'mongodb';
import { isFerretDb } from './engine.js';
import type { Counters, IdentityKind, ProfileDoc, Traits } from '../model.js';
import { COLLECTIONS } from './collections.js';
import { KeyedLock } from './keyed-lock.js';
import { ProfileRedirectStore } from './merges.js';

/** What one or more events add to their profile, gathered by ingestion. */
export interface ProfileActivity {
  /** Earliest and latest event time, for first/last seen. */
  firstAt: Date;
  lastAt: Date;
  traits?: Traits;
  /** Counter increments: only for events stored for the first time. */
  counters?: { key: string; sums: Record<string, number> }[];
  groupIds?: string[];
}

/** The `$inc` that counts these events once each (`sign` 1), or takes them back (-1). */
function counterInc(increments: NonNullable<ProfileActivity['counters']>, sign: 1 | -1): Record<string, number> {
  const inc: Record<string, number> = {};
  for (const { key, sums } of increments) {
    inc[`counters.${key}.count`] = (inc[`counters.${key}.count`] ?? 0) + sign;
    for (const [property, value] of Object.entries(sums)) {
      const path = `counters.${key}.sum.${property}`;
      inc[path] = (inc[path] ?? 0) + sign * value;
    }
  }
  return inc;
}

/** The update that applies an activity to a profile: one place for what events do to it. */
function activityUpdate(activity: ProfileActivity, now: Date): UpdateFilter<ProfileDoc> {
  const set: Record<string, unknown> = { updatedAt: now };
  for (const [key, value] of Object.entries(activity.traits ?? {})) set[`traits.${key}`] = value;
  const update: UpdateFilter<ProfileDoc> = { $set: set, $min: { firstSeenAt: activity.firstAt }, $max: { lastSeenAt: activity.lastAt } };
  const inc = counterInc(activity.counters ?? [], 1);
  if (Object.keys(inc).length > 0) update.$inc = inc;
  if (activity.groupIds?.length) update.$addToSet = { groupIds: { $each: activity.groupIds } };
  return update;
}

/** Sets a dotted path in a plain document, creating objects on the way, as `$set` would. */
function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node = (typeof next === 'object' && next !== null && !Array.isArray(next) ? next : (node[part] = {})) as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

/**
 * A new person's profile with their first events already applied: the document that
 * `create` followed by `recordActivity` would leave, written at once.
 */
export function newProfileDoc(id: string, identities: ProfileDoc['identities'], now: Date, activity?: ProfileActivity): ProfileDoc {
  const doc: ProfileDoc = {
    _id: id, traits: {}, tags: [], identities, consents: {}, counters: {}, journeys: {},
    firstSeenAt: now, lastSeenAt: now, createdAt: now, updatedAt: now,
  };
  if (!activity) return doc;
  const update = activityUpdate(activity, now);
  const target = doc as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(update.$set ?? {})) setPath(target, path, value);
  for (const [path, value] of Object.entries((update.$inc ?? {}) as Record<string, number>)) setPath(target, path, value);
  if (activity.firstAt < doc.firstSeenAt) doc.firstSeenAt = activity.firstAt;
  if (activity.lastAt > doc.lastSeenAt) doc.lastSeenAt = activity.lastAt;
  if (activity.groupIds?.length) doc.groupIds = [...new Set(activity.groupIds)];
  return doc;
}

/** Fresh decisions decideAndSet makes before giving up (the caller's retry takes over). */
const DECISION_TRIES = 5;

/**
 * Profiles: one document per person; every write is a single atomic update. A profile
 * merged into another is gone, but its id keeps resolving through `profile_redirects`:
 * reads and effects addressed to the old id land on the survivor.
 */
export class ProfileStore {
  private readonly collection: Collection<ProfileDoc>;
  readonly redirects: ProfileRedirectStore;
  /** Every update of a profile goes through here: see keyed-lock.ts for why. */
  private readonly writes = new KeyedLock();
  /** Whether decideAndSet guards its write against other processes (see there). */
  private guardsWrites?: Promise<boolean>;

  /** `guardWrites` forces the guard on or off; by default it is on for MongoDB only. */
  constructor(private readonly db: Db, options: { guardWrites?: boolean } = {}) {
    this.collection = db.collection<ProfileDoc>(COLLECTIONS.profiles);
    this.redirects = new ProfileRedirectStore(db);
    if (options.guardWrites !== undefined) this.guardsWrites = Promise.resolve(options.guardWrites);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ tags: 1 });
    await this.collection.createIndex({ lastSeenAt: 1 });
    await this.redirects.ensureIndexes();
  }

  /** The profile, following a merge redirect when the id was merged away. */
  async findById(id: string): Promise<ProfileDoc | null> {
    const profile = await this.collection.findOne({ _id: id });
    if (profile) return profile;
    const into = await this.redirects.target(id);
    return into ? this.collection.findOne({ _id: into }) : null;
  }

  /**
   * The profile stored under this very id, not following a redirect: null when the id was
   * merged away or erased. Identity resolution and erasure need to tell those apart.
   */
  findExact(id: string): Promise<ProfileDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Every profile id after `after` (all when absent), in `_id` order: a scan, for whole-population passes. */
  idsAfter(after?: string): AsyncIterable<{ _id: string }> {
    return this.collection.find(after === undefined ? {} : { _id: { $gt: after } }, { projection: { _id: 1 } }).sort({ _id: 1 });
  }

  /** Roughly how many profiles there are (from collection metadata: no scan). */
  estimatedCount(): Promise<number> {
    return this.collection.estimatedDocumentCount();
  }

  /**
   * Every profile's consent projection and ledger list, streamed: the reports of the data
   * protection officer and the check of projections against the ledger. Scans the collection.
   */
  consentsOfAll(): AsyncIterable<Pick<ProfileDoc, '_id' | 'consents' | 'consentLog'>> {
    return this.collection.find({}, { projection: { consents: 1, consentLog: 1 } });
  }

  /** Sets a profile's consent projection (a repair after checking it against the ledger). */
  async setConsents(id: string, consents: ProfileDoc['consents'], now: Date): Promise<void> {
    await this.update(id, { $set: { consents, updatedAt: now } });
  }

  /** Creates a new person's profile; harmless if a racing request created it first. */
  async create(id: string, identities: ProfileDoc['identities'], now: Date): Promise<void> {
    // An insert, not an upsert with $setOnInsert: FerretDB v1 drops empty arrays from
    // $setOnInsert, and the unique _id already makes racing creators safe.
    try {
      await this.collection.insertOne(newProfileDoc(id, identities, now));
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  /** New people's profiles, in one request (their ids are fresh, so none can collide). */
  async createMany(docs: ProfileDoc[]): Promise<void> {
    if (docs.length > 0) await this.collection.insertMany(docs);
  }

  async addIdentities(id: string, refs: { kind: IdentityKind; value: string }[], now: Date): Promise<void> {
    if (refs.length === 0) return;
    const byKind = new Map<string, string[]>();
    for (const ref of refs) byKind.set(ref.kind, [...(byKind.get(ref.kind) ?? []), ref.value]);
    const addToSet = Object.fromEntries([...byKind].map(([kind, values]) => [`identities.${kind}`, { $each: values }]));
    await this.update(id, { $addToSet: addToSet, $set: { updatedAt: now } });
  }

  /**
   * Applies what events say about their profile. Returns the profile as updated (the
   * survivor, if it was merged meanwhile), or null when the profile is gone.
   */
  async recordActivity(id: string, activity: ProfileActivity, now: Date): Promise<ProfileDoc | null> {
    const update = activityUpdate(activity, now);
    return this.followingRedirect(id, (target) => this.updateReturning(target, update));
  }

  /** Returns false when the profile no longer exists (erased): effects never resurrect it. */
  async addTag(id: string, tag: string, now: Date): Promise<boolean> {
    return (await this.updateFollowingRedirect(id, { $addToSet: { tags: tag }, $set: { updatedAt: now } })) !== null;
  }

  async removeTag(id: string, tag: string, now: Date): Promise<boolean> {
    return (await this.updateFollowingRedirect(id, { $pull: { tags: tag }, $set: { updatedAt: now } })) !== null;
  }

  /**
   * Rectification: sets and removes top-level traits in one write. The profile id it was
   * written under (the survivor, if merged), or null when the profile is gone.
   */
  async rectifyTraits(id: string, set: Record<string, unknown>, unset: readonly string[], now: Date): Promise<string | null> {
    const update: UpdateFilter<ProfileDoc> = { $set: { updatedAt: now, ...Object.fromEntries(Object.entries(set).map(([name, value]) => [`traits.${name}`, value])) } };
    if (unset.length > 0) update.$unset = Object.fromEntries(unset.map((name) => [`traits.${name}`, ''])) as never;
    return this.updateFollowingRedirect(id, update);
  }

  async setTrait(id: string, path: string, value: unknown, now: Date): Promise<boolean> {
    return (await this.updateFollowingRedirect(id, { $set: { [`traits.${path}`]: value, updatedAt: now } })) !== null;
  }

  /**
   * Reads the profile, lets `decide` judge it, and sets what it returns, under the
   * profile's write lock: a check-then-write that no concurrent update of this process
   * slips into. Other processes (several Itinera processes on one MongoDB) are kept out
   * by the decision's `guard`, a filter on what it read: when another process changed
   * that in between, nothing is written and the decision is made again on the fresh
   * profile. On FerretDB, where one process is the rule and any filter but `_id` scans
   * the collection, the lock alone does. Follows a merge redirect; null when the profile
   * is gone.
   */
  async decideAndSet<T extends { set?: Record<string, unknown>; guard?: Filter<ProfileDoc> }>(id: string, decide: (profile: ProfileDoc) => T | Promise<T>): Promise<T | null> {
    const guarded = await (this.guardsWrites ??= isFerretDb(this.db).then((ferret) => !ferret));
    return this.followingRedirect(id, (target) => this.writes.run(target, async () => {
      for (let tries = 1; ; tries++) {
        const profile = await this.collection.findOne({ _id: target });
        if (!profile) return null;
        const decision = await decide(profile);
        if (!decision.set) return decision;
        const filter = guarded && decision.guard ? { ...decision.guard, _id: target } : { _id: target };
        if ((await this.collection.updateOne(filter, { $set: decision.set })).matchedCount === 1) return decision;
        if (tries === DECISION_TRIES) throw new Error(`profile ${target} changed under ${DECISION_TRIES} decisions in a row`);
      }
    }));
  }

  /** Takes the run off the profile; whether it was there (a retried call finds it gone). */
  async leaveJourney(id: string, workflowId: string): Promise<boolean> {
    const field = `journeys.${workflowId}`;
    const left = await this.followingRedirect(id, async (target) => {
      const result = await this.writes.run(target, () => this.collection.updateOne({ _id: target }, { $unset: { [field]: '' } }));
      // Matched, the profile is here: the answer is whether the run was on it.
      return result.matchedCount === 1 ? result.modifiedCount === 1 : null;
    });
    return left === true;
  }

  /**
   * Folds a merged-away profile into the survivor, once, then points its id at the
   * survivor and deletes it. The check of `mergedFrom` makes a re-run of an interrupted
   * merge finish the job instead of counting everything twice. All of it happens while
   * holding both profiles' write locks: an update of `from` waiting behind them (a tag, a
   * journey admission, the profile writer) finds it gone and follows the redirect to the
   * survivor, so none is lost on a profile about to disappear.
   */
  async absorb(into: string, from: string, combine: (survivor: ProfileDoc, absorbed: ProfileDoc) => Partial<ProfileDoc>, now: Date): Promise<void> {
    const [first, second] = [into, from].sort();
    await this.writes.run(first!, () => this.writes.run(second!, async () => {
      const [survivor, absorbed] = await Promise.all([this.collection.findOne({ _id: into }), this.collection.findOne({ _id: from })]);
      if (!survivor) return;
      if (absorbed && !survivor.mergedFrom?.includes(from)) {
        // Filtered by `_id` alone (FerretDB's only indexed filter); the lock makes the check above hold.
        await this.collection.updateOne({ _id: into }, { $set: combine(survivor, absorbed), $addToSet: { mergedFrom: from } });
      }
      await this.redirects.redirect(from, into, now);
      if (absorbed) await this.collection.deleteOne({ _id: from });
    }));
  }

  /**
   * Takes back counter increments a new profile was created with for messages that turned
   * out to be repeats (see ingest.ts). Follows a merge: the counts went with the profile.
   */
  async uncount(id: string, increments: NonNullable<ProfileActivity['counters']>, now: Date): Promise<void> {
    await this.updateFollowingRedirect(id, { $inc: counterInc(increments, -1), $set: { updatedAt: now } });
  }

  /** Replaces the counters wholesale (the outbox sweeper recomputes them after a crash). */
  async setCounters(id: string, counters: Counters): Promise<void> {
    await this.update(id, { $set: { counters } });
  }

  /** Retention: people last seen before `cutoff`, at most `limit`. On FerretDB this scans the profiles. */
  async inactiveSince(cutoff: Date, limit: number): Promise<string[]> {
    return (await this.collection.find({ lastSeenAt: { $lt: cutoff } }, { projection: { _id: 1 } }).limit(limit).toArray()).map((doc) => doc._id);
  }

  async deleteById(id: string): Promise<number> {
    return (await this.collection.deleteOne({ _id: id })).deletedCount;
  }

  private async update(id: string, update: UpdateFilter<ProfileDoc>): Promise<boolean> {
    return (await this.writes.run(id, () => this.collection.updateOne({ _id: id }, update))).matchedCount === 1;
  }

  /** The update, answered with the document as it is afterwards (null if there is none). */
  private async updateReturning(id: string, update: UpdateFilter<ProfileDoc>): Promise<ProfileDoc | null> {
    return this.writes.run(id, () => this.collection.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }));
  }

  private async updateFollowingRedirect(id: string, update: UpdateFilter<ProfileDoc>): Promise<string | null> {
    return this.followingRedirect(id, async (target) => ((await this.update(target, update)) ? target : null));
  }

  /**
   * `attempt` on the profile, or, when it finds none (null), on the survivor the id was
   * merged into: effects addressed to a merged-away id land on the person.
   */
  private async followingRedirect<T>(id: string, attempt: (target: string) => Promise<T | null>): Promise<T | null> {
    const result = await attempt(id);
    if (result !== null) return result;
    const into = await this.redirects.target(id);
    return into === null ? null : attempt(into);
  }
}
