import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { AuditDoc, AuditKind } from '../model.js';
import { bulkUpdateInChunks } from './bulk-updates.js';
import { COLLECTIONS } from './collections.js';
import { dayOf, daysBack, hourOf, walkHours } from './hour-pages.js';

export type AuditEntry = Omit<AuditDoc, '_id' | 'profileId'>;

/**
 * An entry as stored, with its buckets (src/store/hour-pages.ts), which readers never see:
 * its hour (`2026-12-07T03`), and that hour with its kind and with its actor
 * (`rules.deployed|2026-12-07T03`, `user:ada|2026-12-07T03`), each indexed, so a page
 * filtered by kind or actor reads only the entries it shows.
 */
type StoredAudit = AuditDoc & { hour?: string; kindHour?: string; actorHour?: string };
const BUCKET_FIELDS = ['hour', 'kindHour', 'actorHour'] as const;

/**
 * One day that has entries: which kinds and actors it has in which hour (`<kind>|HH`,
 * `<actor>|HH`); and, under `range`, the first and last day with entries.
 */
interface AuditDayDoc {
  /** `YYYY-MM-DD` (UTC), or `range`. */
  _id: string;
  kindHours?: string[];
  actorHours?: string[];
  earliest?: string;
  latest?: string;
}
const RANGE = 'range';
/** Days read at once while paging back (an `$in` of `_id`s). */
const DAYS_A_READ = 31;

/** `name|HH` → the hour bucket of `day`, when the name is one of `names` (all when none are given). */
function hoursNamed(day: string, slots: readonly string[] | undefined, names?: readonly string[]): string[] {
  return (slots ?? []).flatMap((slot) => {
    const cut = slot.lastIndexOf('|');
    return !names || names.includes(slot.slice(0, cut)) ? [`${day}T${slot.slice(cut + 1)}`] : [];
  });
}

const bucketsOf = (entry: Pick<AuditDoc, 'at' | 'kind' | 'actor'>) => {
  const hour = hourOf(entry.at);
  return { hour, kindHour: `${entry.kind}|${hour}`, actorHour: `${entry.actor}|${hour}` };
};

/** What a page of the log is filtered by; `before` is the cursor (the last id of the previous page). */
export interface AuditPageQuery {
  before?: string;
  kind?: AuditKind;
  /** `ada` matches `ada` and `user:ada`. */
  actor?: string;
  profileId?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** An entry id: the cursor of a page. */
export const AUDIT_ID = /^au_(\d{13})_./;

/** What an erasure leaves where an entry named the person. */
const ERASED = 'erased';
/** The person an entry concerns, if any. */
const personOf = (entry: Pick<AuditDoc, 'subject'>) =>
  typeof entry.subject?.profileId === 'string' && entry.subject.profileId !== ERASED ? entry.subject.profileId : undefined;

/**
 * The audit log: append-only entries of privacy actions, admin consent edits, deploys and
 * suppression changes. Ids sort by time; a reader pages newest first by hour (`page`).
 */
export class AuditStore {
  private readonly collection: Collection<StoredAudit>;
  private readonly days: Collection<AuditDayDoc>;

  constructor(db: Db) {
    this.collection = db.collection<StoredAudit>(COLLECTIONS.audit);
    this.days = db.collection<AuditDayDoc>(COLLECTIONS.auditDays);
  }

  /** The person's entries are a search of `profileId` (erasure, a person's page); an hour's, of its buckets (paging). */
  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex({ profileId: 1 });
    for (const field of BUCKET_FIELDS) await this.collection.createIndex({ [field]: 1 });
  }

  /** Written under an id of its own unless `key` names it (a retried step then records once). */
  async record(entry: AuditEntry, key?: string): Promise<void> {
    const _id = `au_${String(entry.at.getTime()).padStart(13, '0')}_${key ?? randomUUID().slice(0, 8)}`;
    const profileId = personOf(entry);
    // The day first: a crash between the writes leaves a day listed with nothing in it, never an entry no page reaches.
    await this.noteDay(entry);
    await this.collection.updateOne(
      { _id },
      { $setOnInsert: { _id, ...entry, ...bucketsOf(entry), ...(profileId ? { profileId } : {}) } },
      { upsert: true },
    );
  }

  /**
   * Many entries at once, each as `record` writes it under its key (retention's batch of
   * erasures): the days first, once per day, kind, actor and hour, then the entries in unordered bulks of upserts.
   */
  async recordMany(entries: readonly { entry: AuditEntry; key: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const days = new Map<string, AuditEntry>();
    for (const { entry } of entries) days.set(`${dayOf(entry.at)}|${entry.kind}|${entry.actor}|${hourOf(entry.at)}`, entry);
    for (const entry of days.values()) await this.noteDay(entry);
    await bulkUpdateInChunks(
      this.collection,
      entries.map(({ entry, key }) => {
        const _id = `au_${String(entry.at.getTime()).padStart(13, '0')}_${key}`;
        const profileId = personOf(entry);
        return {
          updateOne: {
            filter: { _id },
            update: { $setOnInsert: { _id, ...entry, ...bucketsOf(entry), ...(profileId ? { profileId } : {}) } },
            upsert: true,
          },
        };
      }),
    );
  }

  private async noteDay(entry: Pick<AuditDoc, 'at' | 'kind' | 'actor'>): Promise<void> {
    const day = dayOf(entry.at);
    // A new day widens the range first (an `_id` lookup decides; both writes are safe to repeat).
    if (!(await this.days.findOne({ _id: day }, { projection: { _id: 1 } })))
      await this.days.updateOne({ _id: RANGE }, { $min: { earliest: day }, $max: { latest: day } }, { upsert: true });
    const hh = hourOf(entry.at).slice(11);
    await this.days.updateOne(
      { _id: day },
      { $addToSet: { kindHours: `${entry.kind}|${hh}`, actorHours: `${entry.actor}|${hh}` } },
      { upsert: true },
    );
  }

  /**
   * A migration (src/store/migrate.ts): entries written before paging by hour get their
   * hour and their day listed. Reads the whole log once; safe to repeat.
   */
  async addHours(): Promise<number> {
    let added = 0;
    for await (const doc of this.collection.find({ kindHour: { $exists: false } })) {
      await this.noteDay(doc);
      await this.collection.updateOne({ _id: doc._id }, { $set: bucketsOf(doc) });
      added++;
    }
    return added;
  }

  /**
   * A migration (src/store/migrate.ts): entries written before `profileId` was copied up
   * get it, so an erasure finds them by index. Reads the whole log once; safe to repeat.
   */
  async copyProfileIdsUp(): Promise<number> {
    let copied = 0;
    for await (const doc of this.collection.find({ 'subject.profileId': { $exists: true }, profileId: { $exists: false } })) {
      const profileId = personOf(doc);
      if (!profileId) continue;
      await this.collection.updateOne({ _id: doc._id }, { $set: { profileId } });
      copied++;
    }
    return copied;
  }

  /**
   * A page of the log, newest first, and the cursor of the next one if there is more. One
   * person's entries are a search of their index; otherwise the page reads hour after hour
   * from the cursor back (src/store/hour-pages.ts), skipping days without the kind or actor
   * asked for. Entries written while someone pages are newer than any cursor, so the pages
   * neither repeat nor miss an entry.
   */
  async page(query: AuditPageQuery): Promise<{ entries: AuditDoc[]; next?: string }> {
    const ms = query.before ? Number(AUDIT_ID.exec(query.before)?.[1]) : undefined;
    const before = [query.to?.getTime(), ms === undefined ? undefined : ms + 1].filter((t) => t !== undefined);
    const until = before.length > 0 ? new Date(Math.min(...before)) : undefined;
    const actors = query.actor ? [query.actor, `user:${query.actor}`] : undefined;
    const matches = (doc: StoredAudit) =>
      (!query.before || doc._id < query.before) &&
      (!until || doc.at < until) &&
      (!query.from || doc.at >= query.from) &&
      (!query.kind || doc.kind === query.kind) &&
      (!actors || actors.includes(doc.actor)) &&
      (!query.profileId || doc.profileId === query.profileId);
    const newestFirst = (docs: StoredAudit[]) => docs.filter(matches).sort((a, b) => (a._id < b._id ? 1 : a._id > b._id ? -1 : 0));
    const wanted = query.limit + 1;
    let found: StoredAudit[];
    if (query.profileId) {
      found = newestFirst(await this.collection.find({ profileId: query.profileId }).toArray());
    } else {
      const range = await this.days.findOne({ _id: RANGE });
      const kind = query.kind;
      // The narrowest bucket: only the entries of that kind, or of that actor, in the hour.
      const read = async (hour: string) =>
        newestFirst(
          await this.collection
            .find(
              kind
                ? { kindHour: `${kind}|${hour}` }
                : actors
                  ? { actorHour: { $in: actors.map((actor) => `${actor}|${hour}`) } }
                  : { hour },
            )
            .toArray(),
        );
      found = [];
      // Days a month at a time, newest first, by `_id`: a page reads the days it needs, not the log's whole history.
      const last = [range?.latest, until ? dayOf(new Date(until.getTime() - 1)) : undefined].filter((d) => d !== undefined).sort()[0];
      const first = [range?.earliest, query.from ? dayOf(query.from) : undefined]
        .filter((d) => d !== undefined)
        .sort()
        .at(-1);
      for (const batch of last && first ? daysBack(last, first, DAYS_A_READ) : []) {
        const days = await this.days.find({ _id: { $in: batch } }).toArray();
        // The hours that have the kind and the actor asked for (every hour with entries when neither is).
        const hours = days.flatMap((day) => {
          const withKind = hoursNamed(day._id, day.kindHours, kind ? [kind] : undefined);
          const withActor = new Set(hoursNamed(day._id, day.actorHours, actors));
          return withKind.filter((hour) => withActor.has(hour));
        });
        found.push(
          ...(await walkHours({
            hours,
            ...(until ? { before: until } : {}),
            ...(query.from ? { notBefore: query.from } : {}),
            read,
            wanted: wanted - found.length,
          })),
        );
        if (found.length >= wanted) break;
      }
    }
    const entries = found.slice(0, query.limit).map(({ hour: _h, kindHour: _k, actorHour: _a, ...entry }) => entry);
    return { entries, ...(found.length > query.limit ? { next: entries.at(-1)!._id } : {}) };
  }

  /** Erasure: entries about the person keep what happened, not whom it concerned. */
  async forgetProfiles(profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    const result = await this.collection.updateMany(
      { profileId: { $in: [...profileIds] } },
      { $set: { 'subject.profileId': ERASED }, $unset: { profileId: '' } },
    );
    return result.modifiedCount;
  }
}
