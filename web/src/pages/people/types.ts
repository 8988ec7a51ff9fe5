/** What the People API answers (src/server/routes/people.ts); personal fields are absent for a viewer. */

export type SearchBy = 'identifier' | 'trait' | 'segment';

export interface PersonFound {
  profileId: string;
  lastSeenAt?: string;
  email?: string;
  name?: string;
  since?: string;
}

export interface SearchAnswer {
  by: SearchBy;
  people: PersonFound[];
  nextCursor: string | null;
  /** A trait search: the time budget ran out before a page of matches was found. */
  timedOut?: boolean;
}

export interface SegmentReason {
  kind: string;
  eventId?: string;
  version?: number;
  profileId?: string;
}

export interface DeliveryStep {
  status: string;
  at: string;
  detail?: string;
}

export interface Message {
  key: string;
  channel: 'email' | 'webhook';
  name: string;
  status: string;
  queuedAt: string;
  journey?: string;
  step?: string;
  broadcast?: string;
  sentAt?: string;
  detail?: string;
  history?: DeliveryStep[];
  with?: Record<string, unknown>;
}

export interface Person {
  id: string;
  personal: boolean;
  identifiers?: { kind: string; value: string }[];
  traits?: Record<string, unknown>;
  tags: string[];
  restricted?: { since: string; reason?: string };
  consents: { purpose: string; state: string; since?: string; expiresAt?: string }[];
  consentHistory?: { id: string; purpose: string; state: string; at: string; origin: string; method?: string; expiresAt?: string }[];
  segments: { name: string; title?: string; since: string; why?: SegmentReason }[];
  segmentChanges: { segment: string; change: 'entered' | 'exited'; at: string; reason: SegmentReason }[];
  journeys: {
    journey: string;
    rulesVersion: number;
    enteredAt: string;
    state: 'known' | 'unknown';
    step?: string;
    waiting?: { reason: string; until: string };
  }[];
  journeyHistory: { journey: string; entries: number; lastEnteredAt: string }[];
  messages: Message[];
  merges: { id: string; from: string; via: string; status: string; at: string; completedAt?: string }[];
  mergedFrom: string[];
  firstSeenAt: string;
  lastSeenAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface TimelineEvent {
  id: string;
  type: string;
  event?: string;
  name?: string;
  timestamp: string;
  source?: string;
  properties?: Record<string, unknown>;
  page?: Record<string, unknown>;
  device?: Record<string, unknown>;
  os?: Record<string, unknown>;
  userAgent?: string;
}

export interface TimelinePage {
  profileId: string;
  events: TimelineEvent[];
  nextCursor: string | null;
}

/** Identifier kinds as people call them. */
export const KIND_NAMES: Record<string, string> = {
  profileId: 'profile id',
  userId: 'user id',
  email: 'e-mail',
  phone: 'phone',
  anonymousId: 'anonymous id',
};
