/**
 * Activities of the consent lifecycle (workflows/consent.ts). Each acts only while the
 * grant it was started for is still the purpose's current state on the person's profile
 * (following a merge): a renewed, revoked or erased grant records nothing. Results are
 * instants and booleans.
 */
import type { ProfileDoc } from '../model.js';
import type { ConsentLedgerDoc } from '../store/consents.js';
import type { ActivityDeps } from './profiles.js';

/** Events the lifecycle records on the person's timeline. */
export const CONSENT_EXPIRING = 'Consent Expiring';
export const CONSENT_EXPIRED = 'Consent Expired';

export function createConsentActivities({ stores, recordProfileEvent }: ActivityDeps) {
  /** The grant and its person, while it is still their current state for its purpose. */
  async function currentGrant(recordId: string): Promise<{ record: ConsentLedgerDoc; profile: ProfileDoc } | null> {
    const record = await stores.consents.findById(recordId);
    if (!record || record.state !== 'granted' || !record.expiresAt) return null;
    const profile = await stores.profiles.findById(record.profileId);
    const current = profile?.consents?.[record.purpose];
    if (!profile || current?.recordId !== recordId || current.state !== 'granted') return null;
    return { record, profile };
  }

  const recorder = () => {
    if (!recordProfileEvent) throw new Error('the consent lifecycle needs recordProfileEvent in its activity dependencies');
    return recordProfileEvent;
  };

  return {
    /** When the grant's reminder and lapse fall (epoch milliseconds), or null without an expiry. */
    async consentTimers(recordId: string): Promise<{ remindAtMs?: number; expiresAtMs: number } | null> {
      const record = await stores.consents.findById(recordId);
      if (!record || record.state !== 'granted' || !record.expiresAt) return null;
      return { expiresAtMs: record.expiresAt.getTime(), ...(record.remindAt ? { remindAtMs: record.remindAt.getTime() } : {}) };
    },

    /** Records `Consent Expiring` (once: its message id is the grant's); false when superseded. */
    async remindConsentExpiry(recordId: string): Promise<boolean> {
      const grant = await currentGrant(recordId);
      if (!grant) return false;
      const { record, profile } = grant;
      // A reminder due before the grant was recorded (an imported old grant) is sent now.
      const due = record.remindAt && record.remindAt > record.recordedAt ? record.remindAt : record.recordedAt;
      await recorder()(profile._id, {
        event: CONSENT_EXPIRING,
        properties: { purpose: record.purpose, expiresAt: record.expiresAt!.toISOString() },
        messageId: `consent-expiring:${recordId}`,
        timestamp: due,
      });
      return true;
    },

    /**
     * Records `Consent Expired`; applying it marks the purpose `expired` and ends the runs
     * that required it (as a revocation does). False when superseded.
     */
    async expireConsent(recordId: string): Promise<boolean> {
      const grant = await currentGrant(recordId);
      if (!grant) return false;
      const { record, profile } = grant;
      await recorder()(profile._id, {
        event: CONSENT_EXPIRED,
        properties: { purpose: record.purpose },
        messageId: `consent-expired:${recordId}`,
        timestamp: record.expiresAt!,
        consent: { expire: { purpose: record.purpose, recordId }, origin: { kind: 'lifecycle' }, proof: {} },
      });
      return true;
    },
  };
}
