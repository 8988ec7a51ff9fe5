/**
 * GET /metrics on a real Itinera (Temporal dev server, FerretDB, a local SMTP server):
 * after people are identified, events tracked, a journey sends an e-mail and one person is
 * erased, the answer is well-formed Prometheus text with every family of
 * docs/ops/metrics.md, each counter moved by exactly what was done, no label holding a
 * person's id or address; the token and loopback rules hold, a worker-only process answers
 * too, and the Grafana dashboard queries only metrics that exist.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  WRITE_KEY,
  basicAuth,
  bearer,
  eventually,
  request,
  send,
  startTestItinera,
  type TestItinera,
} from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { familyOf, parseExposition, total, type Exposition } from './prometheus-text.js';

const TOKEN = 'metrics-token-0123456789';
const RULES = `
segment recent_buyers {
  performed "Order Completed" within 2 seconds
}

journey receipt {
  when performed "Order Completed"
  operational
  reentry always
  send email "receipt"
}
`;
const ADA = { userId: 'metrics-ada-7f3c', email: 'ada.metrics@shop.example' };
const BOB = { userId: 'metrics-bob-91d2', email: 'bob.metrics@shop.example' };

/** Every family the docs promise, by name and type. */
const FAMILIES: Record<string, string> = {
  itinera_events_accepted_total: 'counter',
  itinera_events_applied_total: 'counter',
  itinera_events_refused_total: 'counter',
  itinera_outbox_entries: 'gauge',
  itinera_outbox_oldest_entry_age_seconds: 'gauge',
  itinera_outbox_read_duration_seconds: 'gauge',
  itinera_profile_writer_lag_seconds: 'histogram',
  itinera_http_request_duration_seconds: 'histogram',
  itinera_journey_runs_started_total: 'counter',
  itinera_journey_runs_admitted_total: 'counter',
  itinera_journey_runs_refused_total: 'counter',
  itinera_journey_runs_ended_total: 'counter',
  itinera_sends_total: 'counter',
  itinera_segment_entry_lag_seconds: 'histogram',
  itinera_segment_clock_due_backlog: 'gauge',
  itinera_privacy_request_state_changes_total: 'counter',
  itinera_database_errors_total: 'counter',
  itinera_temporal_errors_total: 'counter',
  itinera_process_resident_memory_bytes: 'gauge',
  itinera_nodejs_heap_size_used_bytes: 'gauge',
  itinera_nodejs_eventloop_lag_p99_seconds: 'gauge',
};

let itinera: TestItinera;
let sink: SmtpSink;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };

async function scrape(baseUrl = itinera.baseUrl, headers: Record<string, string> = {}): Promise<{ text: string; exposition: Exposition }> {
  const answer = await request(baseUrl, 'GET', '/metrics', { headers });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = answer.body as unknown as string;
  return { text, exposition: parseExposition(text) };
}

beforeAll(async () => {
  sink = await startSmtpSink();
  itinera = await startTestItinera('metrics', { smtp: { url: sink.url, from: 'Shop <news@shop.example>' } });
});
afterAll(async () => {
  await itinera?.close();
  await sink?.close();
});

describe('GET /metrics', () => {
  let before: Exposition;
  let after: { text: string; exposition: Exposition };
  const profileIds: string[] = [];
  const delta = (name: string, labels: Record<string, string> = {}) => total(after.exposition, name, labels) - total(before, name, labels);

  it(
    'counts what was done: events, refusals, a journey run and its e-mail, segment entries, an erasure',
    { timeout: 240_000 },
    async () => {
      expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
      const template = { subject: 'Your receipt', html: '<p>Thanks</p>', text: 'Thanks' };
      expect((await send(itinera.baseUrl, 'PUT', '/v1/templates/receipt', { ...admin, json: template })).status).toBe(201);
      // Events judged once the segment is computed: its entry is then the event's, not the deploy's.
      await eventually(
        async () =>
          (await send(itinera.baseUrl, 'GET', '/v1/segments', admin)).body.segments.every(
            (segment: { state: string }) => segment.state === 'ready',
          ),
        60_000,
      );
      before = (await scrape()).exposition;

      // Six messages accepted, in five requests (five batches): two identifies, a batch of two, two tracks.
      for (const person of [ADA, BOB]) {
        const answer = await send(itinera.baseUrl, 'POST', '/v1/identify', {
          ...write,
          json: { userId: person.userId, traits: { email: person.email } },
        });
        expect(answer.status).toBe(200);
      }
      const batch = [
        { type: 'page', userId: BOB.userId, name: 'Home' },
        { type: 'track', userId: BOB.userId, event: 'Viewed Product' },
      ];
      expect((await send(itinera.baseUrl, 'POST', '/v1/batch', { ...write, json: { batch } })).status).toBe(200);
      expect(
        (await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId: BOB.userId, event: 'Viewed Cart' } })).status,
      ).toBe(200);
      expect(
        (await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId: ADA.userId, event: 'Order Completed' } })).status,
      ).toBe(200);
      // Refused: one without a write key, one invalid (a track without an event).
      expect((await send(itinera.baseUrl, 'POST', '/v1/track', { json: { userId: ADA.userId, event: 'Nope' } })).status).toBe(401);
      expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId: ADA.userId } })).status).toBe(400);

      for (const person of [ADA, BOB]) {
        const found = await send(itinera.baseUrl, 'GET', `/v1/profiles/lookup?userId=${person.userId}`, admin);
        profileIds.push(found.body.id as string);
      }
      // The journey's e-mail reaches the sink, its run ends, and the clock rings Ada out of the segment.
      await eventually(async () => sink.received.length === 1, 30_000);
      await eventually(async () => {
        const now = (await scrape()).exposition;
        return total(now, 'itinera_journey_runs_ended_total') - total(before, 'itinera_journey_runs_ended_total') === 1;
      }, 30_000);
      await eventually(
        async () => (await scrape()).exposition.samples.some((sample) => sample.name === 'itinera_segment_clock_due_backlog'),
        30_000,
      );

      const erasure = await send(itinera.baseUrl, 'POST', '/v1/privacy/erasures', {
        ...admin,
        json: { email: BOB.email, reason: 'metrics test' },
      });
      expect(erasure.status).toBe(202);
      await eventually(async () => {
        const status = await send(itinera.baseUrl, 'GET', `/v1/privacy/erasures/${erasure.body.id}`, admin);
        return status.body.status === 'completed';
      }, 60_000);
      // Everything accepted is applied and its outbox entry closed.
      after = await eventually(async () => {
        const now = await scrape();
        return total(now.exposition, 'itinera_outbox_entries') === 0 &&
          total(now.exposition, 'itinera_events_applied_total') - total(before, 'itinera_events_applied_total') === 6
          ? now
          : undefined;
      }, 30_000);

      expect(delta('itinera_events_accepted_total')).toBe(6);
      expect(delta('itinera_events_applied_total')).toBe(6);
      expect(delta('itinera_events_refused_total', { reason: 'unauthorized' })).toBe(1);
      expect(delta('itinera_events_refused_total', { reason: 'invalid' })).toBe(1);
      expect(delta('itinera_events_refused_total')).toBe(2);
      expect(delta('itinera_profile_writer_lag_seconds_count')).toBe(5);
      expect(delta('itinera_journey_runs_started_total')).toBe(1);
      expect(delta('itinera_journey_runs_admitted_total')).toBe(1);
      expect(delta('itinera_journey_runs_ended_total')).toBe(1);
      expect(delta('itinera_sends_total', { channel: 'email', status: 'sent' })).toBe(sink.received.length);
      expect(delta('itinera_sends_total')).toBe(1);
      expect(delta('itinera_segment_entry_lag_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(delta('itinera_privacy_request_state_changes_total', { kind: 'erasure', state: 'pending' })).toBe(1);
      expect(delta('itinera_privacy_request_state_changes_total', { kind: 'erasure', state: 'running' })).toBe(1);
      expect(delta('itinera_privacy_request_state_changes_total', { kind: 'erasure', state: 'completed' })).toBe(1);
      expect(total(after.exposition, 'itinera_outbox_oldest_entry_age_seconds')).toBe(0);
      // HTTP timing by route pattern: the two accepted tracks and the invalid one under /v1/track, the lookups under its pattern.
      const track = { method: 'POST', route: '/v1/track' };
      expect(delta('itinera_http_request_duration_seconds_count', { ...track, status_class: '2xx' })).toBe(2);
      expect(delta('itinera_http_request_duration_seconds_count', { ...track, status_class: '4xx' })).toBe(1);
      expect(
        delta('itinera_http_request_duration_seconds_count', { method: 'GET', route: '/v1/profiles/lookup', status_class: '2xx' }),
      ).toBe(2);
    },
  );

  it('answers in the text format, with every family typed and no label naming a person', () => {
    const { text, exposition } = after;
    for (const [name, type] of Object.entries(FAMILIES)) expect(exposition.types.get(name), name).toBe(type);
    for (const sample of exposition.samples) expect(familyOf(sample.name, exposition.types), sample.name).toBeDefined();
    const labelValues = exposition.samples.flatMap((sample) => Object.values(sample.labels));
    for (const secret of [...profileIds, ADA.userId, BOB.userId, ADA.email, BOB.email, 'shop.example']) {
      expect(labelValues.filter((value) => value.includes(secret))).toEqual([]);
      expect(text).not.toContain(secret);
    }
    // Routes are patterns, never raw paths.
    const routes = new Set(exposition.samples.map((sample) => sample.labels.route).filter(Boolean));
    expect([...routes].filter((route) => /\/p_|evt_|pr_/.test(route!))).toEqual([]);
  });

  it('is refused to a request forwarded from elsewhere when no token is set', async () => {
    const forwarded = await send(itinera.baseUrl, 'GET', '/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(forwarded.status).toBe(403);
    expect(forwarded.body).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
  });

  it('the Grafana dashboard queries only metrics a real answer has', () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../docs/ops/grafana-dashboard.json', import.meta.url), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
      __inputs: { name: string; pluginId: string }[];
    };
    expect(dashboard.__inputs).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' }));
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const names = new Set(exprs.flatMap((expr) => expr.match(/\bitinera_[a-z0-9_]+/g) ?? []));
    const present = new Set(after.exposition.samples.map((sample) => sample.name));
    for (const [name, type] of after.exposition.types) {
      present.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) present.add(`${name}${suffix}`);
    }
    expect([...names].filter((name) => !present.has(name))).toEqual([]);
  });
});

describe('a worker-only process with a token', () => {
  let worker: TestItinera;
  beforeAll(async () => {
    worker = await startTestItinera('metrics-worker', { role: 'worker', metricsToken: TOKEN, reuseDatabase: itinera.dbName });
  });
  afterAll(async () => {
    await worker?.close();
  });

  it('answers /metrics with the bearer token only, even on loopback', async () => {
    const without = await send(worker.baseUrl, 'GET', '/metrics');
    expect(without.status).toBe(401);
    expect(without.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect((await send(worker.baseUrl, 'GET', '/metrics', { auth: bearer('not-the-token-at-all') })).status).toBe(401);
    const { exposition } = await scrape(worker.baseUrl, { authorization: bearer(TOKEN) });
    expect(exposition.types.get('itinera_process_resident_memory_bytes')).toBe('gauge');
    // Its other routes stay closed: a worker serves /health, /ready and /metrics.
    expect((await send(worker.baseUrl, 'GET', '/v1/profiles/lookup?userId=x', admin)).status).toBe(404);
  });
});
