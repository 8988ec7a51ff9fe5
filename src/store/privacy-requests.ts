import type { Collection, Db } from 'mongodb';
import type { ErasureNotice, ErasurePlan, ErasureStep, ExportBundle, PrivacyRequestDoc, PrivacyRequestStatus } from '../model.js';
import { COLLECTIONS } from './collections.js';

/** The record of privacy requests: ids, states, timestamps and counts; personal data only in a running erasure's plan. */
export class PrivacyRequestStore {
  private readonly collection: Collection<PrivacyRequestDoc>;

  constructor(db: Db) {
    this.collection = db.collection<PrivacyRequestDoc>(COLLECTIONS.privacyRequests);
  }

  async create(doc: PrivacyRequestDoc): Promise<void> {
    await this.collection.insertOne(doc);
  }

  findById(id: string): Promise<PrivacyRequestDoc | null> {
    return this.collection.findOne({ _id: id });
  }

  /** Requests accepted before `olderThan` whose workflow evidently never started. */
  findStalePending(olderThan: Date, limit: number): Promise<PrivacyRequestDoc[]> {
    return this.collection.find({ status: 'pending', createdAt: { $lt: olderThan } }).limit(limit).toArray();
  }

  async setStatus(id: string, status: PrivacyRequestStatus, now: Date, removed?: PrivacyRequestDoc['removed']): Promise<void> {
    const set = { status, updatedAt: now, ...(removed ? { removed } : {}) };
    // A completed erasure keeps its audit record (what was removed, when) but forgets
    // whose profile it was: nothing left in the database points back at the person.
    const update = status === 'completed' ? { $set: set, $unset: { profileId: '' as const } } : { $set: set };
    await this.collection.updateOne({ _id: id }, update);
  }

  /** The plan is written once: a retried inventory keeps the first. */
  async setPlan(id: string, plan: ErasurePlan, now: Date): Promise<ErasurePlan> {
    await this.collection.updateOne({ _id: id, plan: { $exists: false } }, { $set: { plan, status: 'running', updatedAt: now } });
    return (await this.findById(id))?.plan ?? plan;
  }

  /** Adds profiles found created again mid-erasure to the plan. */
  async addToPlan(id: string, profileIds: readonly string[], now: Date): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $addToSet: { 'plan.profileIds': { $each: [...profileIds] } }, $set: { updatedAt: now } });
  }

  async stepFinished(id: string, step: ErasureStep, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: id, [`steps.${step}`]: { $exists: false } }, { $set: { [`steps.${step}`]: now, updatedAt: now } });
  }

  async setNotice(id: string, destination: string, notice: ErasureNotice): Promise<void> {
    await this.collection.updateOne({ _id: id }, { $set: { [`notices.${destination}`]: notice, updatedAt: notice.at } });
  }

  /** An export built: written once (a retried build returns the first). */
  async setBundle(id: string, bundle: ExportBundle, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: id, bundle: { $exists: false } }, { $set: { bundle, status: 'completed', completedAt: now, updatedAt: now } });
  }

  /** Takes the one download; false when it was taken already. */
  async claimDownload(id: string, now: Date): Promise<boolean> {
    const result = await this.collection.updateOne({ _id: id, 'bundle.downloadedAt': { $exists: false } }, { $set: { 'bundle.downloadedAt': now, updatedAt: now } });
    return result.modifiedCount === 1;
  }

  /** The bundle is gone (downloaded, expired, or its person erased): so is the link to the person. */
  async bundleDeleted(id: string, now: Date): Promise<void> {
    await this.collection.updateOne({ _id: id, 'bundle.deletedAt': { $exists: false } }, { $set: { 'bundle.deletedAt': now, updatedAt: now }, $unset: { profileId: '' } });
  }

  /** Exports of these profiles whose bundle may still be stored (an erasure deletes them). On FerretDB this scans the requests. */
  async exportsOf(profileIds: readonly string[]): Promise<PrivacyRequestDoc[]> {
    return this.collection.find({ kind: 'export', profileId: { $in: [...profileIds] } }).toArray();
  }

  /** An erasure of this profile not yet completed, if any. On FerretDB this scans the requests (a small collection). */
  openErasureOf(profileId: string): Promise<PrivacyRequestDoc | null> {
    return this.collection.findOne({ kind: 'erasure', profileId, status: { $in: ['pending', 'running'] } });
  }

  /** The end of an erasure: counts stay, the plan and the profile id go. */
  async complete(id: string, removed: NonNullable<PrivacyRequestDoc['removed']>, now: Date): Promise<PrivacyRequestDoc | null> {
    await this.collection.updateOne(
      { _id: id, status: { $ne: 'completed' } },
      { $set: { status: 'completed', removed, completedAt: now, updatedAt: now }, $unset: { profileId: '', plan: '' } },
    );
    return this.findById(id);
  }
}
