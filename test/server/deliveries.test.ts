/**
 * Messages → Deliveries (GET /v1/deliveries, GET /v1/delivery-stats): journeys send to a
 * real SMTP sink (a send, a bounce, a retried send, a failure) and a person unsubscribes
 * through their e-mail's link; the list filters and pages without duplicates or gaps, and
 * the day's counters equal what happened, a retried or repeated step counted once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRequest } from '../../src/model.js';
import { ADMIN_KEY, WRITE_KEY, basicAuth, bearer, eventually, send, startTestItinera, type TestItinera } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const FROM = 'Shop <news@shop.example>';
const RULES = `
consent email_marketing "E-mail marketing" {}

journey welcome {
  when performed "Signed Up"
  requires consent email_marketing
  reentry always
  send email "welcome"
}

journey receipt {
  when performed "Order Completed"
  operational
  reentry always
  send email "receipt"
}

journey lost {
  when performed "Ping"
  operational
  reentry always
  send email "nowhere"
}
`;

let itinera: TestItinera;
let sink: SmtpSink;
let viewerCookie = '';
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const ids = new Map<string, string>();
const today = () => new Date().toISOString().slice(0, 10);

const api = (path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, 'GET', path, options);
const list = async (query: string) => (await api(`/v1/deliveries?${query}`)).body;
const dayOf = async (query = '') => {
  const stats = (await api(`/v1/delivery-stats?from=${today()}&to=${today()}${query}`)).body;
  return stats.days[0] as Record<string, any>;
};

async function person(userId: string, traits: Record<string, unknown>, purposes: string[] = []): Promise<string> {
  for (const purpose of purposes)
    expect((await send(itinera.baseUrl, 'POST', '/v1/consents', { ...write, json: { userId, purpose, state: 'granted' } })).status).toBe(
      200,
    );
  expect((await send(itinera.baseUrl, 'POST', '/v1/identify', { ...write, json: { userId, traits } })).status).toBe(200);
  const id = (await api(`/v1/profiles/lookup?userId=${userId}`)).body.id as string;
  ids.set(userId, id);
  return id;
}
const track = async (userId: string, event: string) =>
  expect((await send(itinera.baseUrl, 'POST', '/v1/track', { ...write, json: { userId, event } })).status).toBe(200);

const FINAL = ['sent', 'failed', 'skipped', 'not-configured'];

beforeAll(async () => {
  sink = await startSmtpSink();
  itinera = await startTestItinera('deliveries', { smtp: { url: sink.url, from: FROM } });
  expect((await send(itinera.baseUrl, 'PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
  for (const name of ['welcome', 'receipt'])
    expect(
      (
        await send(itinera.baseUrl, 'PUT', `/v1/templates/${name}`, {
          ...admin,
          json: { subject: name, html: '<p>Hello</p>{% if unsubscribe_url %}<a href="{{ unsubscribe_url }}">Unsubscribe</a>{% endif %}' },
        })
      ).status,
    ).toBe(201);
  await person('ada', { email: 'ada@example.com' }, ['email_marketing']);
  await person('bounce', { email: 'bounce@example.com' });
  await person('busy', { email: 'busy@example.com' });
  await person('lost', { email: 'lost@example.com' });
  await track('ada', 'Signed Up');
  await track('bounce', 'Order Completed');
  await track('busy', 'Order Completed');
  await track('lost', 'Ping');
  // Every message final: the sink's 451 for busy@ is retried by the regular activity.
  await eventually(async () => {
    const { deliveries } = await list('limit=10');
    return deliveries.length === 4 && deliveries.every((d: { status: string }) => FINAL.includes(d.status));
  }, 90_000);

  const password = 'a viewer password, long enough';
  expect((await send(itinera.baseUrl, 'POST', '/v1/users', { ...admin, json: { name: 'vic', role: 'viewer', password } })).status).toBe(
    201,
  );
  const signIn = await fetch(`${itinera.baseUrl}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'vic', password }),
  });
  expect(signIn.status).toBe(200);
  viewerCookie = signIn.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ');
}, 150_000);

afterAll(async () => {
  await itinera?.close();
  await sink?.close();
});

describe('the list', () => {
  it('holds every message with channel, template, person and status history, newest first', async () => {
    const { deliveries, nextCursor, personal } = await list('');
    expect(personal).toBe(true);
    expect(nextCursor).toBeNull();
    const byPerson = new Map(deliveries.map((d: Record<string, any>) => [d.profileId, d]));
    expect(byPerson.get(ids.get('ada'))).toMatchObject({
      channel: 'email',
      template: 'welcome',
      journey: 'welcome',
      status: 'sent',
      address: 'ada@example.com',
    });
    expect(byPerson.get(ids.get('bounce'))).toMatchObject({ template: 'receipt', status: 'failed', detail: 'smtp 550' });
    expect(byPerson.get(ids.get('lost'))).toMatchObject({ template: 'nowhere', status: 'failed', detail: 'template missing' });
    // The retried send: its history shows both attempts and the one success.
    const busy = byPerson.get(ids.get('busy')) as Record<string, any>;
    expect(busy.history.map((step: { status: string }) => step.status)).toEqual(['sending', 'sending', 'sent']);
    const times = deliveries.map((d: { queuedAt: string }) => Date.parse(d.queuedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('filters by journey, template and status', async () => {
    const keysOf = (page: Record<string, any>) => page.deliveries.map((d: { profileId: string }) => d.profileId).sort();
    expect(keysOf(await list('journey=receipt'))).toEqual([ids.get('bounce'), ids.get('busy')].sort());
    expect(keysOf(await list('template=nowhere'))).toEqual([ids.get('lost')]);
    expect(keysOf(await list('status=failed'))).toEqual([ids.get('bounce'), ids.get('lost')].sort());
    expect(keysOf(await list('status=bounced'))).toEqual([ids.get('bounce')]);
    expect(keysOf(await list('journey=receipt&status=sent'))).toEqual([ids.get('busy')]);
    expect((await list('journey=nobody')).deliveries).toEqual([]);
    // A window that ended before they were sent.
    expect((await list('from=2026-01-01&to=2026-01-31')).deliveries).toEqual([]);
  });

  it('shows a viewer no address and no values', async () => {
    const answer = await api('/v1/deliveries', { headers: { cookie: viewerCookie } });
    expect(answer.status).toBe(200);
    expect(answer.body.personal).toBe(false);
    expect(answer.body.deliveries).toHaveLength(4);
    for (const d of answer.body.deliveries) {
      expect(d).not.toHaveProperty('address');
      expect(d).not.toHaveProperty('with');
    }
    expect(JSON.stringify(answer.body)).not.toContain('@example.com');
    expect((await api('/v1/delivery-stats', { headers: { cookie: viewerCookie } })).status).toBe(200);
  });

  it('refuses a bad query with 400', async () => {
    for (const query of [
      'status=lost',
      'from=2026-13-01',
      'to=yesterday',
      'from=2026-12-07&to=2026-12-01',
      'from=2024-01-01&to=2026-01-01',
      'cursor=not-a-cursor',
      'limit=0',
      'colour=red',
    ]) {
      const answer = await api(`/v1/deliveries?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toMatch(/^invalid_(query|range)$/);
    }
    expect((await api('/v1/delivery-stats?from=2026-02-30')).status).toBe(400);
    expect((await api('/v1/delivery-stats?from=2026-12-07&to=2026-12-01')).status).toBe(400);
  });

  it('pages newest first without duplicates or gaps across minutes and hours', async () => {
    const stores = itinera.runtime.stores;
    const profileId = ids.get('ada')!;
    const start = Date.now() - 3 * 3_600_000;
    const expected: string[] = [];
    // 90 messages over three hours, some sharing a millisecond, recorded as a send records them.
    for (let i = 0; i < 90; i++) {
      const at = new Date(start + Math.floor(i / 3) * 337_000);
      const request: MessageRequest = {
        key: `paging:${String(i).padStart(3, '0')}`,
        profileId,
        channel: 'webhook',
        name: 'crm',
        with: {},
        journey: 'paging',
        rulesVersion: 1,
        step: '0',
      };
      await stores.deliveries.advance(request, { status: 'sending', at });
      await stores.deliveries.advance(request, {
        status: i % 10 === 0 ? 'failed' : 'sent',
        at: new Date(at.getTime() + 5),
        detail: 'http 200',
      });
      expected.push(request.key);
    }
    const newest = [...expected].reverse();
    for (const [query, want] of [
      ['journey=paging', newest],
      ['journey=paging&status=failed', newest.filter((key) => Number(key.slice(-3)) % 10 === 0)],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Record<string, any> = await list(`${query}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.deliveries.map((d: { key: string }) => d.key));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen, query).toEqual(want);
    }
  });
});

describe('the counters', () => {
  it('equal what happened: a send, a bounce, a failure, the retried send once', async () => {
    expect(await dayOf('&journey=receipt')).toMatchObject({ sent: 1, bounced: 1, failed: 0, channels: { email: { sent: 1, bounced: 1 } } });
    expect(await dayOf('&journey=lost')).toMatchObject({ sent: 0, failed: 1, bounced: 0 });
    expect(await dayOf('&journey=welcome')).toMatchObject({ sent: 1, unsubscribed: 0 });
    const all = await dayOf();
    // Besides the paging test's webhooks (counted on the days they were recorded): two e-mails sent, a bounce, a failure.
    const paging = await dayOf('&journey=paging');
    expect({ sent: all.sent - paging.sent, failed: all.failed - paging.failed, bounced: all.bounced }).toEqual({
      sent: 2,
      failed: 1,
      bounced: 1,
    });
    expect(all.channels.email).toMatchObject({ sent: 2, failed: 1, bounced: 1 });
    const stats = (await api('/v1/delivery-stats')).body;
    expect(stats.days).toHaveLength(30);
    expect(stats.days.at(-1).day).toBe(today());
  });

  it('count a repeated final step once, as a retried or restarted send repeats it', async () => {
    const stores = itinera.runtime.stores;
    const request: MessageRequest = {
      key: 'repeat:1',
      profileId: ids.get('busy')!,
      channel: 'email',
      name: 'receipt',
      with: {},
      journey: 'repeat',
      rulesVersion: 1,
      step: '0',
    };
    await stores.deliveries.advance(request, { status: 'sending', at: new Date() });
    await stores.deliveries.advance(request, { status: 'sending', at: new Date() });
    expect(await stores.deliveries.advance(request, { status: 'sent', at: new Date(), detail: 'smtp 250' })).toBeNull();
    expect(await stores.deliveries.advance(request, { status: 'sent', at: new Date(), detail: 'smtp 250' })).toMatchObject({
      status: 'sent',
    });
    expect(await stores.deliveries.advance(request, { status: 'failed', at: new Date(), detail: 'retries exhausted' })).toMatchObject({
      status: 'sent',
    });
    expect(await dayOf('&journey=repeat')).toMatchObject({ sent: 1, failed: 0 });
    // Listed once, though two steps were recorded before the final one.
    expect((await list('journey=repeat')).deliveries.map((d: { key: string }) => d.key)).toEqual(['repeat:1']);
  });

  it('count an unsubscribe through the link once, however often it is clicked', async () => {
    const mail = sink.mailbox('ada@example.com')[0];
    const link = /^<([^>]+)>$/.exec(mail!.headers.get('list-unsubscribe') ?? '')?.[1];
    const path = new URL(link!).pathname;
    // A GET (a link scanner) counts nothing.
    expect((await fetch(`${itinera.baseUrl}${path}`)).status).toBe(200);
    expect(await dayOf('&journey=welcome')).toMatchObject({ unsubscribed: 0 });
    for (let click = 0; click < 2; click++) {
      const posted = await fetch(`${itinera.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(posted.status).toBe(200);
    }
    expect(await dayOf('&journey=welcome')).toMatchObject({ sent: 1, unsubscribed: 1, channels: { email: { unsubscribed: 1 } } });
    expect(await dayOf()).toMatchObject({ unsubscribed: 1 });
    const { deliveries } = await list('status=unsubscribed');
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ profileId: ids.get('ada'), journey: 'welcome', unsubscribedAt: expect.any(String) });
  });
});
