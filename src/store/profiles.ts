import type { Collection, Db, Filter, UpdateFilter } from 'mongodb';
import type { IdentityKind, ProfileDoc, SegmentState, Traits } from '../model.js';
import { COLLECTIONS } from './collections.js';
import { ProfileRedirectStore } from './merges.js';

type SegmentField = keyof SegmentState;
type PersonField = Exclude<keyof ProfileDoc, SegmentField | '_id' | 'rev'>;

/** What `decideAndSet` may set: the person's fields, whole or by a dotted path under one; never the segment engine's. */
export type ProfileSet = { [K in PersonField]?: ProfileDoc[K] | null } & { [K in SegmentField]?: never } & {
  [path: `${PersonField}.${string}`]: unknown;
};

/** What the segment engine's decisions set (`decideSegmentState`): its own fields, and nothing else. */
export type SegmentStateSet = { [K in SegmentField]?: ProfileDoc[K] | null } & { [K in PersonField]?: never } & {
  [path: `${SegmentField}.${string}`]: unknown;
};

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

/** Several events' effects as one update: later traits win, counters add up. */
export function combineActivities(activities: readonly ProfileActivity[]): ProfileActivity {
  const [first, ...rest] = activities;
  if (!first) throw new Error('combineActivities needs at least one activity');
  return rest.reduce<ProfileActivity>(
    (sum, next) => ({
      firstAt: next.firstAt < sum.firstAt ? next.firstAt : sum.firstAt,
      lastAt: next.lastAt > sum.lastAt ? next.lastAt : sum.lastAt,
      traits: { ...sum.traits, ...next.traits },
      counters: [...(sum.counters ?? []), ...(next.counters ?? [])],
      groupIds: [...new Set([...(sum.groupIds ?? []), ...(next.groupIds ?? [])])],
    }),
    first,
  );
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
  update.$inc = { ...counterInc(activity.counters ?? [], 1), rev: 1 };
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
export function newProfileDoc(
  id: string,
  identities: ProfileDoc['identities'],
  now: Date,
  activity?: ProfileActivity,
  outboxId?: string,
): ProfileDoc {
  const doc: ProfileDoc = {
    _id: id,
    traits: {},
    tags: [],
    identities,
    consents: {},
    counters: {},
    journeys: {},
    firstSeenAt: now,
    lastSeenAt: now,
    createdAt: now,
    updatedAt: now,
    rev: 1,
    ...(outboxId ? { appliedBatches: { [outboxId]: now } } : {}),
  };
  return activity ? withActivity(doc, activity, now, { countWrite: false }) : doc;
}

/** Reads a dotted path of a plain document; undefined where it stops. */
function getPath(doc: Record<string, unknown>, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * The profile as `activityUpdate` leaves it, computed in memory on a copy (what is read is
 * never changed): `$set`, `$inc`, `$min`, `$max` and `$addToSet` as the database applies
 * them. `countWrite`: whether `rev` counts the write (a new document starts at 1).
 */
export function withActivity(profile: ProfileDoc, activity: ProfileActivity, now: Date, { countWrite = true } = {}): ProfileDoc {
  const doc = structuredClone(profile);
  const update = activityUpdate(activity, now);
  const target = doc as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(update.$set ?? {})) setPath(target, path, value);
  for (const [path, value] of Object.entries((update.$inc ?? {}) as Record<string, number>)) {
    if (path === 'rev' && !countWrite) continue;
    const before = getPath(target, path);
    setPath(target, path, (typeof before === 'number' ? before : 0) + value);
  }
  if (activity.firstAt < doc.firstSeenAt) doc.firstSeenAt = activity.firstAt;
  if (activity.lastAt > doc.lastSeenAt) doc.lastSeenAt = activity.lastAt;
  if (activity.groupIds?.length) doc.groupIds = [...new Set([...(doc.groupIds ?? []), ...activity.groupIds])];
  return doc;
}

/** Writes a guarded decision or batch application tries before giving up (the caller's retry takes over). */
const GUARDED_TRIES = 20;

/**
 * How long a profile keeps the mark of a batch applied to it. A mark is needed until the
 * batch's outbox entry says it is applied (seconds after the write); a day covers a batch
 * whose process died and whose entry waits for a sweeper through any outage short of that.
 */
export const APPLIED_MARK_KEEP_MS = 24 * 3600_000;

/** One batch's part of a profile write: what its events add to the profile. */
export interface BatchActivity {
  outboxId: string;
  activity: ProfileActivity;
}

/** A filter that matches the profile only as it was read: every write counts `rev` up. */
function unchanged(profile: Pick<ProfileDoc, 'rev'>): Filter<ProfileDoc> {
  return profile.rev === undefined ? { rev: { $exists: false } } : { rev: profile.rev };
}

/** The same update, counting the profile's writes (`rev`). */
function counted(update: UpdateFilter<ProfileDoc>): UpdateFilter<ProfileDoc> {
  return { ...update, $inc: { ...(update.$inc as Record<string, number> | undefined), rev: 1 } as never };
}

/**
 * Profiles: one document per person; every write is a single atomic update, and every
 * read-decide-write is guarded by what it read (the profile's `rev`), so several processes
 * on one database lose nothing: a write that finds the profile changed decides again.
 * A profile merged into another is gone, but its id keeps resolving through
 * `profile_redirects`: reads and effects addressed to the old id land on the survivor.
 */
export class ProfileStore {
  private readonly collection: Collection<ProfileDoc>;
  readonly redirects: ProfileRedirectStore;

  constructor(db: Db) {
    this.collection = db.collection<ProfileDoc>(COLLECTIONS.profiles);
    this.redirects = new ProfileRedirectStore(db);
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ tags: 1 });
    await this.collection.createIndex({ lastSeenAt: 1 });
  }

  /** The profile, following a merge redirect when the id was merged away. */
  async findById(id: string): Promise<ProfileDoc | null> {
    const profile = await this.collection.findOne({ _id: id });
    if (profile) return profile;
    const into = await this.redirects.target(id);
    return into ? this.collection.findOne({ _id: into }) : null;
  }

  /**
   * Several profiles in one read (an `$in` of the `_id` index), by the id asked; an id merged
   * away is followed as `findById` does, and a missing one is left out.
   */
  async findByIds(ids: readonly string[]): Promise<Map<string, ProfileDoc>> {
    const found = new Map<string, ProfileDoc>();
    if (ids.length === 0) return found;
    for (const profile of await this.collection.find({ _id: { $in: [...ids] } }).toArray()) found.set(profile._id, profile);
    await Promise.all(
      ids
        .filter((id) => !found.has(id))
        .map(async (id) => {
          const profile = await this.findById(id);
          if (profile) found.set(id, profile);
        }),
    );
    return found;
  }

  /**
   * The profiles stored under these very ids, in one `$in` (a search of the `_id` index),
   * not following redirects: an id merged away or erased is absent from the map. A page of
   * members or of people found costs one round trip, not one per person.
   */
  async findExactByIds(ids: readonly string[]): Promise<Map<string, ProfileDoc>> {
    if (ids.length === 0) return new Map();
    const found = await this.collection.find({ _id: { $in: [...new Set(ids)] } }).toArray();
    return new Map(found.map((profile) => [profile._id, profile]));
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

  /**
   * Profiles whose trait at `path` (dots for nested) equals `value` (an array trait: one of
   * its elements), in the collection's natural order, after `skip` matches: a filter
   * the database applies as it reads (on FerretDB a read of profiles until enough match, with
   * no index), given up after `maxTimeMS` (`timedOut`). The console's search by trait.
   */
  async withTrait(
    path: string,
    value: unknown,
    page: { skip: number; limit: number; maxTimeMS: number },
  ): Promise<{ found: Pick<ProfileDoc, '_id' | 'traits' | 'identities' | 'lastSeenAt'>[]; timedOut: boolean }> {
    try {
      const found = await this.collection
        .find({ [`traits.${path}`]: value } as Filter<ProfileDoc>, {
          projection: { traits: 1, 'identities.email': 1, lastSeenAt: 1 },
          maxTimeMS: page.maxTimeMS,
          batchSize: page.limit,
        })
        .skip(page.skip)
        .limit(page.limit)
        .toArray();
      return { found, timedOut: false };
    } catch (error) {
      // MaxTimeMSExpired: the budget ran out before a page of matches was found.
      if ((error as { code?: number }).code === 50) return { found: [], timedOut: true };
      throw error;
    }
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
   * Applies what events say about their profile, with no record of their batch (effects
   * that are idempotent by themselves: traits, first and last seen). Returns the profile as
   * updated (the survivor, if it was merged meanwhile), or null when the profile is gone.
   */
  async recordActivity(id: string, activity: ProfileActivity, now: Date): Promise<ProfileDoc | null> {
    const update = activityUpdate(activity, now);
    return this.followingRedirect(id, (target) => this.collection.findOneAndUpdate({ _id: target }, update, { returnDocument: 'after' }));
  }

  /**
   * Applies batches of events to their profile, each batch once whichever process applies
   * it: the write is guarded by the absence of the batches' marks and sets them. When a
   * batch turns out applied already (a sweeper recovered it while its writer was slow, or
   * the other way round), the write is made again without it. Returns the profile as
   * written (the survivor, if it was merged meanwhile) and the batches this call applied,
   * or null when the profile is gone.
   */
  async applyBatches(id: string, batches: readonly BatchActivity[], now: Date): Promise<{ profile: ProfileDoc; applied: string[] } | null> {
    return this.followingRedirect(id, async (target) => {
      let owed = [...batches];
      for (let tries = 1; tries <= GUARDED_TRIES; tries++) {
        if (owed.length === 0) {
          const profile = await this.collection.findOne({ _id: target });
          return profile ? { profile, applied: [] } : null;
        }
        const update = activityUpdate(combineActivities(owed.map((batch) => batch.activity)), now);
        for (const { outboxId } of owed) (update.$set as Record<string, unknown>)[`appliedBatches.${outboxId}`] = now;
        const notYet = Object.fromEntries(owed.map(({ outboxId }) => [`appliedBatches.${outboxId}`, { $exists: false }]));
        const profile = await this.collection.findOneAndUpdate({ _id: target, ...notYet }, update, { returnDocument: 'after' });
        if (profile) {
          await this.pruneAppliedMarks(profile, now);
          return { profile, applied: owed.map((batch) => batch.outboxId) };
        }
        const current = await this.collection.findOne({ _id: target }, { projection: { appliedBatches: 1 } });
        if (!current) return null;
        owed = owed.filter(({ outboxId }) => current.appliedBatches?.[outboxId] === undefined);
      }
      throw new Error(`profile ${target} changed under ${GUARDED_TRIES} batch applications in a row`);
    });
  }

  /**
   * `applyBatches` and `decideSegmentState` in one write, for the segment engine alone
   * (src/segments/engine.ts `applyAndRefresh`): the profile is read, the batches' activity
   * applied to it in memory, `decide` judges that, and one update sets both, guarded by the
   * profile's `rev` (every write counts it) and by the batches' marks. A write that misses
   * decides again on the profile as it now is. `as-before` when the two cannot go as one —
   * the profile is gone or merged (a redirect to follow), or a batch is applied already —
   * and nothing was written: the caller takes the two-step path.
   */
  async applyBatchesDeciding<T extends { set?: SegmentStateSet }>(
    id: string,
    batches: readonly BatchActivity[],
    now: Date,
    decide: (profile: ProfileDoc) => T | Promise<T>,
  ): Promise<{ decision: T; applied: string[] } | 'as-before'> {
    for (let tries = 1; tries <= GUARDED_TRIES; tries++) {
      const profile = await this.collection.findOne({ _id: id });
      if (!profile || batches.some(({ outboxId }) => profile.appliedBatches?.[outboxId] !== undefined)) return 'as-before';
      const activity = combineActivities(batches.map((batch) => batch.activity));
      const update = activityUpdate(activity, now);
      const marks = Object.fromEntries(batches.map(({ outboxId }) => [`appliedBatches.${outboxId}`, now]));
      const applied = withActivity(profile, activity, now);
      for (const path of Object.keys(marks)) setPath(applied as unknown as Record<string, unknown>, path, now);
      const decision = await decide(applied);
      const set = { ...(update.$set as Record<string, unknown>), ...marks, ...decision.set } as UpdateFilter<ProfileDoc>['$set'];
      const notYet = Object.fromEntries(batches.map(({ outboxId }) => [`appliedBatches.${outboxId}`, { $exists: false }]));
      const written = await this.collection.updateOne({ _id: id, ...unchanged(profile), ...notYet }, { ...update, $set: set });
      if (written.matchedCount === 1) {
        await this.pruneAppliedMarks(applied, now);
        return { decision, applied: batches.map((batch) => batch.outboxId) };
      }
    }
    throw new Error(`profile ${id} changed under ${GUARDED_TRIES} batch applications in a row`);
  }

  /**
   * The id the tag was written under (the survivor, if merged), or null when the profile no
   * longer exists (erased): effects never resurrect it. So for the edits below.
   */
  async addTag(id: string, tag: string, now: Date): Promise<string | null> {
    return this.updateFollowingRedirect(id, { $addToSet: { tags: tag }, $set: { updatedAt: now } });
  }

  async removeTag(id: string, tag: string, now: Date): Promise<string | null> {
    return this.updateFollowingRedirect(id, { $pull: { tags: tag }, $set: { updatedAt: now } });
  }

  /**
   * Rectification: sets and removes top-level traits in one write. The profile id it was
   * written under (the survivor, if merged), or null when the profile is gone.
   */
  async rectifyTraits(id: string, set: Record<string, unknown>, unset: readonly string[], now: Date): Promise<string | null> {
    const update: UpdateFilter<ProfileDoc> = {
      $set: { updatedAt: now, ...Object.fromEntries(Object.entries(set).map(([name, value]) => [`traits.${name}`, value])) },
    };
    if (unset.length > 0) update.$unset = Object.fromEntries(unset.map((name) => [`traits.${name}`, ''])) as never;
    return this.updateFollowingRedirect(id, update);
  }

  async setTrait(id: string, path: string, value: unknown, now: Date): Promise<string | null> {
    return this.updateFollowingRedirect(id, { $set: { [`traits.${path}`]: value, updatedAt: now } });
  }

  /**
   * Reads the profile, lets `decide` judge it, and sets what it returns, guarded: the write
   * happens only if the profile is still as read (its `rev`, or the decision's own `guard`
   * when it names a narrower condition), so no write of this or another process slips in
   * between; otherwise the decision is made again on the fresh profile. Follows a merge
   * redirect; null when the profile is gone. Sets the person's fields, never the segment
   * engine's (`decideSegmentState`).
   */
  decideAndSet<T extends { set?: ProfileSet; guard?: Filter<ProfileDoc> }>(
    id: string,
    decide: (profile: ProfileDoc) => T | Promise<T>,
  ): Promise<T | null> {
    return this.decideGuarded(id, decide);
  }

  /**
   * As `decideAndSet`, for the segment engine's own fields: called by src/segments alone
   * (`npm run lint` holds it there). `loaded`: the profile as its caller has just read or
   * written it, decided on first instead of reading it again (the guard still catches a
   * write made since).
   */
  decideSegmentState<T extends { set?: SegmentStateSet; guard?: Filter<ProfileDoc> }>(
    id: string,
    decide: (profile: ProfileDoc) => T | Promise<T>,
    loaded?: ProfileDoc,
  ): Promise<T | null> {
    return this.decideGuarded(id, decide, loaded);
  }

  private async decideGuarded<T extends { set?: object; guard?: Filter<ProfileDoc> }>(
    id: string,
    decide: (profile: ProfileDoc) => T | Promise<T>,
    loaded?: ProfileDoc,
  ): Promise<T | null> {
    return this.followingRedirect(id, async (target) => {
      for (let tries = 1; tries <= GUARDED_TRIES; tries++) {
        const profile = tries === 1 && loaded?._id === target ? loaded : await this.collection.findOne({ _id: target });
        if (!profile) return null;
        const decision = await decide(profile);
        if (!decision.set) return decision;
        const filter = { ...(decision.guard ?? unchanged(profile)), _id: target };
        if (
          (await this.collection.updateOne(filter, counted({ $set: decision.set as UpdateFilter<ProfileDoc>['$set'] }))).matchedCount === 1
        ) {
          return decision;
        }
      }
      throw new Error(`profile ${target} changed under ${GUARDED_TRIES} decisions in a row`);
    });
  }

  /** Takes the run off the profile; whether it was there (a retried call finds it gone). */
  async leaveJourney(id: string, workflowId: string): Promise<boolean> {
    const field = `journeys.${workflowId}`;
    const left = await this.followingRedirect(id, async (target) => {
      // Guarded by the run's presence: every write counts `rev` up, so "modified" says nothing.
      const result = await this.collection.updateOne({ _id: target, [field]: { $exists: true } }, counted({ $unset: { [field]: '' } }));
      if (result.matchedCount === 1) return true;
      // Not there: the profile is here without the run (false), or gone (null: try the survivor).
      return (await this.collection.findOne({ _id: target }, { projection: { _id: 1 } })) ? false : null;
    });
    return left === true;
  }

  /**
   * A merge's first step: deletes the merged-away profile and answers it as it was at that
   * instant. `keep` stores it before the delete (a crash after the delete then loses
   * nothing); the delete is guarded by what was read, so a write of another process in
   * between makes it read and keep again. Null when the profile is already gone.
   */
  async takeAway(id: string, keep: (profile: ProfileDoc) => Promise<void>): Promise<ProfileDoc | null> {
    for (let tries = 1; tries <= GUARDED_TRIES; tries++) {
      const profile = await this.collection.findOne({ _id: id });
      if (!profile) return null;
      await keep(profile);
      if ((await this.collection.deleteOne({ _id: id, ...unchanged(profile) })).deletedCount === 1) return profile;
    }
    throw new Error(`profile ${id} changed under ${GUARDED_TRIES} merges in a row`);
  }

  /**
   * A merge's second step: folds a merged-away profile into the survivor, once (`mergedFrom`
   * makes a re-run of an interrupted merge finish the job instead of counting everything
   * twice), guarded like any decision so a concurrent write to the survivor is kept. The
   * survivor keeps the marks of the batches applied to either.
   */
  async foldIn(
    into: string,
    absorbed: ProfileDoc,
    combine: (survivor: ProfileDoc, absorbed: ProfileDoc) => Partial<ProfileDoc> | Promise<Partial<ProfileDoc>>,
  ): Promise<void> {
    // A merge writes both the person's fields and the segment state it combined (segments/merge.ts).
    await this.decideGuarded(into, async (survivor) => {
      if (survivor.mergedFrom?.includes(absorbed._id)) return {};
      const { rev: _rev, ...combined } = await combine(survivor, absorbed);
      const appliedBatches = { ...absorbed.appliedBatches, ...survivor.appliedBatches };
      return { set: { ...combined, appliedBatches, mergedFrom: [...(survivor.mergedFrom ?? []), absorbed._id] } };
    });
  }

  /**
   * Takes back counter increments a new profile was created with for messages that turned
   * out to be repeats (see ingest.ts). Follows a merge: the counts went with the profile.
   */
  async uncount(id: string, increments: NonNullable<ProfileActivity['counters']>, now: Date): Promise<void> {
    await this.updateFollowingRedirect(id, { $inc: counterInc(increments, -1), $set: { updatedAt: now } });
  }

  /** Retention: people last seen before `cutoff`, at most `limit`. On FerretDB this scans the profiles. */
  async inactiveSince(cutoff: Date, limit: number): Promise<string[]> {
    return (
      await this.collection
        .find({ lastSeenAt: { $lt: cutoff } }, { projection: { _id: 1 } })
        .limit(limit)
        .toArray()
    ).map((doc) => doc._id);
  }

  async deleteById(id: string): Promise<number> {
    return (await this.collection.deleteOne({ _id: id })).deletedCount;
  }

  /** Retention's batched removal: these profiles in one delete. */
  async deleteByIds(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.collection.deleteMany({ _id: { $in: [...ids] } })).deletedCount;
  }

  /** Drops the marks of batches applied long ago (see APPLIED_MARK_KEEP_MS); one write, only when there are some. */
  private async pruneAppliedMarks(profile: ProfileDoc, now: Date): Promise<void> {
    const old = Object.entries(profile.appliedBatches ?? {}).filter(
      ([, at]) => now.getTime() - new Date(at).getTime() > APPLIED_MARK_KEEP_MS,
    );
    if (old.length > 0)
      await this.collection.updateOne(
        { _id: profile._id },
        { $unset: Object.fromEntries(old.map(([outboxId]) => [`appliedBatches.${outboxId}`, ''])) },
      );
  }

  private async update(id: string, update: UpdateFilter<ProfileDoc>): Promise<boolean> {
    return (await this.collection.updateOne({ _id: id }, counted(update))).matchedCount === 1;
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
