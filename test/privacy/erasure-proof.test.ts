/**
 * The erasure proof: a person with merged identities, events, a consent with its
 * lifecycle, an e-mail sent, segment history and a journey run waiting on a timer is
 * erased; afterwards no MongoDB collection and no Temporal workflow history holds any of
 * their identifiers or trait values, the run is terminated, a destination subscribed to
 * erasures was told (signed), the receipt verifies with openssl, and later messages
 * carrying their identifiers are dropped until an admin lifts the suppression.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentClockShardOf, segmentClocksWorkflowId } from '../../src/util/workflow-ids.js';
import { segmentClockDueQuery } from '../../src/workflows/messages.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const RULES = `
consent email_marketing "E-mail marketing" {
  expires after 365 days
}
segment buyers "Bought something" {
  performed "Order Completed"
}
segment recent_buyers {
  performed "Order Completed" within 30 days
}
journey welcome {
  when performed "Signed Up"
  requires consent email_marketing
  send email "welcome"
  tag "welcomed"
  wait 1 hour
  tag "an_hour_later"
}
`;
const EMAIL = 'Proof.Person@Example.org';
const NAME = 'Agnieszka Dowodowa';
const CITY = 'Szczebrzeszyn-Proof';
const IDS = { userId: 'u-proof-7', first: 'anon-proof-first', second: 'anon-proof-second' };

let itinera: TestItinera;
let sink: SmtpSink;
let receiver: WebhookReceiver;
let destinationSecret = '';
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startWebhookReceiver();
  itinera = await startTestItinera('erasure-proof', { smtp: { url: sink.url, from: 'Shop <news@shop.example>' } });
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  expect(
    (
      await api('PUT', '/v1/templates/welcome', {
        ...admin,
        json: { subject: 'Hello {{ traits.name }}', html: '<p>Welcome, {{ traits.name }} from {{ traits.city }}</p>' },
      })
    ).status,
  ).toBe(201);
  const destination = await api('PUT', '/v1/destinations/dpo-crm', { ...admin, json: { url: `${receiver.url}/erasures`, erasures: true } });
  expect(destination.status).toBe(201);
  destinationSecret = destination.body.secret;
});
afterAll(async () => {
  await itinera?.close();
  await sink?.close();
  await receiver?.close();
});

/** Every document of every collection, as text. */
async function everythingStored(): Promise<string> {
  const { db } = itinera.raw;
  const collections = await db.listCollections().toArray();
  return (
    await Promise.all(collections.map(async ({ name }) => `${name}: ${JSON.stringify(await db.collection(name).find().toArray())}`))
  ).join('\n');
}

/** Every workflow history on this file's task queue, payloads decoded: inputs, signals, results, memos, search attributes. */
async function everyHistory(): Promise<Map<string, string>> {
  const histories = new Map<string, string>();
  for await (const execution of itinera.runtime.temporal.workflow.list({ query: `TaskQueue = "${itinera.taskQueue}"` })) {
    const handle = itinera.runtime.temporal.workflow.getHandle(execution.workflowId, execution.runId);
    const history = await handle.fetchHistory();
    const description = await handle.describe();
    const text = JSON.stringify({ history, memo: description.memo, searchAttributes: description.searchAttributes }, (_key, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
    );
    histories.set(`${execution.workflowId}/${execution.runId}`, text);
  }
  return histories;
}

const lookup = async (query: string) => api('GET', `/v1/profiles/lookup?${query}`);

describe('an erasure that leaves nothing', () => {
  let profileIds: string[] = [];
  let runWorkflowId = '';
  let requestId = '';

  it('builds a person with everything a CDP keeps about someone', async () => {
    await api('POST', '/v1/page', { ...write, json: { anonymousId: IDS.first, name: 'Home', properties: { title: 'Home' } } });
    const first = (await lookup(`anonymousId=${IDS.first}`)).body.id as string;
    await api('POST', '/v1/identify', {
      ...write,
      json: { userId: IDS.userId, anonymousId: IDS.second, traits: { email: EMAIL, name: NAME, city: CITY } },
    });
    const survivor = (await lookup(`userId=${IDS.userId}`)).body.id as string;
    expect(survivor).not.toBe(first);
    // The first device's visitor turns out to be the same person: merged in.
    await api('POST', '/v1/identify', { ...write, json: { anonymousId: IDS.first, traits: { email: EMAIL } } });
    expect((await lookup(`anonymousId=${IDS.first}`)).body.id).toBe(survivor);
    profileIds = [first, survivor];

    expect(
      (await api('POST', '/v1/consents', { ...write, json: { userId: IDS.userId, purpose: 'email_marketing', state: 'granted' } })).status,
    ).toBe(200);
    await api('POST', '/v1/track', {
      ...write,
      json: { userId: IDS.userId, event: 'Order Completed', properties: { revenue: 120, note: NAME } },
    });
    await api('POST', '/v1/track', { ...write, json: { userId: IDS.userId, event: 'Signed Up' } });

    const profile = await eventually(async () => {
      const found = (await lookup(`userId=${IDS.userId}`)).body;
      return found.tags?.includes('welcomed') &&
        found.journeys?.length === 1 &&
        found.segments?.some((segment: { name: string }) => segment.name === 'buyers')
        ? found
        : undefined;
    });
    runWorkflowId = `journey:welcome:v${profile.journeys[0].rulesVersion}:${survivor}`;
    expect(sink.received.filter((mail) => mail.to.toLowerCase() === EMAIL.toLowerCase()).map((mail) => mail.subject)).toEqual([
      `Hello ${NAME}`,
    ]);
    const history = await api('GET', `/v1/profiles/${survivor}/segments/history`);
    expect(history.body.changes.length).toBeGreaterThan(0);
    // The run waits on its hour-long timer.
    expect((await itinera.runtime.temporal.workflow.getHandle(runWorkflowId).describe()).status.name).toBe('RUNNING');
    // Their clock shard holds the instant `recent_buyers` lets them go.
    const shard = itinera.runtime.temporal.workflow.getHandle(segmentClocksWorkflowId(itinera.taskQueue, segmentClockShardOf(survivor)));
    expect(
      await eventually(async () => (await shard.query(segmentClockDueQuery, survivor).catch(() => null)) ?? undefined),
    ).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it('erases them through every step and tells the subscribed destination, signed', async () => {
    const accepted = await api('POST', '/v1/privacy/erasures', { ...admin, json: { email: EMAIL.toUpperCase(), reason: 'ticket 4711' } });
    expect(accepted.status).toBe(202);
    requestId = accepted.body.id;
    const done = await eventually(async () => {
      const status = await api('GET', `/v1/privacy/erasures/${requestId}`);
      return status.body.status === 'completed' ? status.body : undefined;
    }, 60_000);
    expect(done.removed).toMatchObject({
      profiles: 1,
      identities: 4,
      consentRecords: 1,
      segmentMemberships: 2,
      messages: 1,
      journeyRuns: 1,
      suppressed: 4,
    });
    expect(done.removed.merges).toBeGreaterThanOrEqual(1);
    expect(done.removed.events).toBeGreaterThanOrEqual(5);
    expect(done.removed.segmentHistory).toBeGreaterThanOrEqual(1);
    expect(Object.keys(done.steps)).toEqual(['inventory', 'suppress', 'stop', 'remove', 'verify', 'notify']);
    expect(done.destinations['dpo-crm']).toMatchObject({ status: 'sent', detail: 'http 200' });

    const notices = receiver.received.filter((request) => request.path === '/erasures');
    expect(notices).toHaveLength(1);
    const [notice] = notices;
    const [t, v1] = String(notice!.headers['itinera-signature'])
      .split(',')
      .map((part) => part.split('=')[1]);
    expect(createHmac('sha256', destinationSecret).update(`${t}.${notice!.body}`).digest('hex')).toBe(v1);
    expect(notice!.headers['idempotency-key']).toBe(`erasure:${requestId}:dpo-crm`);
    expect(JSON.parse(notice!.body)).toMatchObject({ type: 'privacy.erasure', requestId });
    expect(JSON.parse(notice!.body).identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'userId', value: IDS.userId },
        { kind: 'email', value: EMAIL.toLowerCase() },
        { kind: 'anonymousId', value: IDS.first },
        { kind: 'anonymousId', value: IDS.second },
      ]),
    );

    const run = await itinera.runtime.temporal.workflow.getHandle(runWorkflowId).describe();
    expect(run.status.name).toBe('TERMINATED');
    // The window of `recent_buyers` had set the person's clock; their shard holds it no more.
    for (const id of profileIds) {
      const shard = itinera.runtime.temporal.workflow.getHandle(segmentClocksWorkflowId(itinera.taskQueue, segmentClockShardOf(id)));
      expect(await shard.query(segmentClockDueQuery, id).catch(() => null)).toBeNull();
    }
  });

  it('leaves none of their identifiers or trait values in any collection or workflow history', async () => {
    const traces = [IDS.userId, IDS.first, IDS.second, EMAIL, EMAIL.toLowerCase(), NAME, CITY];
    const stored = await everythingStored();
    for (const trace of [...traces, ...profileIds]) expect(stored, trace).not.toContain(trace);

    const histories = await everyHistory();
    expect([...histories.keys()].some((key) => key.startsWith('journey:welcome'))).toBe(true);
    expect([...histories.keys()].some((key) => key.startsWith('consent-lifecycle:'))).toBe(true);
    for (const [key, history] of histories) for (const trace of traces) expect(history, `${trace} in ${key}`).not.toContain(trace);
    // The erasure's own history does not even hold the opaque profile ids.
    const erasure = [...histories].find(([key]) => key.startsWith(`erasure:${requestId}`))![1];
    for (const id of profileIds) expect(erasure).not.toContain(id);
  });

  it('issues a receipt without personal data that openssl verifies against the published key', async () => {
    const signed = (await api('GET', `/v1/privacy/erasures/${requestId}/receipt`)).body;
    expect(signed.algorithm).toBe('Ed25519');
    const receipt = JSON.parse(signed.receipt);
    expect(receipt).toMatchObject({
      type: 'itinera.erasure-receipt',
      requestId,
      removed: { profiles: 1, identities: 4 },
      destinations: { 'dpo-crm': { status: 'sent' } },
    });
    for (const trace of [IDS.userId, EMAIL.toLowerCase(), NAME, ...profileIds]) expect(signed.receipt).not.toContain(trace);

    const keyResponse = await fetch(`${itinera.baseUrl}/v1/receipt-key`);
    const pem = await keyResponse.text();
    expect(pem).toBe(signed.publicKey);
    const dir = mkdtempSync(join(tmpdir(), 'receipt-'));
    writeFileSync(join(dir, 'key.pem'), pem);
    writeFileSync(join(dir, 'receipt.json'), signed.receipt);
    writeFileSync(join(dir, 'receipt.sig'), Buffer.from(signed.signature, 'base64'));
    const openssl = (file: string) =>
      execFileSync(
        'openssl',
        [
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          join(dir, 'key.pem'),
          '-rawin',
          '-in',
          join(dir, file),
          '-sigfile',
          join(dir, 'receipt.sig'),
        ],
        { encoding: 'utf8', stdio: 'pipe' },
      );
    expect(openssl('receipt.json')).toContain('Signature Verified Successfully');
    // A changed count no longer verifies.
    writeFileSync(join(dir, 'forged.json'), signed.receipt.replace('"profiles":1', '"profiles":0'));
    expect(() => openssl('forged.json')).toThrow();
    expect(verify(null, Buffer.from(signed.receipt), createPublicKey(pem), Buffer.from(signed.signature, 'base64'))).toBe(true);
  });

  it('drops later messages carrying their identifiers, counts them, and takes them again once an admin lifts the suppression', async () => {
    expect(
      (await api('POST', '/v1/track', { ...write, json: { userId: IDS.userId, event: 'Came Back', properties: { name: NAME } } })).status,
    ).toBe(200);
    expect(
      (await api('POST', '/v1/identify', { ...write, json: { anonymousId: 'a-fresh-device', traits: { email: EMAIL } } })).status,
    ).toBe(200);
    expect(
      (await api('POST', '/v1/batch', { ...write, json: { batch: [{ type: 'page', anonymousId: IDS.second, name: 'Home' }] } })).status,
    ).toBe(200);
    await itinera.runtime.writer.settled();
    expect((await lookup(`userId=${IDS.userId}`)).status).toBe(404);
    expect((await lookup('anonymousId=a-fresh-device')).status).toBe(404);
    expect((await lookup(`anonymousId=${IDS.second}`)).status).toBe(404);
    expect(await everythingStored()).not.toContain(NAME);

    const { suppressions } = (await api('GET', '/v1/privacy/suppressions')).body;
    expect(suppressions).toHaveLength(4);
    for (const entry of suppressions) expect(entry).toMatchObject({ id: expect.stringMatching(/^sup_[0-9a-f]{64}$/), requestId });
    expect(suppressions.reduce((sum: number, entry: { dropped: number }) => sum + entry.dropped, 0)).toBe(3);
    expect(JSON.stringify(suppressions)).not.toContain(IDS.userId);

    for (const entry of suppressions)
      expect((await api('DELETE', `/v1/privacy/suppressions/${entry.id}?reason=person%20asked%20to%20return`)).status).toBe(204);
    expect((await api('DELETE', `/v1/privacy/suppressions/${suppressions[0].id}`)).status).toBe(404);
    await api('POST', '/v1/track', { ...write, json: { userId: IDS.userId, event: 'Came Back' } });
    const returned = await lookup(`userId=${IDS.userId}`);
    expect(returned.status).toBe(200);
    expect(profileIds).not.toContain(returned.body.id);
    expect(returned.body.counters).toEqual({ 'Came Back': { count: 1 } });
  });

  it('keeps an audit log of the request, its completion and each lifted suppression, without personal data', async () => {
    const requested = (await api('GET', '/v1/audit?kind=erasure.requested')).body.entries;
    expect(requested).toEqual([
      expect.objectContaining({ kind: 'erasure.requested', actor: 'admin', reason: 'ticket 4711', subject: { requestId } }),
    ]);
    const completed = (await api('GET', '/v1/audit?kind=erasure.completed')).body.entries;
    expect(completed).toEqual([
      expect.objectContaining({ subject: { requestId }, detail: expect.objectContaining({ profiles: 1, identities: 4 }) }),
    ]);
    const lifted = (await api('GET', '/v1/audit?kind=suppression.lifted')).body.entries;
    expect(lifted).toHaveLength(4);
    expect(lifted[0]).toMatchObject({ reason: 'person asked to return', subject: { requestId } });
    const all = JSON.stringify((await api('GET', '/v1/audit')).body.entries);
    for (const trace of [IDS.userId, EMAIL.toLowerCase(), NAME]) expect(all).not.toContain(trace);
    expect((await api('GET', '/v1/audit?kind=nope')).status).toBe(400);
  });
});
