/**
 * The timeline event of each explicit consent change (`POST /v1/consents`, an admin, the
 * CSV import): journeys may start on them (`when performed "Consent Granted"`).
 */
import type { ConsentRecordState } from '../model.js';

export const CONSENT_EVENTS: Record<ConsentRecordState, string> = {
  granted: 'Consent Granted',
  denied: 'Consent Denied',
  revoked: 'Consent Revoked',
  pending: 'Consent Requested',
};
