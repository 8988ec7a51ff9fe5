/**
 * People retention should erase: written straight into the collections as ingestion stores
 * them (a user id, 10 events each), last seen long ago; and the wait until retention has
 * erased every one of them.
 */
import type { Db } from 'mongodb';
import type { EventDoc, ProfileDoc } from '../../src/model.js';
import type { IdentityDoc } from '../../src/store/identities.js';
import type { PrivacyRequestDoc } from '../../src/store/privacy-requests.js';
import { COLLECTIONS } from '../../src/store/collections.js';
import { newProfileDoc } from '../../src/store/profiles.js';
import { SUBJECT_EVENTS } from './measures.js';

const DAY = 86_400_000;
export const INACTIVE_DAYS = 365;
const inactiveId = (i: number) => `p_inactive_${String(i).padStart(5, '0')}`;

/** `count` people last seen INACTIVE_DAYS + 35 days ago, with their identities and events. */
export async function writeInactivePeople(db: Db, count: number): Promise<void> {
  const then = new Date(Date.now() - (INACTIVE_DAYS + 35) * DAY);
  const people = Array.from({ length: count }, (_, i) => i);
  await db.collection<ProfileDoc>(COLLECTIONS.profiles).insertMany(
    people.map((i) => {
      const doc = newProfileDoc(inactiveId(i), { userId: [`inactive-u${i}`] }, then);
      doc.lastSeenAt = then;
      return doc;
    }),
  );
  await db
    .collection<IdentityDoc>(COLLECTIONS.identities)
    .insertMany(people.map((i) => ({ _id: `userId:inactive-u${i}`, kind: 'userId', profileId: inactiveId(i), createdAt: then })));
  const events: EventDoc[] = people.flatMap((i) =>
    Array.from({ length: SUBJECT_EVENTS }, (_, e) => ({
      _id: `inactive-${i}-${e}`,
      messageId: `inactive-${i}-${e}`,
      type: 'track' as const,
      event: 'Product Viewed',
      source: 'default',
      profileId: inactiveId(i),
      properties: { sku: `sku-${e}` },
      context: {},
      timestamp: then,
      receivedAt: then,
    })),
  );
  for (let from = 0; from < events.length; from += 5000)
    await db.collection<EventDoc>(COLLECTIONS.events).insertMany(events.slice(from, from + 5000));
}

/** Until `count` erasures started by retention have completed; false when one failed. */
export async function retentionErasuresDone(db: Db, count: number, timeoutMs: number): Promise<boolean> {
  const requests = db.collection<PrivacyRequestDoc>(COLLECTIONS.privacyRequests);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await requests.countDocuments({ origin: 'retention', status: 'failed' })) > 0) return false;
    if ((await requests.countDocuments({ origin: 'retention', status: 'completed' })) >= count) return true;
    if (Date.now() > deadline) throw new Error(`retention had not erased ${count} people after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 250));
  }
}
