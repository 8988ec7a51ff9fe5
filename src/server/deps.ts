/**
 * What the HTTP API is built from: createApp (app.ts) takes these, and each route takes
 * the part it needs. A module of its own so that the routes, which app.ts imports, need
 * not import app.ts back.
 */
import type { SessionPolicy } from '../accounts/sessions.js';
import type { LinkSigner } from '../channels/links.js';
import type { Mailer } from '../channels/mailer.js';
import type { ApplyMessages } from '../import/csv-import.js';
import type { Ingestor } from '../ingest/ingest.js';
import type { Logger } from '../logger.js';
import type { Processes } from '../privacy/erasure.js';
import type { PrivacyKeys } from '../privacy/keys.js';
import type { RetentionSchedule } from '../privacy/retention-schedule.js';
import type { ProfileChanges } from '../profile-changes/pipeline.js';
import type { SimulationEnvironment } from '../simulation/environment.js';
import type { Stores } from '../store/index.js';
import type { JourneyState } from '../workflows/messages.js';
import type { Source } from './auth.js';

/** The Temporal worker of this process as /ready reports it. */
export interface WorkerHealth {
  /** Polling its task queue (state RUNNING). */
  up: boolean;
  /** Temporal's own word for it: RUNNING, STOPPING, DRAINING, DRAINED, STOPPED, FAILED… */
  state: string;
  /** Why it failed, first line. */
  error?: string;
}

export type BroadcastAction = 'pause' | 'resume' | 'cancel';

/** Starts and signals broadcasts' runs (src/workflows/broadcast.client.ts), filled by the wiring. */
export interface BroadcastRuns {
  /** Starts the broadcast's run; false when it was started before. */
  start(name: string): Promise<boolean>;
  signal(name: string, action: BroadcastAction): Promise<boolean>;
}

export interface AppDeps {
  /** GET /metrics's bearer token; absent: loopback clients only (src/metrics/route.ts). */
  metricsToken?: string;
  /** `api`: every route; `health`: only /health and /ready (a worker process), the rest 404. */
  surface?: 'api' | 'health';
  /** This process's worker; absent where none runs (an API process). */
  workerHealth?: () => WorkerHealth | undefined;
  /** Proxies whose X-Forwarded-For sets `req.ip` (addresses, CIDRs); none by default. */
  trustedProxies?: readonly string[];
  stores: Stores;
  logger: Logger;
  /** Event sources, their write keys and the web origins allowed to use them. */
  sources: readonly Source[];
  /** Where browsers reach this server (the analytics.js settings); by default the request's host. */
  publicUrl?: string;
  /** Configured external id types, accepted by profile lookup. */
  externalIdKinds: readonly string[];
  adminKey: string;
  ingestor: Ingestor;
  importApply: ApplyMessages;
  now: () => Date;
  /**
   * Resolves once every event accepted so far is applied to its profile, or after a bound
   * (src/server/consistency.ts), with the number of events still unapplied then.
   */
  profilesSettled: () => Promise<number>;
  /** The profile writer is too far behind to queue more: tracking requests are refused with 503. */
  ingestionSaturated?: () => boolean;
  startErasure: (requestId: string) => Promise<void>;
  startExport: (requestId: string) => Promise<void>;
  /** Signs erasure receipts; its public key is served for checking them. */
  privacyKeys: PrivacyKeys;
  /** Ends a restricted person's journey runs. */
  processes: Processes;
  /** The daily schedule applying the retention policy. */
  retention: RetentionSchedule;
  /** Signs and reads the links in messages (one-click unsubscribe). */
  links: LinkSigner;
  /** Where links in e-mails point (the configured public URL, never a request's Host header). */
  linkBaseUrl: string;
  /** SMTP, when configured: the privacy page's links are mailed with it. */
  mailer?: Mailer;
  /** Starts a rules version's segment recompute; the sweeper retries one that failed to start. */
  startSegmentRecompute?: (version: number) => Promise<void>;
  /** Where an admin's rectifications and restrictions are written and judged. */
  changes: ProfileChanges;
  temporalReady: () => Promise<unknown>;
  /** Starts and signals broadcasts; without it their changes answer 503. */
  broadcasts?: BroadcastRuns;
  /** Where a broadcast's quiet hours are read when its start names no time zone (default UTC). */
  defaultTimeZone?: string;
  /** Console sessions' lifetime and idle timeout; DEFAULT_SESSION_POLICY when absent. */
  sessions?: SessionPolicy;
  /** Where a journey run is (its `journeyState` query); without it the console shows runs without their step. */
  journeyState?: (workflowId: string, runId?: string) => Promise<JourneyState>;
  /** Runs journey simulations (src/simulation); without it POST /v1/journeys/simulate answers 503. */
  simulations?: SimulationEnvironment;
}
