import type { Collection, Db } from 'mongodb';
import type { ProgramIR } from '../dsl/ir.js';
import { COLLECTIONS } from './collections.js';

/** What a deploy records beside the program: who, why, and whether it rolls back. */
export type DeployRecord = Pick<RulesDoc, 'deployedBy' | 'note' | 'rolledBackFrom'>;

/** A version as the versions list shows it: everything but the program. */
export type RulesHeader = Omit<RulesDoc, 'source' | 'ir'>;

interface ActivePointer {
  _id: 'active';
  version: number;
}

/**
 * Deployed rule programs. Versions are immutable and kept forever (running journeys read
 * the version they started with); one pointer document names the active version, so every
 * server and worker follows the same one.
 */
export class RulesStore {
  private readonly versions: Collection<RulesDoc>;
  private readonly pointer: Collection<ActivePointer>;
  /** Versions never change once written, so caching them by number is always correct. */
  private readonly cache = new Map<number, RulesDoc>();

  constructor(db: Db) {
    this.versions = db.collection<RulesDoc>(COLLECTIONS.rules);
    this.pointer = db.collection<ActivePointer>(COLLECTIONS.rulesActive);
  }

  /**
   * Stores the program as the next version and makes it active. `beforeActive` runs once
   * the version has its number and before any reader can see it active (the segment
   * catalog declares the segments it adds there).
   */
  async deploy(
    source: string,
    ir: ProgramIR,
    now: Date,
    about: DeployRecord = {},
    beforeActive: (version: number) => Promise<void> = async () => {},
  ): Promise<number> {
    // Only the number is needed: the newest version's IR can be large.
    const latest = await this.versions
      .find({}, { projection: { _id: 1 } })
      .sort({ _id: -1 })
      .limit(1)
      .next();
    let version = (latest?._id ?? 0) + 1;
    const record = {
      ...(about.deployedBy === undefined ? {} : { deployedBy: about.deployedBy }),
      ...(about.note === undefined ? {} : { note: about.note }),
      ...(about.rolledBackFrom === undefined ? {} : { rolledBackFrom: about.rolledBackFrom }),
    };
    // Concurrent deploys race for the next number; the unique _id picks one winner each time.
    for (;;) {
      try {
        await this.versions.insertOne({ _id: version, source, ir, deployedAt: now, ...record });
        break;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        version += 1;
      }
    }
    await beforeActive(version);
    await this.pointer.updateOne({ _id: 'active', version: { $lt: version } }, { $set: { version } }, { upsert: true }).catch((error) => {
      // The upsert collides when a newer version already became active: that one stays.
      if ((error as { code?: number }).code !== 11000) throw error;
    });
    return version;
  }

  /**
   * Newest first, without source or IR: the list stays small however long the programs.
   * Versions number in the hundreds, so the range scan FerretDB makes of it stays cheap.
   */
  async headers(query: { limit: number; before?: number }): Promise<RulesHeader[]> {
    const filter = query.before === undefined ? {} : { _id: { $lt: query.before } };
    return this.versions
      .find(filter, { projection: { _id: 1, deployedAt: 1, deployedBy: 1, note: 1, rolledBackFrom: 1 } })
      .sort({ _id: -1 })
      .limit(query.limit)
      .toArray() as Promise<RulesHeader[]>;
  }

  async activeVersion(): Promise<number | null> {
    return (await this.pointer.findOne({ _id: 'active' }))?.version ?? null;
  }

  async get(version: number): Promise<RulesDoc | null> {
    const cached = this.cache.get(version);
    if (cached) return cached;
    const doc = await this.versions.findOne({ _id: version });
    if (doc) this.cache.set(version, doc);
    return doc;
  }

  async active(): Promise<RulesDoc | null> {
    const version = await this.activeVersion();
    return version === null ? null : this.get(version);
  }
}

export interface RulesDoc {
  /** The version number, 1, 2, 3 … */
  _id: number;
  source: string;
  ir: ProgramIR;
  deployedAt: Date;
  /**
   * Who deployed it, as the audit log names them (`admin`, `user:<name>`). Absent on versions
   * deployed before accounts existed, when only the admin key could deploy.
   */
  deployedBy?: string;
  /** Why, in the deployer's words (the console's deploy dialog, `X-Itinera-Note`). */
  note?: string;
  /** A roll back: the earlier version whose source this one deploys again. */
  rolledBackFrom?: number;
}
