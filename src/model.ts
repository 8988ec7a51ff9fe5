/**
 * The documents Itinera keeps in MongoDB. One place for their shapes, because the server,
 * the activities and the condition compilers all read them.
 *
 * Collections: `profiles`, `events`, `outbox` (accepted batches still owed to their profiles
 * and journeys), `identities`
 * (one document per identifier, its `_id` unique, so concurrent requests for a new person
 * create one profile), `merges` and `profile_redirects` (the record of identity merges
 * and where merged-away ids now point), `groups`, `rules` (deployed rule programs by
 * version), `privacy_requests`, `deliveries` (messages journeys decided to send),
 * `consent_ledger` (every consent change, append-only, with its proof). Their names are in
 * store/collections.ts.
 */
import type { ProgramIR, ValueIR } from './dsl/ir.js';

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

/** One record of the consent ledger: immutable once written; only an erasure removes it. */
export interface ConsentLedgerDoc {
  /** `cr:<event id>:<purpose>`: the event that recorded it, so a repeat writes nothing new. */
  _id: string;
  /** The profile it was recorded for (a merge does not rewrite it; the survivor lists it in `consentLog`). */
  profileId: string;
  purpose: string;
  state: ConsentRecordState;
  /** When the person gave it (the message's time, never later than its arrival). */
  at: Date;
  /** When Itinera wrote it. */
  recordedAt: Date;
  /** Grants under a purpose with `expires after`: the terms given now are kept, whatever later rules say. */
  expiresAt?: Date;
  remindAt?: Date;
  origin: ConsentOrigin;
  proof: ConsentProof;
  /** The event on the person's timeline that carried it. */
  eventId: string;
  /** The purpose's current record when this one was written (its timers stop). */
  replaces?: string;
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

export interface ProfileDoc {
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

export interface IdentityDoc {
  /** `<kind>:<value>`, e.g. `userId:42`; unique by construction. */
  _id: string;
  kind: IdentityKind;
  profileId: string;
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

/** An accepted batch whose events are not yet all applied to profiles and dispatched; see store/outbox.ts. */
export interface OutboxDoc {
  _id: string;
  eventIds: string[];
  createdAt: Date;
  /** The process working on the batch, until `leaseUntil`; past it, any process's sweeper may take the entry over. */
  owner: string;
  leaseUntil: Date;
  /** Set once every event of the batch is on its profiles: only the dispatch is owed still. */
  appliedAt?: Date;
}

/** A merge of one profile into another, or a merge the identity limits refused. */
export interface MergeDoc {
  _id: string;
  from: string;
  into: string;
  /** The identifier that tied the two profiles together, as `kind` only (no value: it may be an e-mail). */
  via: string;
  status: 'pending' | 'completed' | 'refused';
  reason?: string;
  at: Date;
  completedAt?: Date;
  /**
   * The merged-away profile as it was when it was taken away, kept only until the merge
   * completes: a merge interrupted between taking it and folding it in finishes from here.
   */
  absorbed?: ProfileDoc;
}

/** Where a merged-away profile id now lives. */
export interface ProfileRedirectDoc {
  _id: string;
  into: string;
  at: Date;
}

export interface GroupDoc {
  _id: string;
  traits: Traits;
  updatedAt: Date;
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

/** One rule of the retention policy: events older than `olderThanDays`, of one name or type if given. */
export interface EventRetentionRule {
  olderThanDays: number;
  /** A track event's name; with `type`, both must match. */
  event?: string;
  type?: EventType;
}

/** What Itinera keeps, and for how long (off unless set). */
export interface RetentionPolicyDoc {
  _id: 'policy';
  events: EventRetentionRule[];
  /** People not seen for this many days are erased (without suppression: they may come back as new). */
  inactivePeopleDays?: number;
  updatedAt: Date;
  /** The last application: when, and how much each rule removed. */
  lastRun?: { at: Date; events: number[]; peopleErased: number };
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

/**
 * An identifier of an erased person, kept as a keyed hash (HMAC-SHA256 with the privacy
 * secret) so later messages carrying it are recognised and dropped, and nothing readable
 * remains. The `_id` is the hash.
 */
export interface SuppressionDoc {
  _id: string;
  kind: IdentityKind;
  /** The erasure that added it. */
  requestId: string;
  createdAt: Date;
  /** Messages dropped because they carried it. */
  dropped: number;
  lastDroppedAt?: Date;
}

/** What the audit log records: privacy actions, admin consent edits, deploys, suppression changes. */
export type AuditKind =
  | 'erasure.requested' | 'erasure.completed' | 'erasure.failed'
  | 'suppression.lifted'
  | 'rules.deployed'
  | 'consent.changed'
  | 'profile.rectified' | 'profile.restricted' | 'profile.unrestricted'
  | 'export.requested' | 'export.downloaded'
  | 'retention.changed' | 'retention.applied'
  | 'portal.link-issued'
  | 'user.created' | 'user.changed' | 'user.sessions-revoked' | 'session.started';

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

/** Any message Itinera sends. */
export type OutgoingMessage = MessageRequest | ConfirmationRequest;

/**
 * Where a message stands. `queued` (the outbox of runs before delivery existed),
 * `deferred` (quiet hours), `sending` (an attempt under way, or cut short by a crash),
 * then one final state: `sent`, `failed` (permanent, or out of retries), `skipped`
 * (consent, no address) or `not-configured` (no SMTP).
 */
export type DeliveryStatus = 'queued' | 'deferred' | 'sending' | 'sent' | 'failed' | 'skipped' | 'not-configured';

export const FINAL_DELIVERY_STATUSES: readonly DeliveryStatus[] = ['sent', 'failed', 'skipped', 'not-configured'];

export interface DeliveryStep {
  status: DeliveryStatus;
  at: Date;
  /** Why, as a code: `consent`, `quiet hours`, `smtp 550`, `http 503`, `template missing`. */
  detail?: string;
  /** A deferred message's send time. */
  until?: Date;
  attempt?: number;
}

/** One document per message, under the message's key (its Message-ID and Idempotency-Key derive from it). */
export interface DeliveryDoc extends Omit<QueuedMessage, 'key'> {
  _id: string;
  status: DeliveryStatus;
  queuedAt: Date;
  journey?: string;
  rulesVersion?: number;
  step?: string;
  /** A confirmation e-mail: the purpose and the pending record it confirms. */
  purpose?: string;
  confirms?: string;
  attempts?: number;
  history?: DeliveryStep[];
  sentAt?: Date;
  /** The last outcome's code, as in `history`. */
  detail?: string;
  /** A webhook receiver's answer (status and up to 1,000 characters of body). */
  answer?: { status: number; body: string };
  updatedAt?: Date;
}

/** An e-mail template (Liquid), managed over HTTP. */
export interface TemplateDoc {
  /** The name `send email "<name>"` uses. */
  _id: string;
  subject: string;
  html: string;
  text?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A webhook destination, managed over HTTP. */
export interface DestinationDoc {
  /** The name `send webhook "<name>"` uses. */
  _id: string;
  url: string;
  /** Signs every request (HMAC-SHA256); shown once, when generated. */
  secret: string;
  /** The profile traits the destination may receive; none unless listed. */
  traits: string[];
  /** Told of every erasure, with the erased person's identifiers, so it erases them too. */
  erasures?: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** At most `max` marketing messages of a channel per person and calendar day in their time zone. */
export interface FrequencyCapDoc {
  /** The channel: `email` or `webhook`. */
  _id: 'email' | 'webhook';
  max: number;
  per: 'day';
  updatedAt: Date;
}
