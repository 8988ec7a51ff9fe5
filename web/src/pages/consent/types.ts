/** What the Consent page reads: GET /v1/consents, /v1/consent-stats, /v1/consents/ledger, POST /v1/consents/verify. */
export interface PurposeTally {
  purpose: string;
  title?: string;
  declared: boolean;
  granted: number;
  denied: number;
  revoked: number;
  expired: number;
  pending: number;
}

export interface Tallies {
  profiles: number;
  purposes: PurposeTally[];
}

export const DAY_STATES = ['granted', 'denied', 'revoked', 'pending'] as const;
export type DayState = (typeof DAY_STATES)[number];

export interface ConsentStats {
  from: string;
  to: string;
  purposes: { purpose: string; title?: string; days: ({ day: string } & Record<DayState, number>)[] }[];
}

export interface ProjectionCheck {
  profiles: number;
  records: number;
  disagreeing: string[];
  repaired: boolean;
}

/** One ledger record as GET /v1/consents/ledger?format=json gives it (the fields the page shows). */
export interface LedgerRecord {
  id: string;
  profileId: string;
  purpose: string;
  state: string;
  at: string;
  origin: { kind: string; source?: string; reason?: string };
  proof: { method?: string };
}
