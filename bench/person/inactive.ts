/**
 * People retention should erase: written straight into the collections as ingestion stores
 * them (a user id, 10 events each), last seen long ago; and the wait until retention has
 * erased every one of them.
 */
import type { Db } from 'mongodb';
import type { EventDoc, ProfileDoc } from '../../src/model.js';
import type { IdentityDoc } from '../../src/store/identities.js';
import type { PrivacyRequestDoc } from '../../src/store/privacy-requests.js';
import type { RetentionPolicyDoc } from '../../src/store/retention.js';
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

/**
 * Until the retention run has recorded itself (it does once every batch's erasures have
 * completed), then until `count` of its erasures read completed (any handed to a workflow
 * of their own for a destination's notice finish there); false when one failed. The run's
 * record is one `_id` read: polling never scans the requests while the run works.
 */
export async function retentionErasuresDone(db: Db, count: number, timeoutMs: number): Promise<boolean> {
  const requests = db.collection<PrivacyRequestDoc>(COLLECTIONS.privacyRequests);
  const policy = db.collection<RetentionPolicyDoc>(COLLECTIONS.retention);
  const deadline = Date.now() + timeoutMs;
  const waitUntil = async (done: () => Promise<boolean>) => {
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`retention had not erased ${count} people after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await waitUntil(async () => (await policy.findOne({ _id: 'policy' }))?.lastRun !== undefined);
  await waitUntil(async () => (await requests.countDocuments({ origin: 'retention', status: { $in: ['completed', 'failed'] } })) >= count);
  return (await requests.countDocuments({ origin: 'retention', status: 'failed' })) === 0;
}

/**
 * Where the run's time went, from what it wrote: per batch (the requests written together),
 * each step's end in seconds after the run began (`lastRun.at`), the latest of the batch.
 */
export async function retentionTimeline(db: Db): Promise<Record<string, number>[]> {
  const at = (await db.collection<RetentionPolicyDoc>(COLLECTIONS.retention).findOne({ _id: 'policy' }))?.lastRun?.at;
  if (!at) return [];
  const batches = new Map<number, Record<string, number>>();
  for await (const request of db.collection<PrivacyRequestDoc>(COLLECTIONS.privacyRequests).find({ origin: 'retention' })) {
    const key = request.createdAt.getTime();
    const batch = batches.get(key) ?? { people: 0 };
    batch.people! += 1;
    const ends: Record<string, Date | undefined> = { ...request.steps, completed: request.completedAt };
    for (const [step, end] of Object.entries(ends))
      if (end) batch[step] = Math.max(batch[step] ?? 0, Math.round((end.getTime() - at.getTime()) / 100) / 10);
    batches.set(key, batch);
  }
  return [...batches.entries()].sort(([a], [b]) => a - b).map(([, batch]) => batch);
}
