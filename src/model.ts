/**
 * The shapes several layers share: the profile and the event (read by the conditions, the
 * segment engine, the activities and the server alike), identifiers, consent as the profile
 * holds it, and the messages journeys send. A document that one store owns is declared
 * next to that store (the outbox in store/outbox.ts, a privacy request in
 * store/privacy-requests.ts, …); the collections' names are in store/collections.ts.
 */
import type { MessageKind, ValueIR } from './dsl/ir.js';

/**
 * The kinds of identifier that stitch events into one profile: the four built in, plus
 * the external ids an operator configures (`ITINERA_EXTERNAL_IDS`, e.g. `shopify_id`).
 */
export type CoreIdentityKind = 'userId' | 'anonymousId' | 'email' | 'phone';
export type IdentityKind = CoreIdentityKind | (string & {});
export const CORE_IDENTITY_KINDS: readonly CoreIdentityKind[] = ['userId', 'anonymousId', 'email', 'phone'];

/**
 * Per-profile counters kept on ingest so segments need not scan history. Keyed by event
 * name (track) or "Page Viewed" / "Screen Viewed"; keys are encoded by `counterKey`.
 */
export type Counters = Record<string, { count: number; sum?: Record<string, number> }>;

export type Traits = Record<string, unknown>;

/**
 * What a person said about one purpose: the states a ledger record can have. `pending`: a
 * grant of a purpose with double opt-in (`confirm with email`), not yet confirmed; it
 * grants nothing.
 */
export type ConsentRecordState = 'granted' | 'denied' | 'revoked' | 'pending';

/** A purpose's current state on the profile: a record's state, or `expired` once a grant lapsed. */
export type ConsentProjectionState = ConsentRecordState | 'expired';

/**
 * The profile's projection of the consent ledger for one purpose: the state of the latest
 * record (by the time it was given), since when, and until when a grant holds. Derived
 * from the ledger (consent/projection.ts rebuilds it), never written on its own.
 */
export interface ConsentRecord {
  state: ConsentProjectionState;
  /** When the current state was given (the record's `at`). */
  at: Date;
  /** A granted consent is treated as missing from this instant on. */
  expiresAt?: Date;
  /** When `Consent Expiring` is recorded (`remind … before expiry`). */
  remindAt?: Date;
  /** The ledger record this state comes from (absent on states seeded before the ledger existed). */
  recordId?: string;
}

/** Where a consent change came from. */
export type ConsentOriginKind = 'source' | 'api' | 'import' | 'admin' | 'unsubscribe' | 'portal' | 'lifecycle' | 'confirmation';

export interface ConsentOrigin {
  kind: ConsentOriginKind;
  /** The write key's source name (`default`, `web`…) or `import`. */
  source?: string;
  /** Why an admin recorded it on the person's behalf (required for `admin`). */
  reason?: string;
}

/** How a consent was given and what the person was shown: the proof a record keeps. */
export interface ConsentProof {
  /** How it was given: `form`, `checkbox`, `banner`, `categoryPreferences`, `import`… */
  method?: string;
  /** What the person was shown. */
  shown?: {
    /** The consent's title in the rules active when it was recorded, and that version. */
    title?: string;
    rulesVersion?: number;
    /** The notice text or its URL, as the caller sent them. */
    text?: string;
    url?: string;
  };
  pageUrl?: string;
  userAgent?: string;
  /** Anonymised: the last IPv4 octet or the last 80 bits of IPv6 zeroed; absent when withheld. */
  ip?: string;
  /** A one-click unsubscribe, or a confirmation: the delivery key of the message it came from. */
  message?: string;
  /** A double opt-in confirmation: the `pending` record it confirms. */
  confirms?: string;
}

/**
 * The consent a stored event carries, captured at ingestion (consent/capture.ts) and
 * applied to the ledger and the profile by the profile writer.
 */
export interface EventConsent {
  /** Explicit changes: `POST /v1/consents`, an admin, an import. */
  changes?: { purpose: string; state: ConsentRecordState }[];
  /** Segment's `context.consent.categoryPreferences`, mapped to purposes when applied. */
  categoryPreferences?: Record<string, boolean>;
  /**
   * Whether the preferences are the person's act (`Segment Consent Preference Updated`):
   * they then record every change. Otherwise they are the state a client carries, and
   * only fill in purposes with no record yet.
   */
  preferencesUpdated?: boolean;
  /** A lapsed grant (`Consent Expired`, recorded by the consent lifecycle). */
  expire?: { purpose: string; recordId: string };
  /**
   * A double opt-in confirmation (its change is a grant): the `pending` record confirmed
   * and when it was given. Applied only while that request is still open.
   */
  confirms?: { recordId: string; at: Date };
  origin: ConsentOrigin;
  proof: ConsentProof;
}

/** A journey run the profile is currently in, for the single customer view and dispatch. */
export interface JourneyMembership {
  workflowId: string;
  journey: string;
  rulesVersion: number;
  /** The run within the workflow id (absent on runs recorded before admission existed). */
  runId?: string;
  enteredAt: Date;
}

/**
 * Trigger events remembered per person and journey. A repeated dispatch comes within a
 * sweep interval or an outage, long before this many newer triggers of the same journey.
 */
export const REMEMBERED_TRIGGERS = 50;

/**
 * What a person's past runs of one journey (by name, across rules versions) leave behind:
 * what its `reentry` rule is checked against, and what keeps a repeated dispatch of one
 * trigger event from starting a second run.
 */
export interface JourneyHistory {
  /** Runs admitted so far. */
  entries: number;
  lastEnteredAt: Date;
  /** The latest trigger events that started a run, newest last, at most REMEMBERED_TRIGGERS. */
  triggerEventIds: string[];
  /** The run last let in (its first run id): asking again, even after it left, it is let in again. */
  lastRunId?: string;
}

/**
 * The segment engine's own fields on a profile (src/segments): only the engine writes them,
 * through `ProfileStore.decideSegmentState`; everyone may read them.
 */
export interface SegmentState {
  /** Stored segment membership, keyed by segment name (see src/segments). */
  segments?: Record<string, SegmentMembership>;
  /** What the person's events amount to for each event condition, keyed by leaf (src/segments/facts.ts). */
  segmentFacts?: Record<string, SegmentFact>;
  /** The instant the person's segment clock is set to ring, if any. */
  segmentClockAt?: Date | null;
  /** Membership changes written with the membership, not yet copied to history, member lists and stats. */
  segmentChanges?: SegmentChange[];
  /** How many segment changes the person has had: numbers the next one. */
  segmentChangeCount?: number;
  /** Facts a deploy's backfill computed from the events up to a leaf's cutoff, keyed `<leaf key>@<cutoff ms>` (src/segments/person-facts.ts). */
  segmentBackfill?: Record<string, SegmentFact>;
  /** Counts the writes of the fields above: guards one against another process's (see SegmentEngine). */
  segmentVersion?: number;
  /** Profiles merged into this one since its segments were last judged: the next refresh judges all of them. */
  segmentMergedFrom?: string[];
}

export interface ProfileDoc extends SegmentState {
  _id: string;
  traits: Traits;
  tags: string[];
  identities: Partial<Record<IdentityKind, string[]>>;
  consents: Record<string, ConsentRecord>;
  /** The consent ledger records of this person (and of every profile merged into it), oldest first. */
  consentLog?: string[];
  counters?: Counters;
  /** Groups (accounts, companies) the person belongs to, from `group` calls. */
  groupIds?: string[];
  /** Profiles merged into this one; makes re-running an interrupted merge harmless. */
  mergedFrom?: string[];
  /** Runs in progress, keyed by workflow id (a key, not an array, so leaving is one atomic `$unset`). */
  journeys: Record<string, JourneyMembership>;
  /** Keyed by journey name (an identifier, so a safe field name); absent until a first entry. */
  journeyHistory?: Record<string, JourneyHistory>;
  /**
   * Restriction of processing (GDPR art. 18): while set, no journey admits the person, no
   * message is sent to them and they are in no segment. Their data is kept.
   */
  restricted?: { since: Date; reason?: string } | null;
  /**
   * The outbox entries (batches) whose events are counted on this profile, with when: a
   * batch is applied to a profile once, whichever process applies it (store/profiles.ts).
   * Kept for a while after the batch closed (see APPLIED_MARK_KEEP_MS), then pruned.
   */
  appliedBatches?: Record<string, Date>;
  /** Counts every write of the profile: a merge guards its writes with it (store/profiles.ts, absorb). */
  rev?: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface SegmentMembership {
  since: Date;
  /** The definition (src/segments/plan.ts) the membership was last judged by. */
  def: string;
}

/** One leaf's fact (src/segments/facts.ts): what a person's events amount to for one event condition. */
export interface SegmentFact {
  /** count: events counted; total: values aggregated. */
  n?: number;
  /** recent: timestamps (epoch ms), newest first. */
  t?: number[];
  /** total: sum, minimum and maximum of the values (minimum and maximum absent while n is 0). */
  sum?: number;
  min?: number;
  max?: number;
  /** window: (timestamp ms, value) pairs, oldest first (objects: FerretDB stores no nested arrays). */
  e?: { t: number; v: number }[];
}

/** Why a person entered or left a segment. Ids only: the history holds no personal data. */
export type SegmentChangeReason =
  | { kind: 'event'; eventId: string }
  | { kind: 'time window' }
  | { kind: 'rules deployed'; version: number }
  | { kind: 'merge'; profileId: string }
  | { kind: 'erasure' }
  /** The person's processing was restricted (art. 18), or the restriction lifted. */
  | { kind: 'restriction' }
  /** A tag, trait or consent written by a journey, an admin or a consent lifecycle. */
  | { kind: 'profile update' };

export interface SegmentChange {
  /** `<profileId>:<n>`, n counting the person's changes: applying one twice is harmless. */
  _id: string;
  profileId: string;
  segment: string;
  change: 'entered' | 'exited';
  at: Date;
  reason: SegmentChangeReason;
  /** Made by the first computation of a new segment: the person was a member already. */
  initial?: true;
}

export interface SegmentCatalogDoc {
  /** The segment's name. */
  _id: string;
  title?: string;
  def: string;
  /** The rules version whose definition this is. */
  version: number;
  state: 'computing' | 'ready';
  /** Set while it is computed for the first time: entries then are `initial` (members already). */
  firstComputation?: boolean;
  progress?: { phase: 'facts' | 'members'; done: number; total: number };
  computedAt?: Date;
  size: number;
  createdAt: Date;
}

export type EventType = 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';

export interface EventDoc {
  /** Derived from the client's messageId, so a repeated message is stored once. */
  _id: string;
  messageId: string;
  type: EventType;
  /** Event name for `track`; absent otherwise. */
  event?: string;
  /** Page or screen name. */
  name?: string;
  category?: string;
  groupId?: string;
  previousId?: string;
  /** The source (write key) it came from. */
  source: string;
  profileId: string;
  userId?: string;
  anonymousId?: string;
  properties: Record<string, unknown>;
  traits?: Traits;
  context: Record<string, unknown>;
  /** The consent it carries, if any (see EventConsent). */
  consent?: EventConsent;
  /** When it happened, corrected for client clock skew. */
  timestamp: Date;
  receivedAt: Date;
  /** The outbox entry of the batch that stored it first: the batch that counts it (ingest/sweeper.ts). */
  outboxId?: string;
}

/** An event Itinera records on a known person's timeline itself (`Consent Expiring`…). */
export interface ProfileEventToRecord {
  event: string;
  properties: Record<string, unknown>;
  /** Deterministic, so recording it again (a retried activity) stores nothing new. */
  messageId: string;
  timestamp: Date;
  consent?: EventConsent;
}

/** What the audit log records: privacy actions, admin consent edits, deploys, suppression changes, views of a person. */
export const AUDIT_KINDS = [
  'erasure.requested',
  'erasure.completed',
  'erasure.failed',
  'suppression.lifted',
  'rules.deployed',
  'consent.changed',
  'profile.rectified',
  'profile.restricted',
  'profile.unrestricted',
  'export.requested',
  'export.downloaded',
  'retention.changed',
  'retention.applied',
  'portal.link-issued',
  'user.created',
  'user.changed',
  'user.sessions-revoked',
  'session.started',
  /** A console user opened a person's 360° view (GET /v1/people/:id). */
  'profile.viewed',
  /** A broadcast was started, paused, resumed or cancelled (POST /v1/broadcasts/:name/…). */
  'broadcast.started',
  'broadcast.paused',
  'broadcast.resumed',
  'broadcast.cancelled',
  /** An admin changed run-time settings (PUT /v1/settings/portal: the privacy page's look and labels). */
  'settings.changed',
  /** A console user mailed a template to an address they typed (POST /v1/templates/test-send): never a delivery to a person. */
  'template.test_sent',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** One audit entry: what, when, by whom (a key's role or a source, never a person), and ids. */
export interface AuditDoc {
  /** Time-ordered: `au_<epoch ms, 13 digits>_<random>`. */
  _id: string;
  at: Date;
  kind: AuditKind;
  /** Who acted: `admin` (the admin key), `user:<name>` (a console user), `cli` (the command line), `system` (a durable process), `link` (a signed link's holder), `portal`. */
  actor: string;
  reason?: string;
  /** Ids the action concerns (request id, profile id, rules version, suppression id, purpose). */
  subject?: Record<string, string | number>;
  /** The person it concerns (`subject.profileId`, copied up): an erasure finds their entries by this field's index. */
  profileId?: string;
  /** Names and counts only: trait names changed, records removed. */
  detail?: Record<string, unknown>;
}

/** A message a journey run decided to send, as the run names it: ids and rule names only. */
export interface QueuedMessage {
  /** Unique per run and step: a retried activity queues the message once. */
  key: string;
  profileId: string;
  channel: 'email' | 'webhook';
  /** The e-mail template or webhook name from the rules. */
  name: string;
  with: Record<string, ValueIR>;
  /** Purposes that must be granted when it is queued (the journey's `requires consent`): deny by default. */
  consents?: string[];
  /** Marketing or operational, from rules compiled since issue 31; absent, as before: marketing when it names consents. */
  messages?: MessageKind;
}

/** A message as a run sends it (`send email` / `send webhook`): where it comes from, ids only. */
export interface MessageRequest extends QueuedMessage {
  journey: string;
  rulesVersion: number;
  /** The step's id in the journey's IR. */
  step: string;
}

/**
 * A double opt-in confirmation e-mail (`confirm with email`): operational, so sent whatever
 * the person's consents and caps, once per pending ledger record.
 */
export interface ConfirmationRequest extends QueuedMessage {
  channel: 'email';
  /** The purpose waiting for confirmation, and its `pending` record. */
  purpose: string;
  confirms: string;
}

/** A broadcast's e-mail to one member of its audience (src/activities/broadcasts.ts). */
export interface BroadcastRequest extends QueuedMessage {
  channel: 'email';
  broadcast: string;
  /** The rules version whose declaration the broadcast runs. */
  rulesVersion: number;
}

/** Any message Itinera sends. */
export type OutgoingMessage = MessageRequest | ConfirmationRequest | BroadcastRequest;

/**
 * Where a message stands. `queued` (the outbox of runs before delivery existed),
 * `deferred` (quiet hours), `sending` (an attempt under way, or cut short by a crash),
 * then one final state: `sent`, `failed` (permanent, or out of retries), `skipped`
 * (consent, no address) or `not-configured` (no SMTP).
 */
export type DeliveryStatus = 'queued' | 'deferred' | 'sending' | 'sent' | 'failed' | 'skipped' | 'not-configured';

export const FINAL_DELIVERY_STATUSES: readonly DeliveryStatus[] = ['sent', 'failed', 'skipped', 'not-configured'];
