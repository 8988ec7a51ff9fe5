/** What the Privacy page reads (src/server/routes/privacy*.ts, retention*.ts). */
export type RequestStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface Notice {
  status: 'pending' | 'sent' | 'failed';
  at: string;
  detail?: string;
}

export interface PrivacyRequest {
  id: string;
  kind: 'erasure' | 'export';
  status: RequestStatus;
  origin?: 'admin' | 'portal' | 'retention';
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
  removed?: Record<string, number>;
  steps?: Record<string, string>;
  destinations?: Record<string, Notice>;
  reason?: string;
  /** Exports. */
  found?: boolean;
  bytes?: number;
  events?: number;
  expiresAt?: string;
  downloadedAt?: string;
  deletedAt?: string;
  downloadUrl?: string;
}

export interface RequestPage {
  requests: PrivacyRequest[];
  next?: string;
}

export const ERASURE_STEPS = ['inventory', 'suppress', 'stop', 'remove', 'verify', 'notify'] as const;

export interface SignedReceipt {
  receipt: string;
  signature: string;
  algorithm: 'Ed25519';
  publicKey: string;
}

export interface Suppression {
  id: string;
  kind: string;
  requestId: string;
  createdAt: string;
  dropped: number;
  lastDroppedAt?: string;
}

export interface RetentionRule {
  olderThanDays: number;
  event?: string;
  type?: string;
}

export interface RetentionPolicy {
  events: RetentionRule[];
  inactivePeopleDays?: number;
  lastRun?: { at: string; events: number[]; peopleErased: number };
  nextRunAt?: string | null;
}

export interface RetentionDryRun {
  policy: 'stored' | 'given';
  at: string;
  events: { rule: RetentionRule; cutoff: string; count: number }[];
  inactivePeople?: { days: number; cutoff: string; count: number; capped: boolean };
}

export interface AuditEntry {
  id: string;
  at: string;
  kind: string;
  actor: string;
  reason?: string;
  subject?: Record<string, string | number>;
  detail?: Record<string, unknown>;
}
