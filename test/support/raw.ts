/**
 * The database as it is, for tests that check what is stored (or seed what no API writes
 * yet), beside the stores rather than through them. Names come from the stores' own list.
 */
import type { Db } from 'mongodb';
import type { AuditDoc, EventDoc, ProfileDoc } from '../../src/model.js';
import type { ConsentLedgerDoc } from '../../src/store/consents.js';
import type { DeliveryDoc } from '../../src/store/deliveries.js';
import type { GroupDoc } from '../../src/store/groups.js';
import type { IdentityDoc } from '../../src/store/identities.js';
import type { MergeDoc, ProfileRedirectDoc } from '../../src/store/merges.js';
import type { OutboxDoc } from '../../src/store/outbox.js';
import type { PrivacyRequestDoc } from '../../src/store/privacy-requests.js';
import type { RulesDoc } from '../../src/store/rules.js';
import { COLLECTIONS } from '../../src/store/collections.js';

export function rawCollections(db: Db) {
  return {
    db,
    profiles: db.collection<ProfileDoc>(COLLECTIONS.profiles),
    profileRedirects: db.collection<ProfileRedirectDoc>(COLLECTIONS.profileRedirects),
    identities: db.collection<IdentityDoc>(COLLECTIONS.identities),
    events: db.collection<EventDoc>(COLLECTIONS.events),
    outbox: db.collection<OutboxDoc>(COLLECTIONS.outbox),
    merges: db.collection<MergeDoc>(COLLECTIONS.merges),
    groups: db.collection<GroupDoc>(COLLECTIONS.groups),
    rules: db.collection<RulesDoc>(COLLECTIONS.rules),
    privacyRequests: db.collection<PrivacyRequestDoc>(COLLECTIONS.privacyRequests),
    deliveries: db.collection<DeliveryDoc>(COLLECTIONS.deliveries),
    consentLedger: db.collection<ConsentLedgerDoc>(COLLECTIONS.consentLedger),
    segments: db.collection(COLLECTIONS.segments),
    segmentMembers: db.collection(COLLECTIONS.segmentMembers),
    segmentHistory: db.collection(COLLECTIONS.segmentHistory),
    segmentStats: db.collection(COLLECTIONS.segmentStats),
    audit: db.collection<AuditDoc>(COLLECTIONS.audit),
  };
}

export type RawCollections = ReturnType<typeof rawCollections>;
