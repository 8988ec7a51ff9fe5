/**
 * The name of every collection Itinera keeps, in one place. Only the stores open
 * collections (a lint rule keeps it so); tests and benchmarks that inspect the database
 * directly take the names from here.
 */
export const COLLECTIONS = {
  profiles: 'profiles',
  profileRedirects: 'profile_redirects',
  identities: 'identities',
  events: 'events',
  outbox: 'outbox',
  merges: 'merges',
  groups: 'groups',
  rules: 'rules',
  rulesActive: 'rules_active',
  privacyRequests: 'privacy_requests',
  suppressions: 'suppressions',
  audit: 'audit',
  /** The days the audit log has entries on, with their kinds and actors (src/store/audit.ts): paging skips the others. */
  auditDays: 'audit_days',
  exportChunks: 'export_chunks',
  retention: 'retention',
  deliveries: 'deliveries',
  profileMessages: 'profile_messages',
  /** Messages per day and outcome, and per minute first recorded (src/store/delivery-counts.ts): the console's Deliveries. */
  deliveryCounts: 'delivery_counts',
  templates: 'templates',
  destinations: 'destinations',
  frequencyCaps: 'frequency_caps',
  journeyStats: 'journey_stats',
  journeyControls: 'journey_controls',
  consentLedger: 'consent_ledger',
  /** Ledger records per purpose and day (src/store/consents.ts), for the console's chart. */
  consentDaily: 'consent_daily',
  segments: 'segments',
  segmentMembers: 'segment_members',
  segmentHistory: 'segment_history',
  segmentStats: 'segment_stats',
  users: 'users',
  sessions: 'sessions',
  dataCatalog: 'data_catalog',
  rateLimits: 'rate_limits',
  migrations: 'migrations',
  broadcasts: 'broadcasts',
  broadcastAudiences: 'broadcast_audiences',
  /** Settings an admin changes at run time, one document per area (src/store/settings.ts). */
  settings: 'settings',
} as const;
