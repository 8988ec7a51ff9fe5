/**
 * Journey admission on the real database: a check-then-write that two processes on one
 * profile cannot both pass. Each ProfileStore below stands for a process (its own client),
 * so only the write guard keeps them apart.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAdmission, type AdmissionRequest } from '../../src/activities/admission.js';
import { ProfileStore } from '../../src/store/profiles.js';
import { freshDatabase, mongoUri } from '../support/servers.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let otherClient: MongoClient;
let processes: ProfileStore[];

beforeAll(async () => {
  database = await freshDatabase('admission');
  otherClient = new MongoClient(mongoUri());
  await otherClient.connect();
  processes = [new ProfileStore(database.db), new ProfileStore(otherClient.db(database.name))];
});
afterAll(async () => {
  await otherClient?.close();
  await database?.drop();
});

const T0 = Date.UTC(2026, 10, 1);

function request(version: number): AdmissionRequest {
  // One journey, one person, several rules versions: a workflow id (and run) per version.
  return {
    workflowId: `journey:once:v${version}:p`,
    runId: `run-v${version}`,
    journey: 'once',
    rulesVersion: version,
    reentry: { kind: 'never' },
    atMs: T0 + version,
  };
}

describe('journey admission across processes', () => {
  it('decides again when another process let a run in between its read and its write', async () => {
    const profileId = `p_${randomUUID()}`;
    const [here, elsewhere] = processes as [ProfileStore, ProfileStore];
    await here.create(profileId, {}, new Date(T0));
    const before = (await here.findById(profileId))!;
    expect((await elsewhere.decideAndSet(profileId, (profile) => decideAdmission(profile, request(1))))?.verdict).toBe('admitted');

    // This process read the profile before the other one wrote: its first decision stands
    // on that stale read, standing in for the interleaving; the guarded write refuses it.
    const seen: Array<number | undefined> = [];
    const admission = await here.decideAndSet(profileId, (profile) => {
      const read = seen.length === 0 ? before : profile;
      seen.push(read.journeyHistory?.once?.entries);
      return decideAdmission(read, request(2));
    });
    expect(seen).toEqual([undefined, 1]);
    expect(admission?.verdict).toBe('already-in-journey');
    const profile = (await here.findById(profileId))!;
    expect(profile.journeyHistory?.once?.entries).toBe(1);
    expect(Object.keys(profile.journeys)).toEqual(['journey:once:v1:p']);
  });

  it('answers null for a profile that does not exist, and writes nothing', async () => {
    const profileId = `p_${randomUUID()}`;
    expect(await processes[0]!.decideAndSet(profileId, (profile) => decideAdmission(profile, request(1)))).toBeNull();
    expect(await processes[0]!.findExact(profileId)).toBeNull();
  });
});
