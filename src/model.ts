/**
 * The documents Itinera keeps in MongoDB. One place for their shapes, because the server,
 * the activities and the condition compilers all read them.
 *
 * Collections: `profiles`, `events`, `outbox` (accepted batches still owed to their profiles
 * and journeys), `identities`
 * (one document per identifier, its `_id` unique, so concurrent requests for a new person
 * create one profile), `merges` and `profile_redirects` (the record of identity merges
 * and where merged-away ids now point), `groups`, `rules` (deployed rule programs by
 * version), `privacy_requests`, `deliveries` (messages journeys decided to send). Their
 * names are in store/collections.ts.
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

export interface ConsentRecord {
  state: 'granted' | 'denied' | 'revoked';
  /** When the state was recorded. */
  at: Date;
  /** A granted consent is treated as missing from this instant on. */
  expiresAt?: Date;
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
}

export interface ProfileDoc {
  _id: string;
  traits: Traits;
  tags: string[];
  identities: Partial<Record<IdentityKind, string[]>>;
  consents: Record<string, ConsentRecord>;
  counters?: Counters;
  /** Groups (accounts, companies) the person belongs to, from `group` calls. */
  groupIds?: string[];
  /** Profiles merged into this one; makes re-running an interrupted merge harmless. */
  mergedFrom?: string[];
  /** Runs in progress, keyed by workflow id (a key, not an array, so leaving is one atomic `$unset`). */
  journeys: Record<string, JourneyMembership>;
  /** Keyed by journey name (an identifier, so a safe field name); absent until a first entry. */
  journeyHistory?: Record<string, JourneyHistory>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  createdAt: Date;
  updatedAt: Date;
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
  /** When it happened, corrected for client clock skew. */
  timestamp: Date;
  receivedAt: Date;
}

/** An accepted batch whose events are not yet all applied to profiles and dispatched; see store/outbox.ts. */
export interface OutboxDoc {
  _id: string;
  eventIds: string[];
  /** Profiles of new people created with these events already counted (see identity/new-people.ts). */
  createdProfileIds?: string[];
  createdAt: Date;
  /** Set when the sweeper re-applied the batch's events after finding the entry stale. */
  recoveredAt?: Date;
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
}

export type PrivacyRequestStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface PrivacyRequestDoc {
  _id: string;
  kind: 'erasure';
  /** The profile resolved when the request was made; absent when nobody matched. */
  profileId?: string;
  status: PrivacyRequestStatus;
  createdAt: Date;
  updatedAt: Date;
  /** What was removed, as counts only: the audit trail keeps no personal data. */
  removed?: { profiles: number; events: number; identities: number };
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
}

/** The delivery outbox: one document per message to send, under the message's key. */
export interface DeliveryDoc extends Omit<QueuedMessage, 'key'> {
  _id: string;
  status: 'queued';
  queuedAt: Date;
}
