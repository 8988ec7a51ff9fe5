/**
 * The privacy page's settings (`/v1/settings/portal`) and what the page makes of them, on
 * the real servers: bad settings are refused with nothing stored, a change is audited, and
 * the person's page shows the shop's name, colours and data protection officer, traits and
 * events by their labels in Polish and English, and who made each consent change in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsentOriginKind } from '../../src/model.js';
import { COLLECTIONS } from '../../src/store/collections.js';
import { changedBy } from '../../src/server/portal/changed-by.js';
import { humanise } from '../../src/server/portal/labels.js';
import { withoutLiquid } from '../../src/server/portal/subjects.js';
import { TEXT } from '../../src/server/portal/text.js';
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

const RULES = `
consent newsletter "Newsletter" {}
consent profiling "Personalisation" {}
`;
const SETTINGS = {
  shopName: 'Księgarnia Pod Sową',
  logoUrl: 'https://shop.example/logo.png',
  colours: { accent: '#7a3e00', background: '#fffdf8', text: '#222222' },
  dpoContact: { email: 'iod@shop.example', postal: 'ul. Długa 1\n31-000 Kraków' },
  labels: {
    traits: { loyalty_tier: { en: 'Loyalty tier', pl: 'Poziom lojalnościowy' }, 'address.city': { pl: 'Miasto (adres)' } },
    events: { 'Chapter Read': { en: 'You read a chapter', pl: 'Przeczytano rozdział' } },
    templates: { ebook_chapter: { en: 'Your next chapter', pl: 'Twój kolejny rozdział' } },
  },
};

let itinera: TestItinera;
const admin = { auth: bearer(ADMIN_KEY) };
const write = { auth: basicAuth(WRITE_KEY) };
const api = (method: string, path: string, options: Parameters<typeof send>[3] = admin) => send(itinera.baseUrl, method, path, options);

beforeAll(async () => {
  itinera = await startTestItinera('portalsettings', { runWorker: false });
  expect((await api('PUT', '/v1/rules', { ...admin, text: RULES })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await itinera?.close();
});

async function storedSettings() {
  return itinera.raw.db.collection(COLLECTIONS.settings).findOne({ _id: 'portal' as never });
}

describe('PUT /v1/settings/portal', () => {
  it.each([
    ['a colour that is not #rrggbb', { colours: { accent: 'red' } }, 400, 'colours.accent'],
    ['a logo over plain http', { logoUrl: 'http://shop.example/logo.png' }, 400, 'logoUrl'],
    // A domain label ending in a hyphen: zod's own check takes it, e-mail validators do not.
    ['an e-mail address with a bad domain', { dpoContact: { email: 'dpo@shop-.example' } }, 400, 'dpoContact.email'],
    ['a label too long', { labels: { traits: { city: { en: 'x'.repeat(121) } } } }, 400, 'labels.traits.city.en'],
    [
      'too many labels',
      { labels: { events: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`Event ${i}`, { en: `Event ${i}` }])) } },
      400,
      'labels.events',
    ],
    ['a label in no language', { labels: { templates: { welcome: {} } } }, 400, 'labels.templates.welcome'],
    ['a field it does not know', { font: 'Comic Sans' }, 400, ''],
    ['grey text on a white background', { colours: { text: '#aaaaaa', background: '#ffffff' } }, 422, 'colours.text'],
    ['a pale accent on the default background', { colours: { accent: '#ffd700' } }, 422, 'colours.accent'],
  ])('refuses %s, naming the field, and stores nothing', async (_what, body, status, path) => {
    const answer = await api('PUT', '/v1/settings/portal', { ...admin, json: body });
    expect(answer.status).toBe(status);
    if (path) expect(answer.body.error.details).toContainEqual(expect.objectContaining({ path }));
    if (status === 422) {
      expect(answer.body.error.code).toBe('unreadable_colours');
      expect(answer.body.error.message).toMatch(/contrast of \d+\.\d\d:1; at least 4\.5:1/);
    }
    expect(await storedSettings()).toBeNull();
  });

  it('stores the settings, answers them back, and audits who changed which fields', async () => {
    const before = new Date().toISOString();
    const saved = await api('PUT', '/v1/settings/portal', { ...admin, json: SETTINGS });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ ...SETTINGS, updatedAt: expect.any(String) });
    expect((await api('GET', '/v1/settings/portal')).body).toEqual(saved.body);
    const audit = (await api('GET', `/v1/audit?kind=settings.changed&since=${encodeURIComponent(before)}`)).body.entries;
    expect(audit).toEqual([
      expect.objectContaining({
        kind: 'settings.changed',
        actor: 'admin',
        subject: { area: 'portal' },
        detail: { fields: ['colours', 'dpoContact', 'labels', 'logoUrl', 'shopName'] },
      }),
    ]);
  });

  it('is for admins only', async () => {
    expect((await api('GET', '/v1/settings/portal', {})).status).toBe(401);
    expect((await api('PUT', '/v1/settings/portal', { json: {} })).status).toBe(401);
  });
});

describe("the person's page with the settings", () => {
  let link: string;
  let profileId: string;

  beforeAll(async () => {
    expect((await api('PUT', '/v1/settings/portal', { ...admin, json: SETTINGS })).status).toBe(200);
    const userId = 'settings-1';
    await api('POST', '/v1/identify', {
      ...write,
      json: { userId, traits: { email: 'ola@example.org', first_name: 'Ola', loyalty_tier: 'gold', favourite_genre: 'poezja' } },
    });
    await api('POST', '/v1/track', { ...write, json: { userId, event: 'Chapter Read', properties: { chapter: 2 } } });
    await api('POST', '/v1/track', { ...write, json: { userId, event: 'Order Completed', properties: { revenue: 42 } } });
    await api('POST', '/v1/track', { ...write, json: { userId, event: 'Something Custom' } });
    // A form on the shop's site (a checkbox), then the shop's back end with no form named.
    await api('POST', '/v1/consents', {
      ...write,
      json: { userId, purpose: 'newsletter', state: 'granted', proof: { method: 'checkbox' }, timestamp: '2026-01-01T10:00:00Z' },
    });
    await api('POST', '/v1/consents', {
      ...write,
      json: { userId, purpose: 'profiling', state: 'granted', timestamp: '2026-01-02T10:00:00Z' },
    });
    const found = await eventually(async () => {
      const profile = (await api('GET', `/v1/profiles/lookup?userId=${userId}`)).body;
      return profile.consents?.profiling?.state === 'granted' ? profile : undefined;
    });
    profileId = found.id;
    // The shop's staff, with a reason.
    const changed = await api('POST', `/v1/profiles/${profileId}/consents`, {
      ...admin,
      json: { purpose: 'profiling', state: 'revoked', reason: 'asked by phone', timestamp: '2026-01-03T10:00:00Z' },
    });
    expect(changed.status).toBe(200);
    link = new URL((await api('POST', '/v1/privacy/portal-links', { ...admin, json: { userId, lang: 'pl' } })).body.url).pathname;
    // The person, on the page.
    const turned = await fetch(`${itinera.baseUrl}${link}/consents`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ purpose: 'newsletter', state: 'revoked', lang: 'pl' }).toString(),
      redirect: 'manual',
    });
    expect(turned.status).toBe(303);
  });

  it('shows the shop, its colours and its data protection officer, under a policy that allows no script', async () => {
    const page = await request(itinera.baseUrl, 'GET', link);
    expect(page.status).toBe(200);
    const html = String(page.body);
    expect(html).toContain('<title>Twoje dane · Księgarnia Pod Sową</title>');
    expect(html).toContain('<img class="logo" src="https://shop.example/logo.png" alt="Księgarnia Pod Sową">');
    expect(html).toContain('--accent:#7a3e00;--bg:#fffdf8;--fg:#222222');
    expect(html).toContain('Inspektor ochrony danych');
    expect(html).toContain('<a href="mailto:iod@shop.example">iod@shop.example</a>');
    expect(html).toContain('ul. Długa 1<br>31-000 Kraków');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/<th[^>]*><\/th>/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src https:\/\/shop\.example; form-action 'self'/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('names traits and events by their labels in Polish, and says who made each consent change', async () => {
    const html = String((await request(itinera.baseUrl, 'GET', `${link}?lang=pl`)).body);
    expect(html).toContain('>Poziom lojalnościowy<');
    expect(html).toContain('>Imię<');
    expect(html).toContain('>Favourite genre<'); // no label in any language: the key made readable
    expect(html).not.toContain('>first_name<');
    expect(html).toContain('>Przeczytano rozdział<');
    expect(html).toContain('>Złożono zamówienie<');
    expect(html).toContain('>Zaktualizowano Twoje dane<');
    expect(html).toContain('>Something Custom<');
    expect(html).not.toContain('>identify<');
    expect(html).toContain('>Ty, na tej stronie<');
    expect(html).toContain('>Personel sklepu, w Twoim imieniu: „asked by phone”<');
    expect(html).toContain('>Ty, w formularzu na naszej stronie lub w aplikacji<');
    expect(html).toContain('>Systemy sklepu<');
  });

  it('and in English', async () => {
    const html = String((await request(itinera.baseUrl, 'GET', `${link}?lang=en`)).body);
    expect(html).toContain('>Loyalty tier<');
    expect(html).toContain('>First name<');
    expect(html).toContain('>You read a chapter<');
    expect(html).toContain('>You placed an order<');
    expect(html).toContain('>You, on this page<');
    expect(html).toContain('>The shop&#39;s staff, on your behalf: “asked by phone”<');
  });

  it('previews the page with the settings over made-up data, for an admin', async () => {
    const preview = await request(itinera.baseUrl, 'GET', '/v1/settings/portal/preview?lang=pl', admin);
    expect(preview.status).toBe(200);
    const html = String(preview.body);
    expect(html).toContain('Księgarnia Pod Sową');
    expect(html).toContain('Podgląd z przykładowymi danymi');
    expect(html).toContain('>Twój kolejny rozdział<');
    expect(html).toContain('>Poziom lojalnościowy<');
    expect(html).not.toContain('ola@example.org');
    expect(html).toMatch(/<button type="submit"[^>]* disabled>/);
    expect((await api('GET', '/v1/settings/portal/preview?lang=de')).status).toBe(400);
    expect((await request(itinera.baseUrl, 'GET', '/v1/settings/portal/preview')).status).toBe(401);
  });
});

describe('the words', () => {
  const cases: [ConsentOriginKind, Record<string, unknown>, string, string][] = [
    ['portal', {}, 'You, on this page', 'Ty, na tej stronie'],
    ['unsubscribe', {}, 'You, by an e-mail link (unsubscribe)', 'Ty, przez link w e-mailu (wypisanie się)'],
    ['confirmation', {}, 'You, by an e-mail link (confirmation)', 'Ty, przez link w e-mailu (potwierdzenie)'],
    ['admin', {}, "The shop's staff, on your behalf", 'Personel sklepu, w Twoim imieniu'],
    ['import', {}, 'Imported from our earlier records', 'Zaimportowana z naszych wcześniejszych danych'],
    ['source', {}, 'On our website or app', 'Na naszej stronie lub w aplikacji'],
    [
      'api',
      { pageUrl: 'https://shop.example/signup' },
      'You, in a form on our website or app',
      'Ty, w formularzu na naszej stronie lub w aplikacji',
    ],
    ['api', { method: 'api' }, "The shop's systems", 'Systemy sklepu'],
    ['lifecycle', {}, 'It expired', 'Wygasła'],
  ];
  it.each(cases)('a change from %s with proof %j reads "%s" / "%s"', (kind, proof, en, pl) => {
    expect(changedBy({ origin: { kind }, proof }, TEXT.en)).toBe(en);
    expect(changedBy({ origin: { kind }, proof }, TEXT.pl)).toBe(pl);
  });

  it('falls back for an origin this server does not know', () => {
    expect(changedBy({ origin: { kind: 'robot' as ConsentOriginKind }, proof: {} }, TEXT.en)).toBe('Through our systems');
  });

  it('makes keys readable and subjects free of Liquid', () => {
    expect(humanise('first_name')).toBe('First name');
    expect(humanise('loyaltyTier')).toBe('Loyalty tier');
    expect(withoutLiquid('{{ traits.first_name }}, chapter {{ with.chapter }} is here')).toBe('chapter is here');
  });
});
