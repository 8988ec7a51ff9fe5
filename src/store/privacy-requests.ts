import type { Collection, Db, Filter } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { bulkUpdateInChunks } from './bulk-updates.js';
import { insertManySkippingDuplicates } from './insert-many.js';
import { privacyRequestState } from '../metrics/index.js';

/** The record of privacy requests: ids, states, timestamps and counts; personal data only in a running erasure's plan. */
export class PrivacyRequestStore {
  private readonly collection: Collection<PrivacyRequestDoc>;

  constructor(db: Db) {
    this.collection = db.collection<PrivacyRequestDoc>(COLLECTIONS.privacyRequests);
  }

  /** A request names its person until it completes: their open requests are a search of this index. */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1 });
  }

  async create(doc: PrivacyRequestDoc): Promise<void> {
    await this.collection.insertOne(doc);
    privacyRequestState(doc.kind, doc.status);
  }

  findById(id: string): Promise<PrivacyRequestDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /**
   * A page of requests, newest first, before the `before` cursor (a request id from the
   * previous page). The collection holds one small document per request; on FerretDB this
   * scans it.
   */
  async page(query: {
    kind?: PrivacyRequestDoc['kind'];
    status?: PrivacyRequestStatus;
    before?: { createdAt: Date; id: string };
    limit: number;
  }): Promise<PrivacyRequestDoc[]> {
    const filter: Filter<PrivacyRequestDoc> = {
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.before
        ? {
            $or: [{ createdAt: { $lt: query.before.createdAt } }, { createdAt: query.before.createdAt, _id: { $lt: query.before.id } }],
          }
        : {}),
    };
    return this.collection
      .find(filter, { projection: { plan: 0 } })
      .sort({ createdAt: -1, _id: -1 })
      .limit(query.limit)
      .toArray();
  }

  /** Requests accepted before `olderThan` whose workflow evidently never started. */
  findStalePending(olderThan: Date, limit: number): Promise<PrivacyRequestDoc[]> {
    return this.collection
      .find({ status: 'pending', createdAt: { $lt: olderThan } })
      .limit(limit)
      .toArray();
  }

  async setStatus(id: string, status: PrivacyRequestStatus, now: Date, removed?: PrivacyRequestDoc['removed']): Promise<void> {
    const set = { status, updatedAt: now, ...(removed ? { removed } : {}) };
    // A completed erasure keeps its audit record (what was removed, when) but forgets
    // whose profile it was: nothing left in the database points back at the person.
    const update = status === 'completed' ? { $set: set, $unset: { profileId: '' as const } } : { $set: set };
    const { modifiedCount } = await this.collection.updateOne({ _id: id }, update);
    if (modifiedCount === 1) {
      const kind = (await this.collection.findOne({ _id: id }, { projection: { kind: 1 } }))?.kind;
      if (kind) privacyRequestState(kind, status);
    }
  }

  /** The plan is written once: a retried inventory keeps the first. */
  async setPlan(id: string, plan: ErasurePlan, now: Date): Promise<ErasurePlan> {
    const { modifiedCount } = await this.collection.updateOne(
      { _id: id, plan: { $exists: false } },
      { $set: { plan, status: 'running', updatedAt: now } },
    );
    // State changes are counted where they are written, once: a retried step matches nothing.
    if (modifiedCount === 1) privacyRequestState('erasure', 'running');
    return (await this.findById(id))?.plan ?? plan;
  }

  /** Adds profiles found created again mid-erasure to the plan. */
  async addToPlan(id: string, profileIds: readonly string[], now: Date): Promise<void> {
    await this.collection.updateOne(
      { _id: id },
      { $addToSet: { 'plan.profileIds': { $each: [...profileIds] } }, $set: { updatedAt: now } },
    );
  }

  async stepFinished(id: string, step: ErasureStep, now: Date): Promise<void> {
    await this.collection.updateOne(
      { _id: id, [`steps.${step}`]: { $exists: false } },
      { $set: { [`steps.${step}`]: now, updatedAt: now } },
    );
  }

  async setNotice(id: string, destination: string, notice: ErasureNotice): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { [`notices.${destination}`]: notice, updatedAt: notice.at } });
  }

  /** An export built: written once (a retried build returns the first). */
  async setBundle(id: string, bundle: ExportBundle, now: Date): Promise<void> {
    const { modifiedCount } = await this.collection.updateOne(
      { _id: id, bundle: { $exists: false } },
      { $set: { bundle, status: 'completed', completedAt: now, updatedAt: now } },
    );
    if (modifiedCount === 1) privacyRequestState('export', 'completed');
  }

  /** Takes the one download; false when it was taken already. */
  async claimDownload(id: string, now: Date): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: id, 'bundle.downloadedAt': { $exists: false } },
      { $set: { 'bundle.downloadedAt': now, updatedAt: now } },
    );
    return result.modifiedCount === 1;
  }

  /** The bundle is gone (downloaded, expired, or its person erased): so is the link to the person. */
  async bundleDeleted(id: string, now: Date): Promise<void> {
    await this.collection.updateOne(
      { _id: id, 'bundle.deletedAt': { $exists: false } },
      { $set: { 'bundle.deletedAt': now, updatedAt: now }, $unset: { profileId: '' } },
    );
  }

  /** Exports of these profiles whose bundle may still be stored (an erasure deletes them): a search of the `profileId` index. */
  async exportsOf(profileIds: readonly string[]): Promise<PrivacyRequestDoc[]> {
    return this.collection.find({ kind: 'export', profileId: { $in: [...profileIds] } }).toArray();
  }

  /** An erasure of this profile not yet completed, if any: a search of the `profileId` index. */
  openErasureOf(profileId: string): Promise<PrivacyRequestDoc | null> {
    return this.collection.findOne({ kind: 'erasure', profileId, status: { $in: ['pending', 'running'] } });
  }

  /**
   * Retention's batch of erasures: requests written with their plan (the inventory done for
   * them all at once), so none waits `pending` for the sweeper to start a workflow of its
   * own. A request already there (a retried batch) is kept as it is, its plan the first.
   */
  async createMany(docs: readonly PrivacyRequestDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const skipped = await insertManySkippingDuplicates(this.collection, [...docs]);
    for (const [index, doc] of docs.entries())
      if (!skipped.has(index)) {
        privacyRequestState(doc.kind, 'pending');
        privacyRequestState(doc.kind, doc.status);
      }
  }

  async findByIds(ids: readonly string[]): Promise<PrivacyRequestDoc[]> {
    if (ids.length === 0) return [];
    return this.collection.find({ _id: { $in: [...ids] } }).toArray();
  }

  /** `stepFinished` for many requests in one write. */
  async stepsFinished(ids: readonly string[], step: ErasureStep, now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.collection.updateMany(
      { _id: { $in: [...ids] }, [`steps.${step}`]: { $exists: false } },
      { $set: { [`steps.${step}`]: now, updatedAt: now } },
    );
  }

  /** `complete` for many requests, each with its `notify` step done now; the requests as stored after it. */
  async completeMany(done: readonly { id: string; removed: ErasureCounts }[], now: Date): Promise<PrivacyRequestDoc[]> {
    if (done.length === 0) return [];
    const modifiedCount = await bulkUpdateInChunks(
      this.collection,
      done.map(({ id, removed }) => ({
        updateOne: {
          filter: { _id: id, status: { $ne: 'completed' as const } },
          update: {
            $set: { status: 'completed' as const, removed, completedAt: now, updatedAt: now, 'steps.notify': now },
            $unset: { profileId: '', plan: '' },
          },
        },
      })),
    );
    for (let i = 0; i < modifiedCount; i++) privacyRequestState('erasure', 'completed');
    return this.findByIds(done.map(({ id }) => id));
  }

  /** The end of an erasure: counts stay, the plan and the profile id go. */
  async complete(id: string, removed: NonNullable<PrivacyRequestDoc['removed']>, now: Date): Promise<PrivacyRequestDoc | null> {
    const { modifiedCount } = await this.collection.updateOne(
      { _id: id, status: { $ne: 'completed' } },
      { $set: { status: 'completed', removed, completedAt: now, updatedAt: now }, $unset: { profileId: '', plan: '' } },
    );
    if (modifiedCount === 1) privacyRequestState('erasure', 'completed');
    return this.findById(id);
  }
}

export type PrivacyRequestStatus = 'pending' | 'running' | 'completed' | 'failed';

/** What an erasure removed, as counts only: the request keeps no personal data. */
export interface ErasureCounts {
  profiles: number;
  events: number;
  identities: number;
  consentRecords?: number;
  segmentMemberships?: number;
  segmentHistory?: number;
  messages?: number;
  merges?: number;
  /** Durable processes of the person stopped: journey runs, consent lifecycles, the segment clock. */
  journeyRuns?: number;
  processes?: number;
  /** Identifiers added to the suppression list. */
  suppressed?: number;
}

/** The steps of an erasure, in order; each one's finishing time is part of the receipt. */
export const ERASURE_STEPS = ['inventory', 'suppress', 'stop', 'remove', 'verify', 'notify'] as const;

export type ErasureStep = (typeof ERASURE_STEPS)[number];

/**
 * What an erasure works from while it runs, written by its first step. Ids and keyed
 * hashes, and the identity keys themselves (`kind:value`): those already sit in the
 * identity graph until the `remove` step, and are needed to tell destinations whom to
 * erase and to catch a person created again mid-erasure. The plan is deleted when the
 * request completes.
 */
export interface ErasurePlan {
  profileIds: string[];
  identityKeys: string[];
  consentRecordIds: string[];
  /** The person's journey runs in progress. */
  runs: { workflowId: string; journey: string; rulesVersion: number }[];
  /** Workflow ids of their other durable processes: consent lifecycles and confirmations, segment clocks. */
  processes: string[];
  /** Destinations subscribed to erasures when the request started. */
  destinations: string[];
  /** What was held when the request started: the receipt's counts. */
  counts: ErasureCounts;
}

/** How a destination subscribed to erasures took the notice. */
export interface ErasureNotice {
  status: 'pending' | 'sent' | 'failed';
  at: Date;
  /** The receiver's HTTP status or the network problem. */
  detail?: string;
}

/** A built export (art. 15/20): its bundle is stored in chunks until downloaded once, or until it expires. */
export interface ExportBundle {
  /** False when the request matched nobody: there is nothing to download. */
  found: boolean;
  chunks: number;
  bytes: number;
  events: number;
  builtAt: Date;
  expiresAt: Date;
  /** When the one download began; the bundle is deleted once it has been sent. */
  downloadedAt?: Date;
  deletedAt?: Date;
}

export interface PrivacyRequestDoc {
  _id: string;
  kind: 'erasure' | 'export';
  /** The profile resolved when the request was made; absent when nobody matched, and once completed. */
  profileId?: string;
  status: PrivacyRequestStatus;
  createdAt: Date;
  updatedAt: Date;
  /** The admin's reason, if given (no personal data belongs here; it is shown in the audit log). */
  reason?: string;
  /** Who asked: an admin (the default), the person on their privacy page, or the retention policy (an inactive person; not suppressed). */
  origin?: 'admin' | 'portal' | 'retention';
  plan?: ErasurePlan;
  /** When each step finished. */
  steps?: Partial<Record<ErasureStep, Date>>;
  /** Per destination subscribed to erasures, by name. */
  notices?: Record<string, ErasureNotice>;
  completedAt?: Date;
  /** An export's bundle, once built. */
  bundle?: ExportBundle;
  /** What was removed, as counts only: the audit trail keeps no personal data. */
  removed?: ErasureCounts;
}
