/**
 * What one person costs, measured through the API: their export (requested until the
 * download is read), their erasure (requested until completed) and a merge of two of
 * their profiles (the identify that joins them, until applied and looked up as one).
 * Each subject is new: an identify and 10 tracks, sent and applied before it is measured.
 */
import type { Db } from 'mongodb';
import { COLLECTIONS } from '../../src/store/collections.js';
import type { PrivacyApi } from '../privacy/api.js';

export const SUBJECT_EVENTS = 10;
const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export interface PersonCosts {
  exportMs: number;
  erasureMs: number;
  mergeMs: number;
}

/** Until every accepted message is applied and dispatched: the outbox is empty. */
export async function outboxEmpty(db: Db, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await db.collection(COLLECTIONS.outbox).countDocuments({}, { limit: 1 })) > 0) {
    if (Date.now() > deadline) throw new Error(`the outbox was not empty after ${timeoutMs} ms`);
    await delay(20);
  }
}

const tracks = (id: { userId?: string; anonymousId?: string }, prefix: string) =>
  Array.from({ length: SUBJECT_EVENTS }, (_, i) => ({
    type: 'track',
    ...id,
    event: i % 3 ? 'Product Viewed' : 'Product Added',
    messageId: `${prefix}-t${i}`,
    properties: { sku: `sku-${i}`, price: 10 + i },
  }));

/** One subject's three costs; `name` makes its identifiers unique in the run. */
export async function measurePerson(api: PrivacyApi, db: Db, name: string): Promise<PersonCosts> {
  const { expect, follow, onBase, writeAuth } = api;
  const userId = `person-${name}`;
  const anonymousId = `anon-${name}`;
  const identify = {
    type: 'identify',
    userId,
    messageId: `${name}-identify`,
    traits: { email: `${name}@person-bench.example`, plan: 'pro' },
  };
  const batch = [identify, ...tracks({ userId }, `${name}-u`), ...tracks({ anonymousId }, `${name}-a`)];
  await expect(200, 'POST', '/v1/batch', { batch }, writeAuth);
  await outboxEmpty(db);

  // The merge: the anonymous visitor identifies as the user.
  const merging = performance.now();
  await expect(200, 'POST', '/v1/batch', { batch: [{ type: 'identify', userId, anonymousId, messageId: `${name}-merge` }] }, writeAuth);
  await outboxEmpty(db);
  const byUser = await expect(200, 'GET', `/v1/profiles/lookup?userId=${userId}`);
  const byAnonymous = await expect(200, 'GET', `/v1/profiles/lookup?anonymousId=${anonymousId}`);
  const mergeMs = performance.now() - merging;
  if (byUser.id !== byAnonymous.id)
    throw new Error(`${name}: the merge left two profiles (${String(byUser.id)}, ${String(byAnonymous.id)})`);

  const exporting = performance.now();
  const opened = await expect(202, 'POST', '/v1/privacy/exports', { userId, reason: 'person bench' });
  const exported = await follow(
    `/v1/privacy/exports/${String(opened.id)}`,
    opened,
    (s) => s.status === 'completed' || s.status === 'failed',
  );
  if (typeof exported.status.downloadUrl !== 'string')
    throw new Error(`${name}: the export offered no download (${JSON.stringify(exported.status)})`);
  const bundle = (await (await fetch(onBase(exported.status.downloadUrl))).json()) as { events?: unknown[] };
  const exportMs = performance.now() - exporting;
  if (bundle.events?.length !== 2 * SUBJECT_EVENTS + 2)
    throw new Error(`${name}: the export held ${String(bundle.events?.length)} events, not ${2 * SUBJECT_EVENTS + 2}`);

  const erasing = performance.now();
  const request = await expect(202, 'POST', '/v1/privacy/erasures', { userId, reason: 'person bench' });
  const erased = await follow(
    `/v1/privacy/erasures/${String(request.id)}`,
    request,
    (s) => s.status === 'completed' || s.status === 'failed',
  );
  const erasureMs = performance.now() - erasing;
  const removed = (erased.status.removed ?? {}) as Record<string, number>;
  if (erased.status.status !== 'completed' || (removed.events ?? 0) < 2 * SUBJECT_EVENTS)
    throw new Error(`${name}: the erasure ended ${String(erased.status.status)}, removed ${JSON.stringify(removed)}`);
  return { exportMs, erasureMs, mergeMs };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** The median of each cost over `count` new subjects, after one that is not counted (the first workflows of their kind). */
export async function medianCosts(api: PrivacyApi, db: Db, phase: string, count: number): Promise<PersonCosts> {
  await measurePerson(api, db, `${phase}-warm-up`);
  const costs: PersonCosts[] = [];
  for (let i = 0; i < count; i++) costs.push(await measurePerson(api, db, `${phase}-${i}`));
  return {
    exportMs: Math.round(median(costs.map((c) => c.exportMs))),
    erasureMs: Math.round(median(costs.map((c) => c.erasureMs))),
    mergeMs: Math.round(median(costs.map((c) => c.mergeMs))),
  };
}
