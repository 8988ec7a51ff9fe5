/**
 * A database that has grown, written straight into the collections as ingestion stores
 * them (an HTTP load of that size would take most of a run): people with a user id each,
 * and their events (views, carts and orders over 60 days). Shared by the benchmarks that
 * measure reads and recomputes at the size users reach.
 */
import type { Db } from 'mongodb';
import type { EventDoc, ProfileDoc } from '../src/model.js';
import type { IdentityDoc } from '../src/store/identities.js';
import { COLLECTIONS } from '../src/store/collections.js';
import { newProfileDoc } from '../src/store/profiles.js';

const DAY = 86_400_000;

export const profileIdOf = (index: number) => `p_bench_${String(index).padStart(7, '0')}`;

export async function inParallel(workers: number, work: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, () => work()));
}

/** Writes `profiles` people and `events` events; returns the seconds it took. */
export async function grow(db: Db, profiles: number, events: number): Promise<number> {
  const started = performance.now();
  const now = Date.now();
  for (let from = 0; from < profiles; from += 5000) {
    const indexes = Array.from({ length: Math.min(5000, profiles - from) }, (_, offset) => from + offset);
    await db.collection<ProfileDoc>(COLLECTIONS.profiles).insertMany(
      indexes.map((index) => {
        const doc = newProfileDoc(profileIdOf(index), { userId: [`bench-u${index}`] }, new Date(now - 60 * DAY));
        doc.traits = { plan: index % 7 === 0 ? 'vip' : 'basic', country: index % 3 === 0 ? 'PL' : 'DE' };
        doc.lastSeenAt = new Date(now - (index % 60) * DAY);
        return doc;
      }),
    );
    await db.collection<IdentityDoc>(COLLECTIONS.identities).insertMany(
      indexes.map((index) => ({
        _id: `userId:bench-u${index}`,
        kind: 'userId',
        profileId: profileIdOf(index),
        createdAt: new Date(now - 60 * DAY),
      })),
    );
  }
  let next = 0;
  await inParallel(4, async () => {
    for (let from = next; from < events; from = next) {
      next += 5000;
      const batch: EventDoc[] = [];
      for (let i = from; i < Math.min(events, from + 5000); i++) {
        const kind = i % 10;
        const event = kind < 6 ? 'Product Viewed' : kind < 9 ? 'Product Added' : 'Order Completed';
        const at = new Date(now - (i % 60) * DAY - (i % 86_400) * 1000);
        batch.push({
          _id: `seed-${i}`,
          messageId: `seed-${i}`,
          type: 'track',
          event,
          source: 'default',
          profileId: profileIdOf((i * 7919) % profiles),
          properties: {
            sku: `sku-${i % 300}`,
            ...(event === 'Order Completed' ? { revenue: 20 + (i % 250), currency: i % 2 ? 'EUR' : 'PLN' } : {}),
          },
          context: {},
          timestamp: at,
          receivedAt: at,
        });
      }
      await db.collection<EventDoc>(COLLECTIONS.events).insertMany(batch);
    }
  });
  return Math.round((performance.now() - started) / 100) / 10;
}
