/**
 * A consent change acknowledged just before a crash: its event and outbox entry are
 * stored, nothing else. The outbox sweeper applies it (ledger record, projection) and
 * dispatches it, once, however often it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentRecordId } from '../../src/consent/decide.js';
import { eventIdFor } from '../../src/ingest/ingest.js';
import type { EventDoc } from '../../src/model.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
beforeAll(async () => {
  itinera = await startTestItinera('consent-recovery', { sweepIntervalMs: 300 });
  const rules = 'consent email_marketing "E-mail marketing" {\n  expires after 365 days\n}\n';
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { auth: bearer(ADMIN_KEY), text: rules })).status).toBe(200);
});
afterAll(async () => {
  await itinera?.close();
});

describe('recovery of an unapplied consent change', () => {
  it('the sweeper records it once and starts its lifecycle', async () => {
    await send(itinera.baseUrl, 'POST', '/v1/identify', {
      auth: basicAuth(WRITE_KEY),
      json: { userId: 'crashed-1', traits: { plan: 'free' } },
    });
    await itinera.runtime.writer.settled();
    const profileId = (await send(itinera.baseUrl, 'GET', '/v1/profiles/lookup?userId=crashed-1', { auth: bearer(ADMIN_KEY) })).body
      .id as string;

    // What a crash right after the answer leaves: the event and its open outbox entry.
    const eventId = eventIdFor('crash-grant-1');
    const long = new Date(Date.now() - 60_000);
    const event: EventDoc = {
      _id: eventId,
      messageId: 'crash-grant-1',
      type: 'track',
      event: 'Consent Granted',
      source: 'default',
      profileId,
      userId: 'crashed-1',
      properties: { purpose: 'email_marketing', state: 'granted' },
      context: {},
      consent: {
        changes: [{ purpose: 'email_marketing', state: 'granted' }],
        origin: { kind: 'api', source: 'default' },
        proof: { method: 'form' },
      },
      timestamp: long,
      receivedAt: long,
    };
    await itinera.raw.events.insertOne(event);
    await itinera.raw.outbox.insertOne({
      _id: 'ob_crashed',
      eventIds: [eventId],
      createdAt: long,
      owner: 'a-process-that-died',
      leaseUntil: long,
    });

    const recordId = consentRecordId(eventId, 'email_marketing');
    await eventually(async () => (await itinera.raw.outbox.countDocuments({ _id: 'ob_crashed' })) === 0);
    const profile = await itinera.raw.profiles.findOne({ _id: profileId });
    expect(profile?.consents.email_marketing).toMatchObject({ state: 'granted', recordId });
    expect(profile?.consentLog).toEqual([recordId]);
    expect(await itinera.raw.consentLedger.countDocuments({ profileId })).toBe(1);
    const lifecycle = itinera.runtime.temporal.workflow.getHandle(`consent-lifecycle:${recordId}`);
    await eventually(async () => (await lifecycle.describe().catch(() => null)) !== null);

    // Swept again (a second process, a retry): nothing new.
    await itinera.raw.outbox.insertOne({
      _id: 'ob_crashed_again',
      eventIds: [eventId],
      createdAt: long,
      owner: 'a-process-that-died',
      leaseUntil: long,
    });
    await eventually(async () => (await itinera.raw.outbox.countDocuments({ _id: 'ob_crashed_again' })) === 0);
    expect(await itinera.raw.consentLedger.countDocuments({ profileId })).toBe(1);
    expect((await itinera.raw.profiles.findOne({ _id: profileId }))?.consentLog).toEqual([recordId]);
  });
});
