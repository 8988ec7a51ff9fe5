/** Activities of privacy requests. Results are counts and states, never personal data. */
import type { PrivacyRequestDoc, PrivacyRequestStatus } from '../model.js';
import type { ActivityDeps } from './profiles.js';

export function createPrivacyActivities({ stores, now, segments }: ActivityDeps) {
  return {
    async setPrivacyRequestStatus(requestId: string, status: PrivacyRequestStatus, removed?: PrivacyRequestDoc['removed']): Promise<void> {
      await stores.privacyRequests.setStatus(requestId, status, now(), removed);
    },

    /**
     * Removes the profile and everything that points at it. Identities and events go
     * first and the profile last, so a retry after a crash still finds what is left.
     */
    async eraseProfile(profileId: string): Promise<NonNullable<PrivacyRequestDoc['removed']>> {
      // The consent ledger records first: the profile lists them (its own and those of every
      // profile merged into it), and a retry after a crash still finds the list.
      const person = await stores.profiles.findExact(profileId);
      const consentRecords = await stores.consents.deleteByIds(person?.consentLog ?? []);
      // The ids it absorbed by merging (directly, or through a profile it absorbed), and the
      // record of those merges, point at the person too; a journey run still going under an
      // absorbed id queues deliveries under it.
      const absorbed = [...new Set([...(person?.mergedFrom ?? []), ...(await stores.profiles.redirects.sourcesOf(profileId))])];
      // Out of every segment while the profile still says which; history of absorbed ids too.
      const forgotten = (await segments?.forget(profileId, absorbed)) ?? { memberships: 0, history: 0 };
      const identities = await stores.identities.deleteByProfile(profileId);
      const events = await stores.events.deleteByProfile(profileId);
      await stores.deliveries.deleteByProfiles([profileId, ...absorbed]);
      for (const id of [profileId, ...absorbed]) {
        await stores.merges.deleteByProfile(id);
        await stores.profiles.redirects.deleteByProfile(id);
        await stores.events.deleteByProfile(id);
      }
      const profiles = await stores.profiles.deleteById(profileId);
      return { profiles, events, identities, consentRecords, segmentMemberships: forgotten.memberships, segmentHistory: forgotten.history };
    },
  };
}
