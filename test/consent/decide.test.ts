/** The consent decisions, as a table of situations: pure, no servers. */
import { describe, expect, it } from 'vitest';
import { purposesFromPreferences } from '../../src/consent/categories.js';
import { consentRecordId, decideConsent, type ConsentEvent } from '../../src/consent/decide.js';
import { projectionFromLedger } from '../../src/consent/projection.js';
import type { ConsentIR } from '../../src/dsl/ir.js';
import type { EventConsent, ProfileDoc } from '../../src/model.js';

const DAY = 86_400_000;
const consents: ConsentIR[] = [
  { name: 'email_marketing', title: 'E-mail marketing', expiresAfterMs: 365 * DAY, remindBeforeMs: 30 * DAY, categories: ['Marketing', 'Email'] },
  { name: 'analytics' },
];
const origin = { kind: 'source', source: 'web' } as const;
const at = new Date('2026-03-01T10:00:00Z');
const later = new Date('2026-03-02T10:00:00Z');

function decide(current: ProfileDoc['consents'], events: ConsentEvent[]) {
  return decideConsent({ profileId: 'p_1', current, log: new Set(), events, consents, rulesVersion: 3, now: later });
}
const event = (eventId: string, when: Date, consent: Omit<EventConsent, 'origin' | 'proof'>): ConsentEvent => ({
  eventId, at: when, consent: { origin, proof: { method: 'banner' }, ...consent },
});

describe('categories', () => {
  it('map by the declared list, else by the purpose name ignoring case; a refusal anywhere wins', () => {
    expect([...purposesFromPreferences({ marketing: true, Analytics: false, Other: true }, consents)]).toEqual([
      ['email_marketing', true], ['analytics', false],
    ]);
    expect(purposesFromPreferences({ Marketing: true, Email: false }, consents).get('email_marketing')).toBe(false);
    expect(purposesFromPreferences({ email_marketing: true }, consents).has('email_marketing')).toBe(false);
  });
});

describe('decideConsent', () => {
  it('a grant is recorded with its proof, the terms of the rules in force, and becomes the projection', () => {
    const decision = decide({}, [event('evt_a', at, { changes: [{ purpose: 'email_marketing', state: 'granted' }] })]);
    const [record] = decision.records;
    expect(record).toMatchObject({
      _id: consentRecordId('evt_a', 'email_marketing'), state: 'granted', at, recordedAt: later,
      expiresAt: new Date(at.getTime() + 365 * DAY), remindAt: new Date(at.getTime() + 335 * DAY),
      proof: { method: 'banner', shown: { title: 'E-mail marketing', rulesVersion: 3 } },
    });
    expect(decision.projection.email_marketing).toEqual({ state: 'granted', at, expiresAt: record!.expiresAt, remindAt: record!.remindAt, recordId: record!._id });
  });

  it('false after a grant is a revocation, false with no earlier grant a denial', () => {
    const granted = decide({}, [event('evt_a', at, { categoryPreferences: { Marketing: true } })]).projection;
    const revoked = decide(granted, [event('evt_b', later, { categoryPreferences: { Marketing: false }, preferencesUpdated: true })]);
    expect(revoked.records.map((r) => r.state)).toEqual(['revoked']);
    expect(revoked.records[0]!.replaces).toBe(granted.email_marketing!.recordId);
    const denied = decide({}, [event('evt_c', at, { categoryPreferences: { Analytics: false } })]);
    expect(denied.records.map((r) => [r.purpose, r.state])).toEqual([['analytics', 'denied']]);
  });

  it('preferences a client carries fill in missing purposes only; the person\'s update records every change', () => {
    const revoked = { email_marketing: { state: 'revoked' as const, at, recordId: 'cr:x:email_marketing' } };
    expect(decide(revoked, [event('evt_a', later, { categoryPreferences: { Marketing: true } })]).records).toEqual([]);
    const updated = decide(revoked, [event('evt_b', later, { categoryPreferences: { Marketing: true, Analytics: false }, preferencesUpdated: true })]);
    expect(updated.records.map((r) => [r.purpose, r.state])).toEqual([['email_marketing', 'granted'], ['analytics', 'denied']]);
    // An update repeating a refusal records nothing new.
    const again = decide({ analytics: { state: 'denied', at, recordId: 'cr:y:analytics' } }, [event('evt_c', later, { categoryPreferences: { Analytics: false }, preferencesUpdated: true })]);
    expect(again.records).toEqual([]);
  });

  it('an older record joins the ledger without changing the current state', () => {
    const current = { email_marketing: { state: 'revoked' as const, at: later, recordId: 'cr:x:email_marketing' } };
    const decision = decide(current, [event('evt_old', at, { changes: [{ purpose: 'email_marketing', state: 'granted' }] })]);
    expect(decision.records).toHaveLength(1);
    expect(decision.records[0]!.replaces).toBeUndefined();
    expect(decision.changed).toBe(false);
    expect(decision.projection).toEqual(current);
  });

  it('an event already applied (its record listed) adds nothing', () => {
    const events = [event('evt_a', at, { changes: [{ purpose: 'analytics', state: 'granted' }] })];
    const log = new Set([consentRecordId('evt_a', 'analytics')]);
    expect(decideConsent({ profileId: 'p_1', current: {}, log, events, consents, now: later }).records).toEqual([]);
  });

  it('an expiry marks only the grant it was started for', () => {
    const grant = { state: 'granted' as const, at, recordId: 'cr:a:email_marketing' };
    const lapse = (recordId: string) => decide({ email_marketing: grant }, [event('evt_x', later, { expire: { purpose: 'email_marketing', recordId } })]);
    expect(lapse('cr:a:email_marketing').projection.email_marketing!.state).toBe('expired');
    expect(lapse('cr:old:email_marketing').changed).toBe(false);
  });
});

describe('projectionFromLedger', () => {
  it('rebuilds what the decisions stored, a lapsed grant as expired', () => {
    const first = decide({}, [event('evt_a', at, { changes: [{ purpose: 'email_marketing', state: 'granted' }, { purpose: 'analytics', state: 'denied' }] })]);
    expect(projectionFromLedger(first.records, later)).toEqual(first.projection);
    const muchLater = new Date(at.getTime() + 400 * DAY);
    expect(projectionFromLedger(first.records, muchLater).email_marketing!.state).toBe('expired');
  });
});
