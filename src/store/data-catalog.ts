/**
 * The data catalogue: what the data holds, by name only — event names with counts and
 * last seen, each event's property paths with their kinds, profile trait paths, consent
 * categories received. The rule editor's completion and the checker read it.
 *
 * Kept by ingestion at a bounded cost: each stored event is `record`ed in memory (no read,
 * no write), and what gathered is written behind every FLUSH_MS as `$inc`/`$max` updates by
 * `_id`, one per document touched. Several processes add up because nothing is read,
 * changed and written back whole. The price, accepted for a catalogue: a crash loses up to
 * FLUSH_MS of counts (documented in docs/console.md as "approximate counts"). A failed
 * write is logged and its counts are kept for the next flush.
 *
 * Names are never field names: an event name is a value inside its document (`_id` =
 * `event:<name>`), and a path or category is kept under `catalogKey(name)` (a digest) with
 * the name itself as a value beside its counts. Any string works, dots and `$` included.
 *
 * Bounded sizes: at most MAX_EVENT_NAMES event documents, MAX_PROPERTY_PATHS paths per
 * event, MAX_TRAIT_PATHS trait paths and MAX_CONSENT_CATEGORIES categories. What does not
 * fit is counted as dropped, not stored. The caps are held against what is stored (each
 * process learns it by `_id` reads of this small collection), so they may be overshot only
 * by processes admitting new names within the same flush.
 *
 * No values, no personal data: only names, kinds and counts are ever stored.
 */
import { createHash } from 'node:crypto';
import type { Collection, Db, UpdateFilter } from 'mongodb';
import type { Logger } from '../logger.js';
import {
  addEvent,
  addTallies,
  CATALOG_LIMITS,
  emptyPending,
  VALUE_KINDS,
  isEmpty,
  mergeInto,
  tallyOf,
  type CatalogObservation,
  type EventTally,
  type Pending,
  type Tally,
  type ValueKind,
} from './catalog-tallies.js';
import { COLLECTIONS } from './collections.js';

/** How often counts gathered in memory are written. */
const FLUSH_MS = 2_000;
/** While the event names are at their cap, how often the stored list is read again to learn of others' additions. */
const NAMES_RELOAD_MS = 30_000;

/** A counted name (path or category) as stored under its encoded key. */
interface StoredTally {
  path?: string;
  name?: string;
  count?: number;
  kinds?: Partial<Record<ValueKind, number>>;
  lastSeen?: Date;
}

export interface DataCatalogDoc {
  /** `event:<name>`, `traits`, `consent` or `summary`. */
  _id: string;
  kind: 'event' | 'traits' | 'consent' | 'summary';
  name?: string;
  count?: number;
  lastSeen?: Date;
  properties?: Record<string, StoredTally>;
  paths?: Record<string, StoredTally>;
  categories?: Record<string, StoredTally>;
  dropped?: number;
  droppedEvents?: number;
  unrecordable?: number;
  updatedAt?: Date;
}

export interface CatalogPath {
  path: string;
  kinds: ValueKind[];
  count: number;
}

export interface DataCatalog {
  events: { name: string; count: number; lastSeen: Date | null; properties: CatalogPath[] }[];
  traits: CatalogPath[];
  consentCategories: { name: string; count: number; lastSeen: Date | null }[];
  /** What did not fit the caps or could not be recorded, in occurrences. */
  dropped: { events: number; properties: number; traits: number; consentCategories: number; unrecordable: number };
  limits: typeof CATALOG_LIMITS;
  updatedAt: Date | null;
}

const EVENT_PREFIX = 'event:';
const TRAITS_ID = 'traits';
const CONSENT_ID = 'consent';
const SUMMARY_ID = 'summary';

/**
 * A field name for any string: MongoDB reserves `.` and a leading `$`; a digest in base64url
 * has neither, and stays short whatever the name's length or script. The name itself is
 * stored as a value beside its counts.
 */
export function catalogKey(name: string): string {
  return `k${createHash('sha256').update(name, 'utf8').digest('base64url').slice(0, 24)}`;
}

/** One keyed map of a document (an event's properties, the traits, the categories) and its cap. */
interface KeyedWrite {
  docId: string;
  field: 'properties' | 'paths' | 'categories';
  /** Under which name the original string is stored beside its counts. */
  nameField: 'path' | 'name';
  cap: number;
  tallies: Map<string, Tally>;
}

export class DataCatalogStore {
  private readonly collection: Collection<DataCatalogDoc>;
  private pending: Pending = emptyPending();
  private timer: NodeJS.Timeout | undefined;
  /** Flushes run one after another: a read that flushes sees every count recorded before it. */
  private flushing: Promise<void> = Promise.resolve();
  private logger: Pick<Logger, 'warn' | 'error'> | undefined;
  /** Event names stored, as last read (undefined: not read yet). */
  private storedEventNames: Set<string> | undefined;
  private storedEventNamesReadAt = 0;
  /** Per document, the encoded keys stored in its keyed map, as last written or read. */
  private readonly storedKeys = new Map<string, Set<string>>();
  private closed = false;

  constructor(db: Db) {
    this.collection = db.collection<DataCatalogDoc>(COLLECTIONS.dataCatalog);
  }

  /** Where failed flushes are reported (the process's logger; runtime.ts). */
  reportFailuresTo(logger: Pick<Logger, 'warn' | 'error'>): void {
    this.logger = logger;
  }

  /** Counts one stored event; written within FLUSH_MS. Synchronous: no I/O on the ingestion path. */
  record(observation: CatalogObservation): void {
    const batch = emptyPending();
    if (observation.event) {
      batch.events.set(observation.event.name, {
        count: 1,
        lastSeen: observation.at,
        properties: tallyOf(observation.event.properties),
        dropped: 0,
      });
    }
    batch.traits = tallyOf(observation.traits);
    for (const name of observation.consentCategories) batch.consent.set(name, { count: 1, kinds: new Map(), lastSeen: observation.at });
    batch.unrecordable = observation.unrecordable;
    mergeInto(this.pending, batch);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed || isEmpty(this.pending)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined /* reported by flush; kept for the next one */);
    }, FLUSH_MS).unref();
  }

  /**
   * Writes what has gathered. A document whose write fails keeps its counts for the next
   * flush; the failure is logged and rethrown.
   */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.writePending());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Stops the timer and writes what is left (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => undefined /* reported: the counts of the last seconds are lost */);
  }

  private async writePending(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = emptyPending();
    if (isEmpty(batch)) return;
    const now = new Date();
    const failed = emptyPending();
    let firstError: unknown;
    const attempt = async (write: () => Promise<void>, keep: () => void) => {
      try {
        await write();
      } catch (error) {
        firstError ??= error;
        keep();
      }
    };

    const admitted = await this.admitEventNames(batch).catch((error: unknown) => {
      firstError ??= error;
      return undefined;
    });
    if (!admitted) {
      mergeInto(failed, batch);
    } else {
      for (const [name, event] of batch.events) {
        if (!admitted.has(name)) {
          batch.droppedEvents += event.count;
          continue;
        }
        await attempt(
          () => this.writeEvent(name, event, now),
          () => addEvent(failed, name, event),
        );
      }
      if (batch.traits.size > 0 || batch.droppedTraits > 0) {
        await attempt(
          () =>
            this.writeKeyed(
              { docId: TRAITS_ID, field: 'paths', nameField: 'path', cap: CATALOG_LIMITS.traitPaths, tallies: batch.traits },
              { kind: 'traits' },
              batch.droppedTraits,
              now,
            ),
          () => {
            failed.droppedTraits += batch.droppedTraits + addTallies(failed.traits, batch.traits, CATALOG_LIMITS.traitPaths);
          },
        );
      }
      if (batch.consent.size > 0 || batch.droppedConsent > 0) {
        await attempt(
          () =>
            this.writeKeyed(
              { docId: CONSENT_ID, field: 'categories', nameField: 'name', cap: CATALOG_LIMITS.consentCategories, tallies: batch.consent },
              { kind: 'consent' },
              batch.droppedConsent,
              now,
            ),
          () => {
            failed.droppedConsent += batch.droppedConsent + addTallies(failed.consent, batch.consent, CATALOG_LIMITS.consentCategories);
          },
        );
      }
      if (batch.droppedEvents > 0 || batch.unrecordable > 0) {
        const inc: Record<string, number> = {};
        if (batch.droppedEvents > 0) inc.droppedEvents = batch.droppedEvents;
        if (batch.unrecordable > 0) inc.unrecordable = batch.unrecordable;
        await attempt(
          async () => {
            await this.collection.updateOne(
              { _id: SUMMARY_ID },
              { $inc: inc, $max: { updatedAt: now }, $setOnInsert: { kind: 'summary' } },
              { upsert: true },
            );
          },
          () => {
            failed.droppedEvents += batch.droppedEvents;
            failed.unrecordable += batch.unrecordable;
          },
        );
      }
    }

    if (firstError !== undefined) {
      mergeInto(this.pending, failed);
      this.logger?.[this.closed ? 'error' : 'warn'](
        { err: firstError, events: failed.events.size, traits: failed.traits.size, consentCategories: failed.consent.size },
        this.closed ? 'data catalogue counts not written; lost at shutdown' : 'data catalogue counts not written; kept for the next flush',
      );
      this.schedule();
      throw firstError;
    }
    this.schedule();
  }

  /**
   * Which of the batch's event names may be written: those stored already, and new ones
   * while the stored names are under the cap (the most frequent first).
   */
  private async admitEventNames(batch: Pending): Promise<Set<string>> {
    const isNew = (name: string) => !this.storedEventNames?.has(name);
    const newNames = [...batch.events.keys()].filter(isNew);
    const stale = Date.now() - this.storedEventNamesReadAt > NAMES_RELOAD_MS;
    if (
      !this.storedEventNames ||
      (newNames.length > 0 && this.storedEventNames.size + newNames.length > CATALOG_LIMITS.eventNames && stale)
    ) {
      // A small collection (the caps bound it), read whole for its ids only.
      const ids = await this.collection.find({}, { projection: { _id: 1 } }).toArray();
      this.storedEventNames = new Set(
        ids
          .map((doc) => doc._id)
          .filter((id) => id.startsWith(EVENT_PREFIX))
          .map((id) => id.slice(EVENT_PREFIX.length)),
      );
      this.storedEventNamesReadAt = Date.now();
    }
    const stored = this.storedEventNames;
    const admitted = new Set([...batch.events.keys()].filter((name) => stored.has(name)));
    const room = Math.max(0, CATALOG_LIMITS.eventNames - stored.size);
    const candidates = [...batch.events].filter(([name]) => !stored.has(name)).sort((a, b) => b[1].count - a[1].count);
    for (const [name] of candidates.slice(0, room)) admitted.add(name);
    return admitted;
  }

  private async writeEvent(name: string, event: EventTally, now: Date): Promise<void> {
    await this.writeKeyed(
      {
        docId: `${EVENT_PREFIX}${name}`,
        field: 'properties',
        nameField: 'path',
        cap: CATALOG_LIMITS.propertyPathsPerEvent,
        tallies: event.properties,
      },
      { kind: 'event', name },
      event.dropped,
      now,
      { count: event.count, lastSeen: event.lastSeen },
    );
    this.storedEventNames?.add(name);
  }

  /**
   * One document's update: counts added to the names already stored, new names admitted
   * while under the cap, the rest counted as dropped. The keys stored are learned from the
   * document as written (and read once by `_id` when not known yet).
   */
  private async writeKeyed(
    write: KeyedWrite,
    onInsert: Pick<DataCatalogDoc, 'kind' | 'name'>,
    alreadyDropped: number,
    now: Date,
    counts?: { count: number; lastSeen: Date },
  ): Promise<void> {
    let known = this.storedKeys.get(write.docId);
    if (!known) {
      const doc = await this.collection.findOne({ _id: write.docId }, { projection: { [write.field]: 1 } });
      known = new Set(keysOf(doc?.[write.field]));
    }
    const inc: Record<string, number> = {};
    const max: Record<string, Date> = { updatedAt: now };
    const set: Record<string, string> = {};
    let dropped = alreadyDropped;
    let room = write.cap - known.size;
    const admittedNew = new Set<string>();
    for (const [name, tally] of [...write.tallies].sort((a, b) => b[1].count - a[1].count)) {
      const key = catalogKey(name);
      if (!known.has(key)) {
        if (room <= 0) {
          dropped += tally.count;
          continue;
        }
        room -= 1;
        admittedNew.add(key);
      }
      const at = `${write.field}.${key}`;
      inc[`${at}.count`] = tally.count;
      for (const [kind, n] of tally.kinds) inc[`${at}.kinds.${kind}`] = n;
      if (tally.lastSeen) max[`${at}.lastSeen`] = tally.lastSeen;
      set[`${at}.${write.nameField}`] = name;
    }
    if (counts) {
      inc.count = counts.count;
      max.lastSeen = counts.lastSeen;
    }
    if (dropped > 0) inc.dropped = dropped;
    const update: UpdateFilter<DataCatalogDoc> = { $inc: inc, $max: max, $setOnInsert: onInsert };
    if (Object.keys(set).length > 0) update.$set = set;
    // The whole document back (FerretDB v1's findAndModify takes no projection): a few hundred entries at most.
    const after = await this.collection.findOneAndUpdate({ _id: write.docId }, update, { upsert: true, returnDocument: 'after' });
    const keys = new Set(keysOf(after?.[write.field]));
    for (const key of admittedNew) keys.add(key);
    this.storedKeys.set(write.docId, keys);
  }

  /** The whole catalogue, most frequent first; this process's pending counts are written first. */
  async read(): Promise<DataCatalog> {
    await this.flush().catch(() => undefined /* reported by flush; the stored counts still answer */);
    // Small by construction: at most CATALOG_LIMITS.eventNames + 3 documents.
    const docs = await this.collection.find({}).toArray();
    const paths = (map: Record<string, StoredTally> | undefined): CatalogPath[] =>
      talliesOf(map)
        .filter((tally) => typeof tally.path === 'string')
        .map((tally) => ({
          path: tally.path!,
          kinds: VALUE_KINDS.filter((kind) => (tally.kinds?.[kind] ?? 0) > 0).sort(
            (a, b) => (tally.kinds?.[b] ?? 0) - (tally.kinds?.[a] ?? 0),
          ),
          count: tally.count ?? 0,
        }))
        .sort(byCountThen((entry) => entry.path));
    const dropped = { events: 0, properties: 0, traits: 0, consentCategories: 0, unrecordable: 0 };
    const catalog: DataCatalog = { events: [], traits: [], consentCategories: [], dropped, limits: CATALOG_LIMITS, updatedAt: null };
    for (const doc of docs) {
      if (doc.updatedAt && (!catalog.updatedAt || doc.updatedAt > catalog.updatedAt)) catalog.updatedAt = doc.updatedAt;
      switch (doc.kind) {
        case 'event':
          catalog.events.push({
            name: doc.name ?? doc._id.slice(EVENT_PREFIX.length),
            count: doc.count ?? 0,
            lastSeen: doc.lastSeen ?? null,
            properties: paths(doc.properties),
          });
          dropped.properties += doc.dropped ?? 0;
          break;
        case 'traits':
          catalog.traits = paths(doc.paths);
          dropped.traits += doc.dropped ?? 0;
          break;
        case 'consent':
          catalog.consentCategories = talliesOf(doc.categories)
            .filter((tally) => typeof tally.name === 'string')
            .map((tally) => ({ name: tally.name!, count: tally.count ?? 0, lastSeen: tally.lastSeen ?? null }))
            .sort(byCountThen((entry) => entry.name));
          dropped.consentCategories += doc.dropped ?? 0;
          break;
        case 'summary':
          dropped.events += doc.droppedEvents ?? 0;
          dropped.unrecordable += doc.unrecordable ?? 0;
          break;
      }
    }
    catalog.events.sort(byCountThen((entry) => entry.name));
    return catalog;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** The encoded keys of a keyed map (nothing, should anything else be stored there). */
const keysOf = (map: unknown): string[] => (isRecord(map) ? Object.keys(map) : []);
const talliesOf = (map: unknown): StoredTally[] => (isRecord(map) ? Object.values(map).filter(isRecord) : []);

/** Most frequent first; equal counts by name, so the order is stable. */
function byCountThen<T extends { count: number }>(nameOf: (entry: T) => string): (a: T, b: T) => number {
  return (a, b) => b.count - a.count || (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0);
}
