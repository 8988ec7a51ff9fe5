/** The consent decisions, as a table of situations: pure, no servers. */
import { describe, expect, it } from 'vitest';
import { purposesFromPreferences } from '../../src/consent/categories.js';
import { consentRecordId, decideConsent, type ConsentEvent } from '../../src/consent/decide.js';
import { projectionFromLedger } from '../../src/consent/projection.js';
import type { ConsentIR } from '../../src/dsl/ir.js';
import type { EventConsent, ProfileDoc } from '../../src/model.js';

const DAY = 86_400_000;
const consents: ConsentIR[] = [
  {
    name: 'email_marketing',
    title: 'E-mail marketing',
    expiresAfterMs: 365 * DAY,
    remindBeforeMs: 30 * DAY,
    categories: ['Marketing', 'Email'],
  },
  { name: 'analytics' },
];
const origin = { kind: 'source', source: 'web' } as const;
const at = new Date('2026-03-01T10:00:00Z');
const later = new Date('2026-03-02T10:00:00Z');

function decide(current: ProfileDoc['consents'], events: ConsentEvent[]) {
  return decideConsent({ profileId: 'p_1', current, log: new Set(), events, consents, rulesVersion: 3, now: later });
}
const event = (eventId: string, when: Date, consent: Omit<EventConsent, 'origin' | 'proof'>): ConsentEvent => ({
  eventId,
  at: when,
  consent: { origin, proof: { method: 'banner' }, ...consent },
});

describe('categories', () => {
  it('map by the declared list, else by the purpose name ignoring case; a refusal anywhere wins', () => {
    expect([...purposesFromPreferences({ marketing: true, Analytics: false, Other: true }, consents)]).toEqual([
      ['email_marketing', true],
      ['analytics', false],
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
      _id: consentRecordId('evt_a', 'email_marketing'),
      state: 'granted',
      at,
      recordedAt: later,
      expiresAt: new Date(at.getTime() + 365 * DAY),
      remindAt: new Date(at.getTime() + 335 * DAY),
      proof: { method: 'banner', shown: { title: 'E-mail marketing', rulesVersion: 3 } },
    });
    expect(decision.projection.email_marketing).toEqual({
      state: 'granted',
      at,
      expiresAt: record!.expiresAt,
      remindAt: record!.remindAt,
      recordId: record!._id,
    });
  });

  it('false after a grant is a revocation, false with no earlier grant a denial', () => {
    const granted = decide({}, [event('evt_a', at, { categoryPreferences: { Marketing: true } })]).projection;
    const revoked = decide(granted, [event('evt_b', later, { categoryPreferences: { Marketing: false }, preferencesUpdated: true })]);
    expect(revoked.records.map((r) => r.state)).toEqual(['revoked']);
    expect(revoked.records[0]!.replaces).toBe(granted.email_marketing!.recordId);
    const denied = decide({}, [event('evt_c', at, { categoryPreferences: { Analytics: false } })]);
    expect(denied.records.map((r) => [r.purpose, r.state])).toEqual([['analytics', 'denied']]);
  });

  it("preferences a client carries fill in missing purposes only; the person's update records every change", () => {
    const revoked = { email_marketing: { state: 'revoked' as const, at, recordId: 'cr:x:email_marketing' } };
    expect(decide(revoked, [event('evt_a', later, { categoryPreferences: { Marketing: true } })]).records).toEqual([]);
    const updated = decide(revoked, [
      event('evt_b', later, { categoryPreferences: { Marketing: true, Analytics: false }, preferencesUpdated: true }),
    ]);
    expect(updated.records.map((r) => [r.purpose, r.state])).toEqual([
      ['email_marketing', 'granted'],
      ['analytics', 'denied'],
    ]);
    // An update repeating a refusal records nothing new.
    const again = decide({ analytics: { state: 'denied', at, recordId: 'cr:y:analytics' } }, [
      event('evt_c', later, { categoryPreferences: { Analytics: false }, preferencesUpdated: true }),
    ]);
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
    const lapse = (recordId: string) =>
      decide({ email_marketing: grant }, [event('evt_x', later, { expire: { purpose: 'email_marketing', recordId } })]);
    expect(lapse('cr:a:email_marketing').projection.email_marketing!.state).toBe('expired');
    expect(lapse('cr:old:email_marketing').changed).toBe(false);
  });
});

describe('projectionFromLedger', () => {
  it('rebuilds what the decisions stored, a lapsed grant as expired', () => {
    const first = decide({}, [
      event('evt_a', at, {
        changes: [
          { purpose: 'email_marketing', state: 'granted' },
          { purpose: 'analytics', state: 'denied' },
        ],
      }),
    ]);
    expect(projectionFromLedger(first.records, later)).toEqual(first.projection);
    const muchLater = new Date(at.getTime() + 400 * DAY);
    expect(projectionFromLedger(first.records, muchLater).email_marketing!.state).toBe('expired');
  });
});

describe('double opt-in', () => {
  const confirming: ConsentIR[] = [{ name: 'newsletter', expiresAfterMs: 365 * DAY, confirmTemplate: 'confirm_newsletter' }];
  const decideWith = (current: ProfileDoc['consents'], events: ConsentEvent[]) =>
    decideConsent({ profileId: 'p_1', current, log: new Set(), events, consents: confirming, rulesVersion: 3, now: later });
  const banner = (eventId: string, when: Date) =>
    event(eventId, when, { categoryPreferences: { Newsletter: true }, preferencesUpdated: true });
  const confirmation = (eventId: string, when: Date, recordId: string, requestedAt: Date): ConsentEvent => ({
    eventId,
    at: when,
    consent: {
      changes: [{ purpose: 'newsletter', state: 'granted' }],
      confirms: { recordId, at: requestedAt },
      origin: { kind: 'confirmation' },
      proof: { method: 'double-opt-in', confirms: recordId },
    },
  });

  it("a banner's grant waits as pending, with no terms; saving again asks nothing more", () => {
    const asked = decideWith({}, [banner('evt_a', at)]);
    expect(asked.records.map((r) => [r.state, r.expiresAt])).toEqual([['pending', undefined]]);
    expect(asked.projection.newsletter!.state).toBe('pending');
    expect(decideWith(asked.projection, [banner('evt_b', later)]).records).toEqual([]);
  });

  it("an admin's or an import's grant is recorded as given", () => {
    for (const kind of ['admin', 'import'] as const) {
      const decision = decideWith({}, [
        { eventId: 'evt_a', at, consent: { changes: [{ purpose: 'newsletter', state: 'granted' }], origin: { kind }, proof: {} } },
      ]);
      expect(decision.projection.newsletter!.state).toBe('granted');
    }
  });

  it('the confirmation grants, with terms from the confirmation; it does nothing once the request is closed', () => {
    const asked = decideWith({}, [banner('evt_a', at)]);
    const requestId = consentRecordId('evt_a', 'newsletter');
    const confirmed = decideWith(asked.projection, [confirmation('evt_c', later, requestId, at)]);
    expect(confirmed.records[0]).toMatchObject({
      state: 'granted',
      replaces: requestId,
      expiresAt: new Date(later.getTime() + 365 * DAY),
      proof: { confirms: requestId },
    });
    const revoked = decideWith(asked.projection, [
      event('evt_r', later, { changes: [{ purpose: 'newsletter', state: 'revoked' }] }),
    ]).projection;
    expect(decideWith(revoked, [confirmation('evt_c', new Date(later.getTime() + 1000), requestId, at)]).records).toEqual([]);
  });

  it('a request to renew a grant that holds leaves the grant current until it is confirmed', () => {
    const granted = decideWith({}, [confirmation('evt_c', at, 'cr:earlier', at)]);
    expect(granted.records).toEqual([]); // no open request: nothing to confirm
    const current = { newsletter: { state: 'granted' as const, at, expiresAt: new Date(at.getTime() + 365 * DAY), recordId: 'cr:g' } };
    const renewal = decideWith(current, [event('evt_p', later, { changes: [{ purpose: 'newsletter', state: 'pending' }] })]);
    expect(renewal.records.map((r) => r.state)).toEqual(['pending']);
    expect(renewal.projection.newsletter!.recordId).toBe('cr:g');
    const renewedAt = new Date(later.getTime() + DAY);
    const renewed = decideWith(renewal.projection, [confirmation('evt_c2', renewedAt, consentRecordId('evt_p', 'newsletter'), later)]);
    expect(renewed.projection.newsletter).toMatchObject({ state: 'granted', expiresAt: new Date(renewedAt.getTime() + 365 * DAY) });
    expect(renewed.records[0]!.replaces).toBe('cr:g');
  });
});
