import { MongoClient, type Db } from 'mongodb';
import { COLLECTIONS } from './collections.js';
import { ConsentLedgerStore } from './consents.js';
import { DeliveryStore } from './deliveries.js';
import { DestinationStore } from './destinations.js';
import { FrequencyCapStore } from './frequency-caps.js';
import { JourneyControlStore } from './journey-controls.js';
import { JourneyStatsStore } from './journey-stats.js';
import { isFerretDb } from './engine.js';
import { EventStore } from './events.js';
import { GroupStore } from './groups.js';
import { MergeStore } from './merges.js';
import { OutboxStore } from './outbox.js';
import { IdentityStore } from './identities.js';
import { PopulationStore } from './population.js';
import { PrivacyRequestStore } from './privacy-requests.js';
import { ProfileStore } from './profiles.js';
import { RulesStore } from './rules.js';
import { SegmentCatalogStore } from './segment-catalog.js';
import { SegmentHistoryStore } from './segment-history.js';
import { SegmentMemberStore } from './segment-members.js';
import { SegmentStatsStore } from './segment-stats.js';
import { TemplateStore } from './templates.js';
import { SuppressionStore } from './suppressions.js';
import { AuditStore } from './audit.js';
import { MigrationStore } from './migrations.js';
import { ExportChunkStore } from './export-chunks.js';
import { RetentionStore } from './retention.js';
import { UserStore } from './users.js';
import { SessionStore } from './sessions.js';
import { DataCatalogStore } from './data-catalog.js';
import { RateLimitStore } from './rate-limits.js';
import { BroadcastStore } from './broadcasts.js';
import { SettingsStore } from './settings.js';

export {
  AuditStore,
  COLLECTIONS,
  ConsentLedgerStore,
  ExportChunkStore,
  RetentionStore,
  DeliveryStore,
  DestinationStore,
  EventStore,
  FrequencyCapStore,
  JourneyControlStore,
  JourneyStatsStore,
  GroupStore,
  IdentityStore,
  MergeStore,
  OutboxStore,
  PopulationStore,
  PrivacyRequestStore,
  ProfileStore,
  RulesStore,
  SegmentCatalogStore,
  SegmentHistoryStore,
  SegmentMemberStore,
  SegmentStatsStore,
  SuppressionStore,
  TemplateStore,
  UserStore,
  SessionStore,
  DataCatalogStore,
  RateLimitStore,
  SettingsStore,
};

/** One store per collection (and PopulationStore for whole-population reads): nothing else opens a collection. */
export interface Stores {
  profiles: ProfileStore;
  identities: IdentityStore;
  events: EventStore;
  outbox: OutboxStore;
  merges: MergeStore;
  groups: GroupStore;
  rules: RulesStore;
  privacyRequests: PrivacyRequestStore;
  suppressions: SuppressionStore;
  audit: AuditStore;
  exportChunks: ExportChunkStore;
  retention: RetentionStore;
  deliveries: DeliveryStore;
  templates: TemplateStore;
  destinations: DestinationStore;
  frequencyCaps: FrequencyCapStore;
  journeyStats: JourneyStatsStore;
  journeyControls: JourneyControlStore;
  consents: ConsentLedgerStore;
  segments: SegmentCatalogStore;
  segmentMembers: SegmentMemberStore;
  segmentHistory: SegmentHistoryStore;
  segmentStats: SegmentStatsStore;
  population: PopulationStore;
  /** The console's named users and their sessions. */
  users: UserStore;
  sessions: SessionStore;
  /** What the data holds: event names, property and trait paths (the rule editor's completion). */
  dataCatalog: DataCatalogStore;
  /** Attempt counters shared by every server process (the privacy page's limits). */
  rateLimits: RateLimitStore;
  /** Which one-off changes to stored data are done (src/store/migrate.ts). */
  migrations: MigrationStore;
  /** Each broadcast's start, state and progress, and the audience it took at its start. */
  broadcasts: BroadcastStore;
  /** Settings an admin changes at run time (the privacy page's look and labels). */
  settings: SettingsStore;
  /** Whether the database answers (readiness). */
  ping(): Promise<void>;
  /** Whether the database is FerretDB, whose limits some stores work around. */
  isFerretDb(): Promise<boolean>;
}

export function createStores(db: Db): Stores {
  let ferret: Promise<boolean> | undefined;
  return {
    profiles: new ProfileStore(db),
    identities: new IdentityStore(db),
    events: new EventStore(db),
    outbox: new OutboxStore(db),
    merges: new MergeStore(db),
    groups: new GroupStore(db),
    rules: new RulesStore(db),
    privacyRequests: new PrivacyRequestStore(db),
    suppressions: new SuppressionStore(db),
    audit: new AuditStore(db),
    exportChunks: new ExportChunkStore(db),
    retention: new RetentionStore(db),
    deliveries: new DeliveryStore(db),
    templates: new TemplateStore(db),
    destinations: new DestinationStore(db),
    frequencyCaps: new FrequencyCapStore(db),
    journeyStats: new JourneyStatsStore(db),
    journeyControls: new JourneyControlStore(db),
    consents: new ConsentLedgerStore(db),
    segments: new SegmentCatalogStore(db),
    segmentMembers: new SegmentMemberStore(db),
    segmentHistory: new SegmentHistoryStore(db),
    segmentStats: new SegmentStatsStore(db),
    population: new PopulationStore(db),
    users: new UserStore(db),
    sessions: new SessionStore(db),
    dataCatalog: new DataCatalogStore(db),
    rateLimits: new RateLimitStore(db),
    migrations: new MigrationStore(db),
    broadcasts: new BroadcastStore(db),
    settings: new SettingsStore(db),
    async ping() {
      await db.command({ ping: 1 });
    },
    isFerretDb: () => (ferret ??= isFerretDb(db)),
  };
}

/**
 * The secondary indexes. None of them is unique (the `_id`s carry every uniqueness rule),
 * so leaving one out changes no result, only its cost.
 *
 * Those of one person's records (by profile id, by merge) are created everywhere: the
 * embedded FerretDB searches an index for a string equality or `$in` on the field leading
 * it (src/infra/ferretdb-patch.ts), so one person's events, identities, messages and
 * merges are read without reading everyone's. The others serve ranges and array fields,
 * which FerretDB answers by reading the collection anyway: there they would only cost
 * every write, so they are created on MongoDB alone. On a database that has grown without
 * them, the first start creates them (once; minutes for millions of events).
 */
export async function ensureIndexes(stores: Stores): Promise<void> {
  // test/store/indexes.test.ts creates them all on FerretDB, so their specifications are tested.
  await Promise.all([
    stores.identities.ensureIndexes(),
    stores.events.ensureIndexes(),
    stores.merges.ensureIndexes(),
    stores.profiles.redirects.ensureIndexes(),
    stores.deliveries.ensureIndexes(),
    stores.privacyRequests.ensureIndexes(),
    stores.audit.ensureIndexes(),
    // The ledger's pages search records by hour (src/store/hour-pages.ts).
    stores.consents.ensurePagingIndex(),
  ]);
  if (await stores.isFerretDb()) return;
  await Promise.all([
    stores.profiles.ensureIndexes(),
    stores.outbox.ensureIndexes(),
    stores.consents.ensureIndexes(),
    stores.rateLimits.ensureIndexes(),
  ]);
}

/**
 * Journaled, majority-acknowledged writes: a 2xx means the data survives a crash.
 * `maxPoolSize` bounds concurrent operations; against the embedded FerretDB (one SQLite
 * writer at a time) a small pool queues work in the driver instead of in SQLite's busy
 * handler, which gives up after 10 s.
 */
export const EMBEDDED_FERRETDB_POOL_SIZE = 8;

export async function connectMongo(uri: string, maxPoolSize = 100): Promise<MongoClient> {
  const client = new MongoClient(uri, { writeConcern: { w: 'majority', journal: true }, serverSelectionTimeoutMS: 10_000, maxPoolSize });
  await client.connect();
  return client;
}
