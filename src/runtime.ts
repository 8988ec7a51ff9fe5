/**
 * Itinera's moving parts wired together against a Temporal server and a MongoDB: the
 * stores, the Temporal client, the worker, the dispatcher, the profile writer, the sweeper
 * and the HTTP app.
 * main.ts adds embedded servers and `listen`; integration tests use this directly.
 *
 * What runs where (ITINERA_ROLE, docs/deploy.md): every role builds the stores, the
 * client, the dispatcher, the profile writer and the outbox sweeper, since every role
 * accepts events (the API over HTTP, the worker from consent lifecycles' activities) and
 * the sweeper finishes what a crashed process of either kind left in the outbox (several
 * sweepers are safe: its repairs and dispatches are idempotent). `worker` and `all` run
 * the Temporal worker; `api` does not. `worker` serves only /health and /ready.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, makeGrpcRetryInterceptor } from '@temporalio/client';
import { Worker, type InjectedSinks, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Express } from 'express';
import type { MongoClient } from 'mongodb';
import { createActivities } from './activities/index.js';
import { createDeliverer } from './channels/deliver.js';
import { derivedLinkSecret, LinkSigner } from './channels/links.js';
import { createMailer } from './channels/mailer.js';
import { startSendSummary } from './channels/send-summary.js';
import type { Config, Role, TemporalTls } from './config.js';
import { checkNamespace, clientConnection, workerConnection, type TemporalSettings } from './infra/temporal-connection.js';
import { DEFAULT_IDENTITY_LIMITS, type IdentityLimits } from './identity/limits.js';
import { IdentityResolver } from './identity/resolve.js';
import { createDispatcher, type Dispatcher } from './ingest/dispatch.js';
import { createEnricher } from './ingest/enrich.js';
import { createIngestor, type Ingestor } from './ingest/ingest.js';
import { ProfileWriter } from './ingest/profile-writer.js';
import { startSweeper } from './ingest/sweeper.js';
import type { Logger } from './logger.js';
import type { ProfileEventToRecord } from './model.js';
import { importApplier } from './import/apply.js';
import type { ApplyMessages } from './import/csv-import.js';
import { SegmentEngine } from './segments/engine.js';
import { SimulationEnvironment } from './simulation/environment.js';
import { ensureTestServer } from './infra/provision.js';
import { createProfileChanges, type ProfileChanges } from './profile-changes/pipeline.js';
import { createApp } from './server/app.js';
import { setOutboxProbe } from './metrics/index.js';
import type { WorkerHealth } from './server/deps.js';
import type { Source } from './server/auth.js';
import { warmUpWorker } from './workflows/warm-up.client.js';
import { connectMongo, createStores, EMBEDDED_FERRETDB_POOL_SIZE, ensureIndexes, type Stores } from './store/index.js';
import { migrate } from './store/migrate.js';
import { derivedPrivacySecret, PrivacyKeys } from './privacy/keys.js';
import type { Processes } from './privacy/erasure.js';
import { SuppressionScreen } from './privacy/suppression.js';
import { quiescingRetries } from './util/temporal-retries.js';
import { startErasure as startErasureRun } from './workflows/erasure.client.js';
import { startExport as startExportRun } from './workflows/export.client.js';
import { signalBroadcast, startBroadcast } from './workflows/broadcast.client.js';
import { terminateRun, type WorkflowStarter } from './workflows/idempotent.client.js';
import { journeyStateQuery, type JourneySinks } from './workflows/messages.js';
import { retentionSchedule } from './workflows/retention.client.js';
import { forgetSegmentClocks, segmentClockOf } from './workflows/segment-clocks.client.js';
import { startSegmentRecompute } from './workflows/segment-recompute.client.js';

/** The source recorded on events Itinera itself records (the consent lifecycle's). */
export const SYSTEM_SOURCE = 'itinera';

/** A profile read waits at most this long for the profile writer, then answers with what is stored (src/server/consistency.ts). */
export const DEFAULT_READ_WAIT_MS = 2_000;

export interface RuntimeOptions {
  temporalAddress: string;
  namespace: string;
  /** TLS to Temporal (absent: plain gRPC) and Temporal Cloud's API key, for the client and the worker alike. */
  temporalTls?: TemporalTls;
  temporalApiKey?: string;
  taskQueue: string;
  /** What this process runs (default `all`): `api` runs no worker, `worker` serves only /health and /ready. */
  role?: Role;
  /**
   * Names this deployment in the Temporal ids another deployment on the namespace could
   * also build (src/util/workflow-ids.ts). Absent (a runtime built directly, as tests do):
   * the ids as they were before deployment ids, the database's name where they had one.
   */
  deploymentId?: string;
  /** Proxies whose X-Forwarded-For is believed (express `trust proxy`); none by default. */
  trustedProxies?: string[];
  mongoUri: string;
  dbName: string;
  /** Concurrent database operations; small for the embedded FerretDB (see connectMongo). */
  mongoMaxPoolSize?: number;
  /** The write key of the `default` source. */
  writeKey: string;
  /** Further sources, each with its own write key. */
  sources?: Source[];
  /** Browser origins allowed per source name; a source not named accepts any origin. */
  allowedOrigins?: Record<string, string[]>;
  /** Where browsers reach this server, for the analytics.js settings it serves. */
  publicUrl?: string;
  /** Console sessions' lifetime and idle timeout (defaults: 12 hours, 60 minutes). */
  sessions?: { absoluteMs: number; idleMs: number };
  /** The base of links in messages when `publicUrl` is not set (default http://localhost:3000). */
  linkBaseUrl?: string;
  /** Outgoing e-mail; without it, e-mails are recorded as `not-configured`. */
  smtp?: { url: string; from: string };
  /** Signs links in messages; by default derived from the admin key. */
  linkSecret?: string;
  /** Keys the suppression list and signs erasure receipts; by default derived from the admin key. */
  privacySecret?: string;
  /** Added to the worker's (tracing, or a test's fault injection). */
  workerInterceptors?: WorkerOptions['interceptors'];
  /** How long a profile read waits for the events accepted before it (default 2 s; src/server/consistency.ts). */
  readWaitMs?: number;
  /** The profile writer's back-pressure thresholds (src/ingest/profile-writer.ts); the defaults suit production. */
  writerLimits?: { maxOutstandingEvents?: number; maxWaitingBatches?: number; leaseMs?: number };
  /** External id types that identify people (`context.externalIds`). */
  externalIdKinds?: string[];
  /** Per-profile identifier limits overriding DEFAULT_IDENTITY_LIMITS. */
  identityLimits?: IdentityLimits;
  /** Derive device, locale and geo traits from each message's context (default true). */
  enrichment?: boolean;
  adminKey: string;
  logger: Logger;
  sweepIntervalMs: number;
  /** Time zone for `wait until` and quiet hours when a profile has none. */
  defaultTimeZone?: string;
  /** GET /metrics's bearer token; absent: loopback clients only (src/metrics/route.ts). */
  metricsToken?: string;
  /** Whether to run the Temporal worker; by default unless the role is `api` (tests that only exercise HTTP and storage say false). */
  runWorker?: boolean;
  now?: () => Date;
}

export interface Runtime {
  app: Express;
  stores: Stores;
  temporal: Client;
  dispatcher: Dispatcher;
  ingestor: Ingestor;
  /** Applies accepted events to profiles; `settled()` before reading a profile directly. */
  writer: ProfileWriter;
  /** Stored segment membership: facts, judgements, clocks. */
  segments: SegmentEngine;
  /** What every change of a profile goes through (src/profile-changes/pipeline.ts). */
  changes: ProfileChanges;
  /** Applies imported rows (CSV import over HTTP or from the command line). */
  importApply: ApplyMessages;
  /** The Temporal worker, when this process runs one (operators' and tests' handle on it). */
  worker?: Worker;
  /** Settles when the worker stops, for whatever reason; absent without a worker. */
  workerEnded?: Promise<void>;
  /** Gets the journey simulations ready ahead of the first (src/simulation/environment.ts). */
  prepareSimulations(): void;
  close(): Promise<void>;
}

/** The runtime a configuration describes, against servers already chosen (configured or embedded). */
export function runtimeOptionsFrom(config: Config, servers: { temporalAddress: string; mongoUri: string }, logger: Logger): RuntimeOptions {
  return {
    temporalAddress: servers.temporalAddress,
    namespace: config.temporal.namespace,
    ...(config.temporal.tls ? { temporalTls: config.temporal.tls } : {}),
    ...(config.temporal.apiKey ? { temporalApiKey: config.temporal.apiKey } : {}),
    taskQueue: config.temporal.taskQueue,
    role: config.role,
    deploymentId: config.deploymentId,
    trustedProxies: config.trustedProxies,
    mongoUri: servers.mongoUri,
    dbName: config.mongo.dbName,
    ...(config.mongo.uri ? {} : { mongoMaxPoolSize: EMBEDDED_FERRETDB_POOL_SIZE }),
    writeKey: config.writeKey,
    sources: config.sources,
    allowedOrigins: config.allowedOrigins,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : { linkBaseUrl: `http://localhost:${config.port}` }),
    ...(config.smtp ? { smtp: config.smtp } : {}),
    ...(config.linkSecret ? { linkSecret: config.linkSecret } : {}),
    ...(config.privacySecret ? { privacySecret: config.privacySecret } : {}),
    externalIdKinds: config.externalIdKinds,
    identityLimits: config.identityLimits,
    adminKey: config.adminKey,
    logger,
    sweepIntervalMs: config.sweepIntervalMs,
    writerLimits: { leaseMs: config.outboxLeaseMs },
    readWaitMs: config.readWaitMs,
    sessions: config.sessions,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
  };
}

/** Where runs' funnel counts land (src/store/journey-stats.ts); not called again when a run is replayed. */
export function journeySinks(stores: Stores): InjectedSinks<JourneySinks> {
  return {
    journeyStats: {
      count: {
        fn: (_info, journey, rulesVersion, field) => stores.journeyStats.count(journey, rulesVersion, field),
        callDuringReplay: false,
      },
    },
  };
}

function workflowsPath(): string {
  const ts = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('./workflows/index.js', import.meta.url));
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const mongo: MongoClient = await connectMongo(options.mongoUri, options.mongoMaxPoolSize);
  const stores = createStores(mongo.db(options.dbName));
  stores.dataCatalog.reportFailuresTo(logger);
  stores.journeyStats.setLogger(logger);
  stores.deliveries.counts.setLogger(logger);
  await ensureIndexes(stores);
  await migrate(stores, now());

  const role = options.role ?? 'all';
  const runWorker = options.runWorker ?? role !== 'api';
  const temporalSettings: TemporalSettings = {
    address: options.temporalAddress,
    namespace: options.namespace,
    ...(options.temporalTls ? { tls: options.temporalTls } : {}),
    ...(options.temporalApiKey ? { apiKey: options.temporalApiKey } : {}),
  };
  // A namespace that is not there fails the start in one line; a Temporal that does not
  // answer fails it only where the worker needs it now (below).
  if ((await checkNamespace(temporalSettings)) === 'unreachable' && !runWorker) {
    logger.warn(
      { temporal: options.temporalAddress, namespace: options.namespace },
      'Temporal does not answer; starting without it (events wait in the outbox), namespace not checked',
    );
  }
  const { deploymentId } = options;
  /** Where ids had the database's name before deployment ids, they keep it by default. */
  const deploymentScope = deploymentId ?? options.dbName;

  // Lazy: the API accepts events while Temporal is unreachable; the outbox catches up.
  const retries = quiescingRetries();
  const connection = clientConnection(temporalSettings, [makeGrpcRetryInterceptor(retries.options)]);
  const temporal = new Client({ connection, namespace: options.namespace });
  // Every start, signal and termination goes through the workflows' clients (src/workflows/*.client.ts).
  const workflows: WorkflowStarter = { temporal, taskQueue: options.taskQueue };
  const dispatcher = createDispatcher({ stores, workflows, ...(deploymentId ? { deploymentId } : {}) });
  const segments = new SegmentEngine({ stores, now, logger, clock: segmentClockOf(workflows), journeys: dispatcher });
  const startRecompute = async (version: number) => {
    // The engine's view of the rules sets the cutoffs of leaves new to them (src/segments/
    // leaf-cutoffs.ts) here, as the deploy starts the recompute, rather than only in its
    // first step: the recompute's wait for the cutoff then passes while its workflow starts
    // (0.2 s of a first deploy of 80 segments over an empty database). The two go side by
    // side: whichever writes a leaf's cutoff first sets it, the other finds it set (as a
    // writer's round and the first step already may).
    await Promise.all([segments.context(), startSegmentRecompute(workflows, deploymentScope, version)]);
  };
  const startErasure = (requestId: string) => startErasureRun(workflows, requestId);
  const startExport = (requestId: string) => startExportRun(workflows, requestId);

  // The consent lifecycle records events through ingestion, which is built below.
  const built: { ingestor?: Ingestor } = {};
  const recordProfileEvent = async (profileId: string, event: ProfileEventToRecord) => {
    // An activity this early is retried by Temporal.
    if (!built.ingestor) throw new Error('ingestion is not ready yet');
    await built.ingestor.ingestForProfile(profileId, event, { receivedAt: now(), source: SYSTEM_SOURCE });
  };

  const privacyKeys = new PrivacyKeys(options.privacySecret ?? derivedPrivacySecret(options.adminKey));
  const processes: Processes = {
    // Never started, or ended already (false): nothing of the person runs there.
    terminate: (workflowId, reason) => terminateRun(temporal, workflowId, reason),
    forgetClocks: (profileIds) => forgetSegmentClocks(workflows, profileIds),
    ...(deploymentId ? { deploymentId } : {}),
  };
  // What every change of a profile goes through, whoever makes it (src/profile-changes/pipeline.ts).
  const changes = createProfileChanges({ stores, now, segments, journeys: dispatcher, runs: processes });
  const links = new LinkSigner(options.linkSecret ?? derivedLinkSecret(options.adminKey));
  const mailer = options.smtp ? createMailer(options.smtp.url, options.smtp.from) : undefined;
  const linkBaseUrl = options.publicUrl ?? options.linkBaseUrl ?? 'http://localhost:3000';
  // The worker's per-minute line of what it sent (src/channels/send-summary.ts).
  const sendSummary = runWorker ? startSendSummary(logger) : undefined;
  const channels = createDeliverer({
    stores,
    now,
    links,
    ...(mailer ? { mailer } : {}),
    publicUrl: linkBaseUrl,
    defaultTimeZone: options.defaultTimeZone ?? 'UTC',
  });
  const deliverer = sendSummary ? sendSummary.counting(channels) : channels;

  let closing = false;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  let workerError: string | undefined;
  let nativeConnection: NativeConnection | undefined;
  if (runWorker) {
    nativeConnection = await workerConnection(temporalSettings);
    worker = await Worker.create({
      connection: nativeConnection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      workflowsPath: workflowsPath(),
      activities: createActivities({
        stores,
        now,
        defaultTimeZone: options.defaultTimeZone ?? 'UTC',
        recordProfileEvent,
        segments,
        changes,
        deliverer,
        privacyKeys,
        processes,
        startErasure,
        logger,
      }),
      sinks: journeySinks(stores),
      ...(options.workerInterceptors ? { interceptors: options.workerInterceptors } : {}),
    });
    workerRun = worker.run().then(
      () => {
        if (!closing) logger.fatal('the Temporal worker stopped');
      },
      (error: unknown) => {
        workerError = error instanceof Error ? error.message.split('\n')[0] : String(error);
        logger.fatal({ err: error }, 'the Temporal worker failed');
      },
    );
    warmUpWorker(temporal, options.taskQueue).catch((error: unknown) => logger.debug({ err: error }, 'warming the worker up failed'));
  }
  /** For /ready: the worker is up only while it polls (RUNNING); stopping, stopped or failed is down. */
  const workerHealth = (): WorkerHealth | undefined => {
    if (!worker) return undefined;
    const state = worker.getState();
    return { up: state === 'RUNNING', state, ...(workerError ? { error: workerError } : {}) };
  };

  const writer = new ProfileWriter({ stores, changes, logger, now, ...options.writerLimits });

  const enricher =
    (options.enrichment ?? true)
      ? await createEnricher({ onGeoIpProblem: (problem) => logger.warn({ problem }, 'geo-IP enrichment unavailable') })
      : undefined;
  const ingestor = createIngestor({
    stores,
    resolver: new IdentityResolver(stores, { ...DEFAULT_IDENTITY_LIMITS, ...options.identityLimits }),
    writer,
    externalIdKinds: options.externalIdKinds ?? [],
    suppression: new SuppressionScreen(stores, privacyKeys, options.externalIdKinds ?? []),
    ...(enricher ? { enrich: (message, ip) => enricher.enrich(message, ip === undefined ? {} : { remoteAddress: ip }) } : {}),
  });
  built.ingestor = ingestor;
  const importApply = importApplier({ ingestor, now, rules: stores.rules });
  const sweeper = startSweeper({
    stores,
    changes,
    writer,
    startPendingErasure: startErasure,
    startPendingExport: startExport,
    logger,
    intervalMs: options.sweepIntervalMs,
    now,
    segments,
    startSegmentRecompute: startRecompute,
  });
  // Nothing starts until the first simulation (src/simulation/environment.ts).
  const simulations = new SimulationEnvironment({ testServerBinary: () => ensureTestServer((line) => logger.info(line)), logger });
  // The outbox gauges are read when /metrics is scraped (src/metrics).
  const forgetOutboxProbe = setOutboxProbe(() => stores.outbox.summary());
  const app = createApp({
    ...(options.metricsToken ? { metricsToken: options.metricsToken } : {}),
    simulations,
    surface: role === 'worker' ? 'health' : 'api',
    workerHealth,
    trustedProxies: options.trustedProxies ?? [],
    stores,
    logger,
    sources: [{ name: 'default', writeKey: options.writeKey }, ...(options.sources ?? [])].map((source) => {
      const origins = options.allowedOrigins?.[source.name];
      return origins ? { ...source, origins } : source;
    }),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
    adminKey: options.adminKey,
    externalIdKinds: options.externalIdKinds ?? [],
    ingestor,
    importApply,
    now,
    profilesSettled: () => writer.settledWithin(options.readWaitMs ?? DEFAULT_READ_WAIT_MS),
    ingestionSaturated: () => writer.saturated(),
    startErasure,
    startExport,
    privacyKeys,
    processes,
    retention: retentionSchedule(workflows, deploymentScope),
    links,
    linkBaseUrl,
    ...(mailer ? { mailer } : {}),
    startSegmentRecompute: startRecompute,
    broadcasts: {
      start: (name) => startBroadcast(workflows, deploymentScope, name),
      signal: (name, action) => signalBroadcast(workflows, deploymentScope, name, action),
    },
    defaultTimeZone: options.defaultTimeZone ?? 'UTC',
    changes,
    temporalReady: () => connection.workflowService.getSystemInfo({}),
    journeyState: (workflowId, runId) => temporal.workflow.getHandle(workflowId, runId).query(journeyStateQuery),
  });

  return {
    app,
    stores,
    temporal,
    dispatcher,
    ingestor,
    writer,
    segments,
    changes,
    importApply,
    ...(worker && workerRun ? { worker, workerEnded: workerRun } : {}),
    prepareSimulations: () => simulations.prepare(),
    async close() {
      closing = true;
      forgetOutboxProbe();
      await simulations.close();
      await sweeper.stop();
      writer.stopRenewing();
      // Profile writes finish; dispatches not done in time are safe in the outbox, so an
      // unreachable Temporal does not hold the shutdown for long.
      await writer.settled();
      await Promise.race([writer.drain(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      // What is still open stays leased until its lease runs out; then another process's sweeper takes it.
      writer.stopRenewing();
      if (worker) {
        // npm start takes the process signals from the SDK (main.ts); where it keeps them (a
        // test process, another host program) a signal may have started the drain already.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerRun;
      }
      sendSummary?.stop();
      mailer?.close();
      await stores.journeyStats.flush().catch((error: unknown) => logger.warn({ err: error }, 'journey counts not written'));
      await stores.deliveries.counts.flush().catch((error: unknown) => logger.warn({ err: error }, 'delivery counts not written'));
      // After the writer has settled: the last events' catalogue counts are in memory until here.
      await stores.dataCatalog.close();
      await nativeConnection?.close();
      // Calls still retrying (Temporal unreachable) stop first: see util/temporal-retries.ts.
      await retries.quiesce();
      await connection.close();
      await mongo.close();
    },
  };
}
