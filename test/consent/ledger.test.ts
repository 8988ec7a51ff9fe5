/**
 * The consent ledger on the real servers (FerretDB, the Temporal dev server): collected
 * with Segment's convention and `POST /v1/consents`, proven, read by admins, expiring on
 * time, and ending the journeys that needed it.
 */
import { readFile } from 'node:fs/promises';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentRecordId } from '../../src/consent/decide.js';
import { eventIdFor } from '../../src/ingest/ingest.js';
import { journeyWorkflowId } from '../../src/util/workflow-ids.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
let rulesVersion: number;

const EXTRA_RULES = `
consent short_lived "Short-lived test consent" {
  expires after 5 seconds
  remind 2 seconds before expiry
}
consent analytics "Analytics" {
  categories "Analytics", "Statistics"
}

journey needs_short {
  when performed "Start Short"
  requires consent short_lived
  tag "short_started"
  wait 1 hour
  tag "short_finished"
}
`;

beforeAll(async () => {
  itinera = await startTestItinera('consent');
  const source = `${await readFile(new URL('../../examples/ebook.itn', import.meta.url), 'utf8')}\n${EXTRA_RULES}`;
  const deployed = await send(itinera.baseUrl, 'PUT', '/v1/rules', { auth: bearer(ADMIN_KEY), text: source });
  expect(deployed.status).toBe(200);
  rulesVersion = deployed.body.version;
});
afterAll(async () => {
  await itinera?.close();
});

const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const lookup = async (userId: string) => (await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${userId}`, admin)).body;
const consentsOf = async (profileId: string) => (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/consents`, admin)).body;
const timeline = async (profileId: string, event: string) =>
  (await send(itinera.baseUrl, 'GET', `/v1/profiles/${profileId}/events?event=${encodeURIComponent(event)}`, admin)).body.events as Record<
    string,
    any
  >[];
const postConsent = (body: Record<string, unknown>) => send(itinera.baseUrl, 'POST', '/v1/consents', { ...writer, json: body });
/** A workflow's result, once dispatch (which runs after the answer) has started it. */
async function outcomeOf(workflowId: string): Promise<unknown> {
  const handle = itinera.runtime.temporal.workflow.getHandle(workflowId);
  await eventually(async () => (await handle.describe().catch(() => null)) !== null);
  return handle.result();
}
const runOutcome = (journey: string, profileId: string) => outcomeOf(journeyWorkflowId(journey, rulesVersion, profileId));

describe('the e-book drip as a person lives it', () => {
  it("a consent given with Segment's convention lets the run start; a revocation through POST /v1/consents ends it before the next chapter", async () => {
    const analytics = new Analytics({ writeKey: WRITE_KEY, host: itinera.baseUrl, flushAt: 1, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));
    // The identify first, acknowledged, then the signup: with one request per message the
    // client sends them side by side, and a signup that arrived first would find no consent.
    const identified = new Promise<unknown>((resolve) =>
      analytics.identify(
        {
          userId: 'reader-1',
          traits: { email: 'reader1@books.example' },
          context: {
            consent: { categoryPreferences: { Marketing: true, Statistics: false } },
            page: { url: 'https://books.example/signup' },
            userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
            ip: '81.2.69.142',
          },
        },
        resolve,
      ),
    );
    expect(await identified).toBeUndefined();
    analytics.track({ userId: 'reader-1', event: 'Ebook Signup' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const profile = await eventually(async () => {
      const found = await lookup('reader-1');
      return found.tags?.includes('1rozdz1ebook') ? found : undefined;
    });
    const before = await consentsOf(profile.id);
    expect(before.consents.email_marketing).toMatchObject({ state: 'granted', granted: true });
    expect(before.consents.analytics).toMatchObject({ state: 'denied', granted: false });
    const grant = before.history.find((record: any) => record.purpose === 'email_marketing');
    expect(grant).toMatchObject({
      state: 'granted',
      origin: { kind: 'source', source: 'default' },
      proof: {
        method: 'category-preferences',
        shown: { title: 'E-mail marketing', rulesVersion },
        pageUrl: 'https://books.example/signup',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
        ip: '81.2.69.0',
      },
    });
    expect(new Date(grant.expiresAt).getTime() - new Date(grant.at).getTime()).toBe(365 * 86_400_000);

    const revoked = await postConsent({
      userId: 'reader-1',
      purpose: 'email_marketing',
      state: 'revoked',
      proof: { method: 'form', text: 'Stop sending me e-mails' },
    });
    expect(revoked.status).toBe(200);
    expect(await runOutcome('ebook_drip', profile.id)).toBe('consent-withdrawn');

    // The run's `on exit` took its chapter tag away: nobody stays in mid_ebook after leaving.
    const after = await eventually(async () => {
      const found = await lookup('reader-1');
      return found.tags?.some((tag: string) => tag.endsWith('rozdz1ebook')) ? undefined : found;
    });
    expect(after.tags).not.toContain('2rozdz1ebook');
    expect(after.journeys.filter((run: { journey: string }) => run.journey === 'ebook_drip')).toEqual([]);
    // One chapter queued, the first; none after the withdrawal.
    expect(await itinera.raw.deliveries.countDocuments({ profileId: profile.id })).toBe(1);
    const history = (await consentsOf(profile.id)).history;
    expect(history[0]).toMatchObject({
      purpose: 'email_marketing',
      state: 'revoked',
      origin: { kind: 'api' },
      proof: { method: 'form', shown: { text: 'Stop sending me e-mails' } },
      replaces: grant.id,
    });
    expect((await timeline(profile.id, 'Consent Revoked')).map((event) => event.properties)).toEqual([
      { purpose: 'email_marketing', state: 'revoked' },
    ]);
  });

  it('a person who never consented does not enter; deny by default', async () => {
    await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'reader-none', event: 'Ebook Signup' } });
    const profile = await eventually(async () => (await lookup('reader-none')).id as string | undefined);
    expect(await runOutcome('ebook_drip', profile)).toBe('no-consent');
    // Refused once is not refused for good (`reentry never` counts entries, not refusals).
    expect((await postConsent({ userId: 'reader-none', purpose: 'email_marketing', state: 'granted' })).status).toBe(200);
    await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'reader-none', event: 'Ebook Signup' } });
    await eventually(async () => (await lookup('reader-none')).tags?.includes('1rozdz1ebook'));
  });
});

describe('collecting consent', () => {
  it("Segment Consent Preference Updated records the person's changes; carried preferences never undo them", async () => {
    const track = (event: string, preferences: Record<string, boolean>, messageId: string) =>
      send(itinera.baseUrl, 'POST', '/v1/track', {
        ...writer,
        json: { userId: 'prefs-1', event, messageId, context: { consent: { categoryPreferences: preferences } } },
      });
    await track('Page Viewed Somewhere', { MARKETING: true }, 'p1');
    await track('Segment Consent Preference Updated', { Marketing: false, Analytics: false }, 'p2');
    // A stale cookie still saying "true" on the next page view.
    await track('Page Viewed Somewhere', { marketing: true, Analytics: true }, 'p3');
    const profile = await eventually(async () => (await lookup('prefs-1')).id as string | undefined);
    const { consents, history } = await consentsOf(profile);
    expect(consents.email_marketing.state).toBe('revoked');
    expect(consents.analytics.state).toBe('denied');
    expect(history.map((record: any) => [record.purpose, record.state, record.proof.method])).toEqual(
      expect.arrayContaining([
        ['email_marketing', 'revoked', 'consent-preference-updated'],
        ['analytics', 'denied', 'consent-preference-updated'],
        ['email_marketing', 'granted', 'category-preferences'],
      ]),
    );
    expect(history).toHaveLength(3);
  });

  it('POST /v1/consents finds the person by e-mail, is idempotent by messageId, and an earlier timestamp does not override a later state', async () => {
    const first = await postConsent({
      email: 'shopper@shop.example',
      purpose: 'analytics',
      state: 'granted',
      messageId: 'form-1',
      timestamp: '2026-05-01T10:00:00Z',
    });
    expect(first.status).toBe(200);
    expect(first.body.recordId).toBe(consentRecordId(eventIdFor('form-1'), 'analytics'));
    expect(
      (
        await postConsent({
          email: 'shopper@shop.example',
          purpose: 'analytics',
          state: 'granted',
          messageId: 'form-1',
          timestamp: '2026-05-01T10:00:00Z',
        })
      ).status,
    ).toBe(200);
    await postConsent({
      email: 'shopper@shop.example',
      purpose: 'analytics',
      state: 'denied',
      messageId: 'form-0',
      timestamp: '2026-04-01T10:00:00Z',
    });
    await itinera.runtime.writer.settled();
    const profileId = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?email=shopper@shop.example', admin)).body.id;
    const { consents, history } = await consentsOf(profileId);
    expect(history.map((record: any) => record.state)).toEqual(['granted', 'denied']);
    expect(consents.analytics).toMatchObject({ state: 'granted', since: '2026-05-01T10:00:00.000Z', recordId: first.body.recordId });
  });

  it("an admin records a change on the person's behalf with a reason", async () => {
    await postConsent({ userId: 'admin-1', purpose: 'analytics', state: 'granted' });
    const profileId = await eventually(async () => (await lookup('admin-1')).id as string | undefined);
    const changed = await send(itinera.baseUrl, 'POST', `/v1/profiles/${profileId}/consents`, {
      ...admin,
      json: { purpose: 'analytics', state: 'revoked', reason: 'asked by phone, ticket 4411' },
    });
    expect(changed.status).toBe(200);
    await itinera.runtime.writer.settled();
    const { consents, history } = await consentsOf(profileId);
    expect(consents.analytics.state).toBe('revoked');
    expect(history[0]).toMatchObject({
      state: 'revoked',
      origin: { kind: 'admin', reason: 'asked by phone, ticket 4411' },
      proof: { method: 'admin' },
    });
  });
});

describe('bad input changes nothing', () => {
  it('unknown purpose, unknown state, missing identifier, an admin change without a reason, the write key on admin routes', async () => {
    const ledgerBefore = await itinera.raw.consentLedger.countDocuments();
    const eventsBefore = await itinera.raw.events.countDocuments();

    const unknownPurpose = await postConsent({ userId: 'bad-1', purpose: 'newsletter', state: 'granted' });
    expect(unknownPurpose.status).toBe(400);
    expect(unknownPurpose.body.error.code).toBe('unknown_purpose');
    expect(unknownPurpose.body.error.details[0].declared).toEqual(['email_marketing', 'short_lived', 'analytics']);
    expect(unknownPurpose.body.error.message).toContain('email_marketing, short_lived, analytics');

    const unknownState = await postConsent({ userId: 'bad-1', purpose: 'analytics', state: 'maybe' });
    expect(unknownState.status).toBe(400);
    expect(unknownState.body.error).toMatchObject({ code: 'invalid_state', message: 'state: must be one of granted, denied, revoked' });

    const noPerson = await postConsent({ purpose: 'analytics', state: 'granted' });
    expect(noPerson.status).toBe(400);
    expect(noPerson.body.error.code).toBe('missing_identifier');

    const typo = await postConsent({ userId: 'bad-1', purpose: 'analytics', state: 'granted', proof: { methd: 'form' } });
    expect(typo.status).toBe(400);
    expect(typo.body.error.details[0].path).toBe('proof');

    await postConsent({ userId: 'bad-admin', purpose: 'analytics', state: 'granted' });
    const profileId = await eventually(async () => (await lookup('bad-admin')).id as string | undefined);
    const ledgerWithOne = await itinera.raw.consentLedger.countDocuments();
    const noReason = await send(itinera.baseUrl, 'POST', `/v1/profiles/${profileId}/consents`, {
      ...admin,
      json: { purpose: 'analytics', state: 'revoked' },
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details[0].path).toBe('reason');
    const blankReason = await send(itinera.baseUrl, 'POST', `/v1/profiles/${profileId}/consents`, {
      ...admin,
      json: { purpose: 'analytics', state: 'revoked', reason: '  ' },
    });
    expect(blankReason.status).toBe(400);

    for (const [method, path] of [
      ['GET', '/v1/consents'],
      ['GET', '/v1/consents/ledger'],
      ['POST', '/v1/consents/verify'],
      ['GET', `/v1/profiles/${profileId}/consents`],
      ['POST', `/v1/profiles/${profileId}/consents`],
    ] as const) {
      const response = await send(itinera.baseUrl, method, path, {
        ...writer,
        ...(method === 'POST' ? { json: { purpose: 'analytics', state: 'revoked', reason: 'x' } } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(401);
    }
    const withAdminKey = await send(itinera.baseUrl, 'POST', '/v1/consents', {
      ...admin,
      json: { userId: 'bad-1', purpose: 'analytics', state: 'granted' },
    });
    expect(withAdminKey.status).toBe(401);

    await itinera.runtime.writer.settled();
    expect(await itinera.raw.consentLedger.countDocuments()).toBe(ledgerWithOne);
    expect(ledgerWithOne).toBe(ledgerBefore + 1);
    // The one event is bad-admin's valid grant.
    expect(await itinera.raw.events.countDocuments()).toBe(eventsBefore + 1);
    expect(await itinera.raw.profiles.countDocuments({ 'identities.userId': 'bad-1' })).toBe(0);
  });
});

describe('durable lifecycle on the dev server', () => {
  it('a 5-second consent records Consent Expiring and Consent Expired on time, reads as missing, and ends the run that needed it', async () => {
    const granted = await postConsent({ userId: 'short-1', purpose: 'short_lived', state: 'granted' });
    expect(granted.status).toBe(200);
    await send(itinera.baseUrl, 'POST', '/v1/track', { ...writer, json: { userId: 'short-1', event: 'Start Short' } });
    const profile = await eventually(async () => {
      const found = await lookup('short-1');
      return found.tags?.includes('short_started') ? found : undefined;
    });
    const grant = (await consentsOf(profile.id)).history[0];

    const [expiring] = await eventually(async () => {
      const events = await timeline(profile.id, 'Consent Expiring');
      return events.length > 0 ? events : undefined;
    });
    expect(expiring!.properties).toEqual({ purpose: 'short_lived', expiresAt: grant.expiresAt });
    expect(expiring!.timestamp).toBe(grant.remindAt);
    // Recorded by the timer, not before its instant.
    expect(new Date(expiring!.receivedAt).getTime()).toBeGreaterThanOrEqual(new Date(grant.remindAt).getTime());

    expect(await runOutcome('needs_short', profile.id)).toBe('consent-withdrawn');
    const [expired] = await timeline(profile.id, 'Consent Expired');
    expect(expired).toMatchObject({ properties: { purpose: 'short_lived' }, timestamp: grant.expiresAt });
    expect(new Date(expired!.receivedAt).getTime()).toBeGreaterThanOrEqual(new Date(grant.expiresAt).getTime());
    expect((await consentsOf(profile.id)).consents.short_lived).toMatchObject({ state: 'expired', granted: false });
    expect((await lookup('short-1')).tags).not.toContain('short_finished');

    const tally = (await send(itinera.baseUrl, 'GET', '/v1/consents', admin)).body;
    expect(tally.purposes.find((p: any) => p.purpose === 'short_lived')).toMatchObject({ declared: true, expired: 1 });
  });

  it('a renewal replaces the grant: the old timers no longer fire, the new ones do', async () => {
    const first = await postConsent({ userId: 'renew-1', purpose: 'short_lived', state: 'granted', messageId: 'renew-a' });
    const profileId = await eventually(async () => (await lookup('renew-1')).id as string | undefined);
    const lifecycle = (recordId: string) => itinera.runtime.temporal.workflow.getHandle(`consent-lifecycle:${recordId}`);
    await eventually(
      async () =>
        (await lifecycle(first.body.recordId)
          .describe()
          .catch(() => null)) !== null,
    );
    const renewed = await postConsent({ userId: 'renew-1', purpose: 'short_lived', state: 'granted', messageId: 'renew-b' });
    expect(await outcomeOf(`consent-lifecycle:${renewed.body.recordId}`)).toBe('expired');
    // The replaced grant's lifecycle was ended as soon as the renewal was applied.
    expect((await lifecycle(first.body.recordId).describe()).status.name).toBe('TERMINATED');
    const { history } = await consentsOf(profileId);
    const renewal = history.find((record: any) => record.id === renewed.body.recordId);
    expect(renewal.replaces).toBe(first.body.recordId);
    // One reminder and one lapse, both of the renewed grant.
    expect((await timeline(profileId, 'Consent Expiring')).map((event) => event.properties.expiresAt)).toEqual([renewal.expiresAt]);
    expect((await timeline(profileId, 'Consent Expired')).map((event) => event.timestamp)).toEqual([renewal.expiresAt]);
  });
});

describe('for the data protection officer', () => {
  it('the ledger as CSV, filtered by purpose, with proofs; the projection rebuilt from the ledger agrees, and a tampered one is found and repaired', async () => {
    const csv = await fetch(`${itinera.baseUrl}/v1/consents/ledger?purpose=email_marketing`, {
      headers: { authorization: bearer(ADMIN_KEY) },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'record_id,profile_id,purpose,state,at,recorded_at,expires_at,origin,source,reason,method,shown_title,shown_rules_version,shown_text,shown_url,page_url,user_agent,ip,event_id,replaces,message',
    );
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.slice(1).every((line) => line.split(',')[2] === 'email_marketing')).toBe(true);
    expect(lines.some((line) => line.includes('81.2.69.0') && line.includes('https://books.example/signup'))).toBe(true);

    const check = await send(itinera.baseUrl, 'POST', '/v1/consents/verify', { ...admin, json: {} });
    expect(check.status).toBe(200);
    expect(check.body.disagreeing).toEqual([]);
    expect(check.body.records).toBe(await itinera.raw.consentLedger.countDocuments());

    const reader = await lookup('reader-1');
    await itinera.raw.profiles.updateOne({ _id: reader.id }, { $set: { 'consents.email_marketing.state': 'granted' } });
    const tampered = await send(itinera.baseUrl, 'POST', '/v1/consents/verify', { ...admin, json: { repair: true } });
    expect(tampered.body).toMatchObject({ disagreeing: [reader.id], repaired: true });
    expect((await consentsOf(reader.id)).consents.email_marketing.state).toBe('revoked');
    expect((await send(itinera.baseUrl, 'POST', '/v1/consents/verify', { ...admin, json: {} })).body.disagreeing).toEqual([]);
  });
});

describe('merges and erasure', () => {
  it('merged profiles keep both ledgers, and the most recently given state per purpose wins', async () => {
    await postConsent({ anonymousId: 'merge-a', purpose: 'analytics', state: 'granted', timestamp: '2026-06-01T10:00:00Z' });
    await postConsent({ anonymousId: 'merge-b', purpose: 'analytics', state: 'revoked', timestamp: '2026-06-02T10:00:00Z' });
    await postConsent({ anonymousId: 'merge-a', purpose: 'email_marketing', state: 'granted', timestamp: '2026-06-01T09:00:00Z' });
    await itinera.runtime.writer.settled();
    for (const anonymousId of ['merge-a', 'merge-b']) {
      expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { ...writer, json: { userId: 'merged-1', anonymousId } })).status).toBe(
        200,
      );
    }
    await itinera.runtime.writer.settled();
    const profile = await lookup('merged-1');
    expect(profile.mergedFrom).toHaveLength(1);
    const { consents, history } = await consentsOf(profile.id);
    expect(consents.analytics.state).toBe('revoked');
    expect(consents.email_marketing.state).toBe('granted');
    expect(history.map((record: any) => [record.purpose, record.state])).toEqual([
      ['analytics', 'revoked'],
      ['analytics', 'granted'],
      ['email_marketing', 'granted'],
    ]);
    expect((await send(itinera.baseUrl, 'POST', '/v1/consents/verify', { ...admin, json: {} })).body.disagreeing).toEqual([]);
  });

  it("an erasure removes the person's ledger records, those of merged profiles included", async () => {
    const profile = await lookup('merged-1');
    const recordIds = (await consentsOf(profile.id)).history.map((record: any) => record.id);
    expect(recordIds).toHaveLength(3);
    const erasure = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', { ...admin, json: { userId: 'merged-1' } });
    const done = await eventually(async () => {
      const status = (await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${erasure.body.id}`, admin)).body;
      return status.status === 'completed' ? status : undefined;
    });
    expect(done.removed.consentRecords).toBe(3);
    expect(await itinera.raw.consentLedger.countDocuments({ _id: { $in: recordIds } })).toBe(0);
  });
});
