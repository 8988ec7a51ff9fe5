/**
 * A segment's size counts every entry judged live while the segment computes: from the
 * instant its version becomes active (before the recompute has prepared anything) to the
 * instant it is ready. Two interleavings lost or doubled an entry before, both forced here
 * by running the recompute's steps by hand around live judgements:
 * - an entry judged before the recompute created the catalog document had no size to add to;
 * - the finish step wrote a count of the member list over the size: a member listed before
 *   the count, whose increment landed after it, was counted twice (and one listed after the
 *   count, whose increment landed before the write, not at all).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';
import { createLogger } from '../../src/logger.js';
import { SegmentEngine } from '../../src/segments/engine.js';
import { backfillFacts, declareNewSegments, finishRecompute, judgeEveryone, prepareRecompute } from '../../src/segments/recompute.js';
import { COLLECTIONS } from '../../src/store/collections.js';
import { createStores, type Stores } from '../../src/store/index.js';
import { newProfileDoc } from '../../src/store/profiles.js';
import { freshDatabase } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let stores: Stores;
beforeAll(async () => {
  database = await freshDatabase('segment-live-sizes');
  stores = createStores(database.db);
});
afterAll(async () => {
  await database?.drop();
});

const now = () => new Date();
const ignore = () => undefined;
/** The segment here names no event: nothing is backfilled, so nobody is folded again. */
const noLateCutoff = async (profileId: string) => {
  throw new Error(`no event condition here, yet ${profileId} was folded again`);
};

async function member(engine: SegmentEngine, profileId: string): Promise<void> {
  const profile = newProfileDoc(profileId, {}, now());
  profile.traits = { member: true };
  await database.db.collection(COLLECTIONS.profiles).insertOne(profile as never);
  await engine.refresh(profileId, { change: { traits: true }, reason: { kind: 'profile update' } });
}

describe('a segment computed while people enter it', () => {
  it('counts each live entry once, from activation to ready', async () => {
    const { ir } = compile('segment members {\n  trait member = true\n}\n');
    const engine = new SegmentEngine({ stores, now, logger: createLogger('silent') });
    await member(engine, 'before_deploy');
    const version = await stores.rules.deploy('(members)', ir!, now(), {}, (next) => declareNewSegments(stores, ir!, next, now));

    // Active, not prepared yet: a live entry already has a size to land in.
    await member(engine, 'before_prepare');
    expect(await stores.segments.get('members')).toMatchObject({ state: 'computing', size: 1 });

    expect(await prepareRecompute(stores, engine, version, now)).toEqual({ computing: ['members'] });
    expect(await backfillFacts(stores, engine, version, now, ignore, noLateCutoff)).toBe('done');
    expect(await judgeEveryone(stores, engine, version, now, { done: 0 }, ignore, noLateCutoff)).toBe('done');
    await member(engine, 'after_judging');

    // Listed by a copy whose increment is still on its way when the segment is finished.
    expect(await stores.segmentMembers.add('members', 'in_flight', now())).toBe(true);
    expect(await finishRecompute(stores, engine, version, now)).toBe('done');
    await stores.segments.addToSize('members', 1);

    const listed = (await stores.segmentMembers.page('members', 10)).members.map((entry) => entry.profileId).sort();
    expect(listed).toEqual(['after_judging', 'before_deploy', 'before_prepare', 'in_flight']);
    expect(await stores.segments.get('members')).toMatchObject({ state: 'ready', size: listed.length });
    expect(await stores.segments.get('members')).not.toHaveProperty('firstComputation');
  });
});
