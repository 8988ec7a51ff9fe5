/** What GET /v1/deliveries and GET /v1/delivery-stats answer (src/server/openapi/paths/deliveries.ts). */

export const STATUS_FILTERS = [
  'sent',
  'failed',
  'bounced',
  'unsubscribed',
  'skipped',
  'deferred',
  'sending',
  'not-configured',
  'queued',
] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface DeliveryStep {
  status: string;
  at: string;
  detail?: string;
  until?: string;
}

export interface Delivery {
  key: string;
  channel: 'email' | 'webhook';
  template: string;
  journey?: string;
  rulesVersion?: number;
  step?: string;
  broadcast?: string;
  purpose?: string;
  profileId: string;
  status: string;
  detail?: string;
  attempts?: number;
  queuedAt: string;
  updatedAt?: string;
  sentAt?: string;
  unsubscribedAt?: string;
  history: DeliveryStep[];
  /** Personal: only for roles that see personal data. */
  address?: string;
  with?: Record<string, unknown>;
}

export interface DeliveryList {
  from: string;
  to: string;
  personal: boolean;
  deliveries: Delivery[];
  nextCursor: string | null;
  scanned: number;
  partial: boolean;
}

/** The chart's series, in the order drawn. */
export const CHART_OUTCOMES = ['sent', 'failed', 'bounced', 'unsubscribed'] as const;
export type ChartOutcome = (typeof CHART_OUTCOMES)[number];

export type DayCounts = Record<ChartOutcome | 'skipped' | 'notConfigured', number>;
export interface DeliveryDay extends DayCounts {
  day: string;
  channels: Record<'email' | 'webhook', DayCounts>;
}

export interface DeliveryStats {
  from: string;
  to: string;
  days: DeliveryDay[];
}

/** A refusal by the receiving mail server (SMTP 5xx), as the server counts bounces. */
export const isBounce = (delivery: Pick<Delivery, 'status' | 'detail'>) =>
  delivery.status === 'failed' && /^smtp 5\d\d\b/.test(delivery.detail ?? '');
