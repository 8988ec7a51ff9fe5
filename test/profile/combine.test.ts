/** The merge strategy for journey histories: a merge lets nobody into a journey again. */
import { describe, expect, it } from 'vitest';
import { decideAdmission } from '../../src/activities/admission.js';
import { combineProfiles } from '../../src/profile/combine.js';
import { newProfileDoc } from '../../src/store/profiles.js';

const at = (day: number) => new Date(Date.UTC(2026, 10, day));

describe('combineProfiles: journey history', () => {
  it('adds up entries, keeps the later entry and both trigger lists, per journey', () => {
    const survivor = {
      ...newProfileDoc('p_a', {}, at(1)),
      journeyHistory: { welcome: { entries: 1, lastEnteredAt: at(2), triggerEventIds: ['evt_a'] } },
    };
    const absorbed = {
      ...newProfileDoc('p_b', {}, at(1)),
      journeyHistory: {
        welcome: { entries: 2, lastEnteredAt: at(5), triggerEventIds: ['evt_b1', 'evt_b2'] },
        weekly: { entries: 1, lastEnteredAt: at(3), triggerEventIds: ['evt_w'] },
      },
    };
    const merged = combineProfiles(survivor, absorbed, at(6));
    expect(merged.journeyHistory).toEqual({
      welcome: { entries: 3, lastEnteredAt: at(5), triggerEventIds: ['evt_a', 'evt_b1', 'evt_b2'] },
      weekly: { entries: 1, lastEnteredAt: at(3), triggerEventIds: ['evt_w'] },
    });

    // The absorbed profile's trigger, dispatched again to the survivor, starts nothing.
    const request = {
      workflowId: 'journey:welcome:v1:p_a',
      runId: 'r',
      journey: 'welcome',
      rulesVersion: 1,
      reentry: { kind: 'always' } as const,
      atMs: at(7).getTime(),
    };
    expect(decideAdmission(merged, { ...request, triggerEventId: 'evt_b2' }).verdict).toBe('already-triggered');
    expect(decideAdmission(merged, { ...request, triggerEventId: 'evt_new', reentry: { kind: 'after', ms: 7 * 86_400_000 } }).verdict).toBe(
      'reentry-refused',
    );
  });

  it('leaves a profile without history without one', () => {
    const merged = combineProfiles(newProfileDoc('p_a', {}, at(1)), newProfileDoc('p_b', {}, at(1)), at(2));
    expect(merged.journeyHistory).toEqual({});
  });
});
