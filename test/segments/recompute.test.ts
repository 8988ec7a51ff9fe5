/**
 * A deploy's recompute is durable: killed half way through its pass over everyone (the
 * worker stops), it resumes on the next worker from its last checkpoint, not from the
 * start, and ends with the exact membership: also of a segment over events, whose backfill
 * the pass folds in memory and writes with each judgement (folded again on resuming).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newProfileDoc } from '../../src/store/profiles.js';
import { segmentRecomputeWorkflowId } from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

const PEOPLE = 3_000;
const dbName = `t_segment_recompute_${randomUUID().slice(0, 8)}`;
const admin = { auth: bearer(ADMIN_KEY) };
let second: TestItinera | undefined;

afterAll(async () => {
  await second?.raw.db.dropDatabase().catch(() => undefined);
  await second?.close();
});

interface Listed {
  name: string;
  size: number;
  state: string;
  progress?: { phase: string; done: number; total: number };
}
const segmentsOf = async (itinera: TestItinera) => (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments as Listed[];

describe('a segment recompute', () => {
  it('killed half way, resumes from its checkpoint and computes everyone exactly once', async () => {
    const first = await startTestItinera('segment-recompute', { reuseDatabase: dbName });
    const now = new Date();
    const people = Array.from({ length: PEOPLE }, (_, index) => {
      const doc = newProfileDoc(`p_resume_${String(index).padStart(5, '0')}`, {}, now);
      doc.traits = { plan: index % 3 === 0 ? 'vip' : 'basic' };
      return doc;
    });
    await first.raw.profiles.insertMany(people);
    // A third of the people (none of them vips) ordered before the deploy.
    const buyers = people.filter((_, index) => index % 3 === 1).map((person) => person._id);
    await first.raw.events.insertMany(
      buyers.map((profileId, index) => ({
        _id: `ev_resume_${index}`,
        messageId: `m_resume_${index}`,
        type: 'track' as const,
        event: 'Order Completed',
        source: 'default',
        profileId,
        properties: { revenue: 10 },
        context: {},
        timestamp: new Date(now.getTime() - 60_000),
        receivedAt: new Date(now.getTime() - 60_000),
      })),
    );

    const rules = 'segment vips {\n  trait plan = "vip"\n}\nsegment buyers {\n  performed "Order Completed"\n}\n';
    const deployed = await send(first.baseUrl, 'PUT', '/v1/rules', { ...admin, text: rules });
    expect(deployed.status).toBe(200);
    // Wait for a checkpoint part way through, then stop the worker there.
    const partWay = await eventually(
      async () => {
        const vips = (await segmentsOf(first)).find((segment) => segment.name === 'vips');
        return vips?.state === 'computing' && vips.progress?.phase === 'members' && vips.progress.done >= 200 ? vips.progress : undefined;
      },
      60_000,
      10,
    );
    expect(partWay.done).toBeLessThan(PEOPLE);
    await first.close();

    // Meanwhile another deployment on the same Temporal namespace, with a database of its
    // own, deploys its version 1 too: its recompute is its own, not the one left running.
    const neighbour = await startTestItinera('segment-recompute-neighbour');
    try {
      expect(
        (await send(neighbour.baseUrl, 'PUT', '/v1/rules', { ...admin, text: 'segment everyone {\n  not tagged "nobody"\n}\n' })).body
          .version,
      ).toBe(1);
      await eventually(async () => (await segmentsOf(neighbour)).every((segment) => segment.state === 'ready'), 60_000);
    } finally {
      await neighbour.close();
    }

    second = await startTestItinera('segment-recompute', { reuseDatabase: dbName, taskQueue: first.taskQueue });
    const handle = second.runtime.temporal.workflow.getHandle(segmentRecomputeWorkflowId(dbName, deployed.body.version));
    expect(await handle.result()).toBe('done');
    const listed = await segmentsOf(second);
    expect(listed.find((segment) => segment.name === 'vips')).toMatchObject({ state: 'ready', size: PEOPLE / 3 });
    expect(listed.find((segment) => segment.name === 'buyers')).toMatchObject({ state: 'ready', size: buyers.length });

    // The pass that finished started from a checkpoint, not from the first profile.
    const { events } = await handle.fetchHistory();
    const results = (events ?? [])
      .flatMap((event) => event.activityTaskCompletedEventAttributes?.result?.payloads ?? [])
      .map((payload) => JSON.parse(Buffer.from(payload.data!).toString('utf8')) as unknown)
      .filter(
        (result): result is { outcome: string; resumedFrom: number } =>
          typeof result === 'object' && result !== null && 'resumedFrom' in result,
      );
    expect(results).toHaveLength(1);
    expect(results[0]!.resumedFrom).toBeGreaterThanOrEqual(200);
    // Everyone is in exactly once, judged once or twice: no person entered twice.
    const members = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = (
        await send(
          second.baseUrl,
          'GET',
          `/v1/segments/vips/members?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          admin,
        )
      ).body as { members: { profileId: string }[]; nextCursor: string | null };
      for (const { profileId } of page.members) members.add(profileId);
      cursor = page.nextCursor;
    } while (cursor);
    expect(members.size).toBe(PEOPLE / 3);
    const entries = await second.raw.segmentHistory.countDocuments({});
    expect(entries).toBeGreaterThan(0);
    const stored = await second.raw.profiles
      .find({ 'traits.plan': 'vip' }, { projection: { segmentChangeCount: 1, segments: 1 } })
      .toArray();
    expect(stored.every((profile) => profile.segmentChangeCount === 1 && profile.segments?.vips !== undefined)).toBe(true);
    // Each buyer entered once, with their backfilled fact written beside (one order, counted once).
    const bought = await second.raw.profiles.find({ _id: { $in: buyers } }).toArray();
    expect(bought).toHaveLength(buyers.length);
    for (const profile of bought) {
      expect(Object.keys(profile.segments ?? {})).toEqual(['buyers']);
      expect(profile.segmentChangeCount).toBe(1);
      expect(Object.values(profile.segmentBackfill ?? {})).toEqual([{ n: 1 }]);
    }
  }, 240_000);
});
