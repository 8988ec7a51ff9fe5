/**
 * GET /v1/consent-stats: the ledger records of each declared purpose per day, from the
 * counters kept where the ledger is appended: a record counts on the day it was given, a
 * repeated message counts once, and bad windows are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';

let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };
const writer = { auth: basicAuth(WRITE_KEY) };
const DAY_MS = 24 * 3600 * 1000;
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

beforeAll(async () => {
  itinera = await startTestItinera('consent_stats');
  const rules = 'consent email_marketing "E-mail news" {}\nconsent sms {}\njourney hello { when performed "Signed Up" tag "hi" }';
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: rules })).status).toBe(200);
});
afterAll(async () => {
  await itinera?.close();
});

const consent = (userId: string, purpose: string, state: string, at: number, messageId: string) =>
  send(itinera.baseUrl, 'POST', '/v1/consents', {
    ...writer,
    json: { userId, purpose, state, timestamp: new Date(at).toISOString(), messageId },
  });

const day = (stats: Record<string, any>, purpose: string, d: string) =>
  stats.purposes.find((p: { purpose: string }) => p.purpose === purpose)?.days.find((x: { day: string }) => x.day === d);

describe('GET /v1/consent-stats', () => {
  it('counts records per purpose and day, a repeated message once', async () => {
    const now = Date.now();
    const today = dayOf(now);
    const yesterday = dayOf(now - DAY_MS);
    expect((await consent('cs-1', 'email_marketing', 'granted', now - DAY_MS, 'cs-m1')).status).toBe(200);
    expect((await consent('cs-2', 'email_marketing', 'granted', now, 'cs-m2')).status).toBe(200);
    expect((await consent('cs-3', 'email_marketing', 'denied', now, 'cs-m3')).status).toBe(200);
    expect((await consent('cs-1', 'email_marketing', 'revoked', now, 'cs-m4')).status).toBe(200);
    // The same message again: stored once, counted once.
    expect((await consent('cs-2', 'email_marketing', 'granted', now, 'cs-m2')).status).toBe(200);

    const stats = await eventually(async () => {
      const answer = await send(itinera.baseUrl, 'GET', `/v1/consent-stats?from=${yesterday}&to=${today}`, admin);
      expect(answer.status).toBe(200);
      const t = day(answer.body, 'email_marketing', today);
      return t?.granted === 1 && t.denied === 1 && t.revoked === 1 ? answer.body : undefined;
    });
    expect(stats.from).toBe(yesterday);
    expect(stats.to).toBe(today);
    expect(stats.purposes.map((p: { purpose: string }) => p.purpose)).toEqual(['email_marketing', 'sms']);
    expect(stats.purposes[0].title).toBe('E-mail news');
    expect(day(stats, 'email_marketing', yesterday)).toEqual({ day: yesterday, granted: 1, denied: 0, revoked: 0, pending: 0 });
    expect(day(stats, 'email_marketing', today)).toEqual({ day: today, granted: 1, denied: 1, revoked: 1, pending: 0 });
    expect(day(stats, 'sms', today)).toEqual({ day: today, granted: 0, denied: 0, revoked: 0, pending: 0 });
    // The ledger agrees: four records, however often a message came.
    expect(await itinera.raw.consentLedger.countDocuments({ purpose: 'email_marketing' })).toBe(4);

    // By default the last 30 days, today last.
    const recent = await send(itinera.baseUrl, 'GET', '/v1/consent-stats', admin);
    expect(recent.status).toBe(200);
    expect(recent.body.purposes[0].days).toHaveLength(30);
    expect(recent.body.to).toBe(today);
  });

  it('refuses a malformed day, a reversed or too long window and unknown parameters', async () => {
    for (const query of [
      'from=2026-13-01',
      'to=yesterday',
      'from=2026-02-30',
      'from=2026-12-07&to=2026-12-01',
      'from=2024-01-01&to=2026-01-01',
      'purpose=sms',
    ]) {
      const answer = await send(itinera.baseUrl, 'GET', `/v1/consent-stats?${query}`, admin);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toMatch(/^invalid_(query|range)$/);
    }
    expect((await send(itinera.baseUrl, 'GET', '/v1/consent-stats')).status).toBe(401);
  });
});
