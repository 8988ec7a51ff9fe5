/** Admission to a journey, as a pure decision over the profile's journey history. */
import { describe, expect, it } from 'vitest';
import { decideAdmission, type AdmissionRequest } from '../../src/activities/admission.js';
import { REMEMBERED_TRIGGERS, type ProfileDoc } from '../../src/model.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

function request(extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    workflowId: 'journey:welcome:v1:p1',
    runId: 'run-1',
    journey: 'welcome',
    rulesVersion: 1,
    triggerEventId: 'evt_1',
    reentry: { kind: 'always' },
    atMs: T0,
    ...extra,
  };
}

/** The profile as the store would leave it after `decision.set`. */
function afterAdmission(profile: Pick<ProfileDoc, 'journeys' | 'journeyHistory'>, req: AdmissionRequest) {
  const decision = decideAdmission(profile, req);
  const next = structuredClone(profile);
  for (const [path, value] of Object.entries(decision.set ?? {})) {
    const [field, key] = path.split(/\.(.*)/s) as ['journeys' | 'journeyHistory', string];
    (next[field] ??= {} as never)[key] = value as never;
  }
  return { verdict: decision.verdict, profile: next };
}

const fresh = (): Pick<ProfileDoc, 'journeys' | 'journeyHistory'> => ({ journeys: {} });

describe('journey admission', () => {
  it('admits a first entry and records the run and the history in one write', () => {
    const { verdict, profile } = afterAdmission(fresh(), request());
    expect(verdict).toBe('admitted');
    expect(profile.journeys['journey:welcome:v1:p1']).toMatchObject({
      runId: 'run-1',
      journey: 'welcome',
      rulesVersion: 1,
      enteredAt: new Date(T0),
    });
    expect(profile.journeyHistory?.welcome).toEqual({
      entries: 1,
      lastEnteredAt: new Date(T0),
      triggerEventIds: ['evt_1'],
      lastRunId: 'run-1',
    });
  });

  it('lets a run in only while every purpose it requires is granted at that moment, and guards the write on those states', () => {
    const granted = { state: 'granted' as const, at: new Date(T0 - DAY), expiresAt: new Date(T0 + DAY), recordId: 'cr:a:news' };
    const requires = request({ requiresConsent: ['news'] });
    const admitted = decideAdmission({ journeys: {}, consents: { news: granted } }, requires);
    expect(admitted.verdict).toBe('admitted');
    expect(admitted.guard).toMatchObject({ 'consents.news.state': 'granted' });
    const cases: ProfileDoc['consents'][] = [
      {},
      { news: { ...granted, state: 'revoked' } },
      { news: { ...granted, state: 'expired' } },
      { news: { ...granted, expiresAt: new Date(T0) } },
    ];
    for (const consents of cases) {
      expect(decideAdmission({ journeys: {}, consents }, requires)).toEqual({ verdict: 'no-consent' });
    }
  });

  it('admits a retried admission of the same run without writing again', () => {
    const { profile } = afterAdmission(fresh(), request({ reentry: { kind: 'never' } }));
    expect(decideAdmission(profile, request({ reentry: { kind: 'never' } }))).toEqual({ verdict: 'admitted' });
  });

  it('admits the same run again after it left (its local activities run again when a workflow task is retried)', () => {
    const { profile } = afterAdmission(fresh(), request({ reentry: { kind: 'never' } }));
    const left = { ...profile, journeys: {} };
    expect(decideAdmission(left, request({ reentry: { kind: 'never' } }))).toEqual({ verdict: 'admitted' });
    expect(decideAdmission(left, request({ runId: 'run-2', triggerEventId: 'evt_2', reentry: { kind: 'never' } })).verdict).toBe(
      'reentry-refused',
    );
  });

  it('refuses a second run for a trigger event that already started one', () => {
    const { profile } = afterAdmission(fresh(), request());
    expect(decideAdmission(profile, request({ runId: 'run-2', atMs: T0 + DAY })).verdict).toBe('already-triggered');
    expect(decideAdmission(profile, request({ runId: 'run-2', triggerEventId: 'evt_2', atMs: T0 + DAY })).verdict).toBe('admitted');
  });

  it('applies `reentry never` and `reentry after` to the last entry, to the millisecond', () => {
    const never = afterAdmission(fresh(), request({ reentry: { kind: 'never' } })).profile;
    expect(
      decideAdmission(never, request({ runId: 'run-2', triggerEventId: 'evt_2', reentry: { kind: 'never' }, atMs: T0 + 365 * DAY }))
        .verdict,
    ).toBe('reentry-refused');

    const after = { kind: 'after', ms: 7 * DAY } as const;
    const weekly = afterAdmission(fresh(), request({ reentry: after })).profile;
    const again = (atMs: number) =>
      decideAdmission(weekly, request({ runId: 'run-2', triggerEventId: 'evt_2', reentry: after, atMs })).verdict;
    expect(again(T0 + 7 * DAY - 1)).toBe('reentry-refused');
    expect(again(T0 + 7 * DAY)).toBe('admitted');
  });

  it('counts entries and remembers only the latest trigger events', () => {
    let profile = fresh();
    const runs = REMEMBERED_TRIGGERS + 5;
    for (let i = 1; i <= runs; i++)
      profile = afterAdmission(profile, request({ runId: `run-${i}`, triggerEventId: `evt_${i}`, atMs: T0 + i })).profile;
    const history = profile.journeyHistory!.welcome!;
    expect(history.entries).toBe(runs);
    expect(history.triggerEventIds).toHaveLength(REMEMBERED_TRIGGERS);
    expect(history.triggerEventIds.at(-1)).toBe(`evt_${runs}`);
    expect(history.lastEnteredAt).toEqual(new Date(T0 + runs));
  });

  it('keeps a person out while a run of the same journey under another workflow id is going', () => {
    const { profile } = afterAdmission(fresh(), request());
    const otherVersion = request({
      workflowId: 'journey:welcome:v2:p1',
      runId: 'run-2',
      rulesVersion: 2,
      triggerEventId: 'evt_2',
      atMs: T0 + DAY,
    });
    expect(decideAdmission(profile, otherVersion).verdict).toBe('already-in-journey');
    // Once that run has left, the person may enter again (`reentry always`).
    const left = { ...profile, journeys: {} };
    expect(decideAdmission(left, otherVersion).verdict).toBe('admitted');
    // Other journeys are not affected.
    expect(decideAdmission(profile, { ...otherVersion, workflowId: 'journey:weekly:v2:p1', journey: 'weekly' }).verdict).toBe('admitted');
  });

  it('guards its write with the entry count it read', () => {
    expect(decideAdmission(fresh(), request()).guard).toEqual({ 'journeyHistory.welcome.entries': { $exists: false }, restricted: null });
    const { profile } = afterAdmission(fresh(), request());
    const left = { ...profile, journeys: {} };
    expect(decideAdmission(left, request({ runId: 'run-2', triggerEventId: 'evt_2' })).guard).toEqual({
      'journeyHistory.welcome.entries': 1,
      restricted: null,
    });
  });

  it('keeps a restricted person out, and its write fails if a restriction lands after the read', () => {
    const restricted = { ...fresh(), restricted: { since: new Date(T0), reason: 'contested accuracy' } };
    expect(decideAdmission(restricted, request()).verdict).toBe('restricted');
    // `restricted: null` in the guard matches a missing field only, so a restriction written
    // between the read and the write makes the guarded update miss and the decision re-run.
    expect(decideAdmission(fresh(), request()).guard).toMatchObject({ restricted: null });
  });
});
